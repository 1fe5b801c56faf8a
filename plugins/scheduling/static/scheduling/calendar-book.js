// Booking from the calendar in a dialog: a free cell's link (and "New appointment") loads the booking form
// into the page's dialog with htmx instead of opening it as a page. The form posts with htmx too; refusals
// (a taken time, a field to correct) come back into the dialog, a booking sends the page back to the
// calendar. Without script, or with a modifier key held, the links open the form's own page as before.
(function () {
  "use strict";

  const dialog = document.getElementById("calendar-dialog");
  const body = document.getElementById("calendar-dialog-body");
  if (!dialog || !body || typeof dialog.showModal !== "function") return;

  function open(url) {
    body.innerHTML = "";
    window.htmx.ajax("GET", url, { target: body, swap: "innerHTML" }).then(function () {
      // Anything but the form (a refusal, an error): open the address as a page, which explains itself.
      if (!body.querySelector("form")) {
        window.location.assign(url);
        return;
      }
      if (!dialog.open) dialog.showModal();
      const first = body.querySelector("select, input:not([type=hidden]), textarea");
      if (first) first.focus();
    });
  }

  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("a.cal-free, a[data-books-in-dialog]");
    if (!link || !window.htmx) return;
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    open(link.href);
  });

  dialog.addEventListener("click", function (event) {
    if (event.target.closest("[data-dialog-close]")) dialog.close();
  });

  // A refused booking answers 400 or 409 with the form and its messages: show it in the dialog.
  body.addEventListener("htmx:beforeSwap", function (event) {
    const code = event.detail.xhr.status;
    if (code === 400 || code === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
