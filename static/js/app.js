// OrderPulse: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Toasts: dismiss on click, fade out after a while.
  function armToast(el) {
    if (el.dataset.armed) return;
    el.dataset.armed = "1";
    setTimeout(function () { el.classList.add("toast--leaving"); }, 6000);
    setTimeout(function () { el.remove(); }, 6600);
  }
  document.addEventListener("click", function (ev) {
    var close = ev.target.closest("[data-dismiss]");
    if (close) close.closest(".toast").remove();
    var remove = ev.target.closest("[data-remove-line]");
    if (remove) {
      var rows = document.querySelectorAll("[data-line]");
      if (rows.length > 1) remove.closest("[data-line]").remove();
      else remove.closest("[data-line]").querySelectorAll("select, input").forEach(function (f) { f.value = ""; });
    }
  });

  // "Add line" asks the server for the next row, numbered after the ones already on screen.
  document.addEventListener("htmx:configRequest", function (ev) {
    if (ev.detail.elt && ev.detail.elt.matches && ev.detail.elt.matches("[data-add-line]")) {
      ev.detail.parameters = { index: document.querySelectorAll("[data-line]").length };
    }
  });

  function arm(root) {
    (root || document).querySelectorAll(".toast").forEach(armToast);
  }
  document.addEventListener("DOMContentLoaded", function () { arm(document); });
  document.addEventListener("htmx:afterSettle", function () { arm(document); });
})();
