// The office search's keyboard shortcut: "/" (when not typing in a field) or Ctrl+K / Cmd+K puts the
// cursor in the search box at the top of every office page.
(function () {
  "use strict";
  function typing(target) {
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }
  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("office-search");
    if (!box) return;
    var slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(event.target);
    var commandK = (event.ctrlKey || event.metaKey) && (event.key === "k" || event.key === "K");
    if (slash || commandK) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
})();
