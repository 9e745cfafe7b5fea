// Shows the visitor's own local time beside studio times when their zone differs.
(function () {
  "use strict";
  var root = document.querySelector("[data-studio-zone]");
  if (!root || !window.Intl) { return; }
  var studioZone = root.getAttribute("data-studio-zone");
  var visitorZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!visitorZone || visitorZone === studioZone) { return; }
  var format = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  root.querySelectorAll("time[datetime]").forEach(function (element) {
    var instant = new Date(element.getAttribute("datetime"));
    if (isNaN(instant)) { return; }
    var local = document.createElement("span");
    local.className = "visitor-time";
    local.textContent = " (" + format.format(instant) + " your time)";
    element.after(local);
  });
  var note = root.querySelector(".local-zone-note");
  if (note) {
    note.textContent = " Your own time (" + visitorZone + ") is shown beside each.";
    note.hidden = false;
  }
})();
