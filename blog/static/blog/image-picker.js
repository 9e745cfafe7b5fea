// The article editor's "Browse…" window: hands the chosen picture back to the editor that
// opened it (the editor listens through a CKEditor-style callback) and closes.
(function () {
  "use strict";
  var funcNum = new URLSearchParams(window.location.search).get("CKEditorFuncNum");
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-pick-image]");
    if (!button) {
      return;
    }
    event.preventDefault();
    var opener = window.opener;
    if (!opener || !opener.CKEDITOR || !opener.CKEDITOR.tools || funcNum === null) {
      button.insertAdjacentText("afterend", " Open this window from the article editor.");
      return;
    }
    opener.CKEDITOR.tools.callFunction(Number(funcNum), button.dataset.url, {
      id: button.dataset.id,
      alternative_text: button.dataset.alt,
      caption: button.dataset.caption
    });
    window.close();
  });
})();
