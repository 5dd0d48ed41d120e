// Behaviour the pages share, kept out of inline attributes so the Content-Security-Policy can forbid them.
// <select data-autosubmit> submits its form when changed.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("[data-autosubmit]") && el.form) {
    el.form.submit();
  }
});
// <button data-print> prints the page.
document.addEventListener("click", function (event) {
  var el = event.target;
  if (el && el.closest && el.closest("[data-print]")) {
    window.print();
  }
});
