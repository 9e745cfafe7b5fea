// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  var toggle = document.querySelector("[data-nav-toggle]");
  if (toggle) {
    var target = document.getElementById(toggle.getAttribute("aria-controls"));
    toggle.addEventListener("click", function () {
      var open = target.classList.toggle("show");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
})();

// After a refused form submission, move focus to the summary of what needs fixing.
(function () {
  "use strict";
  var summary = document.getElementById("form-errors");
  if (summary) { summary.focus(); }
})();
