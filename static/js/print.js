// Buttons marked data-print open the browser's print dialog. Kept out of the page's HTML because the
// Content-Security-Policy allows scripts from our own files only, never inline handlers.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
