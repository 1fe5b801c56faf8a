// The office menu is a <details> element that folds the navigation behind a button on phones. From the
// md breakpoint the stylesheet keeps its content shown (::details-content); a browser that cannot style
// that gets the menu opened here instead, so the navigation stays beside the page on wide screens.
(function () {
  "use strict";
  var menu = document.querySelector("details.office-menu");
  if (!menu || !window.matchMedia || CSS.supports("selector(::details-content)")) return;
  var wide = window.matchMedia("(min-width: 48rem)");
  function follow() { menu.open = wide.matches; }
  follow();
  wide.addEventListener("change", follow);
})();
