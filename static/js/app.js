// OrderPulse: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js"); // CSS shows script-only controls from here on

  // --- Toasts: close on click; success/info fade after a while (not while pointed at); errors stay. ---
  var TOAST_MS = 6000;
  function armToast(el) {
    if (el.dataset.armed) return;
    el.dataset.armed = "1";
    if (el.classList.contains("toast--danger")) return;
    var timer;
    function schedule() {
      timer = setTimeout(function () {
        el.classList.add("toast--leaving");
        setTimeout(function () { el.remove(); }, 400);
      }, TOAST_MS);
    }
    el.addEventListener("mouseenter", function () { clearTimeout(timer); });
    el.addEventListener("mouseleave", schedule);
    schedule();
  }
  function armToasts() {
    document.querySelectorAll(".toast").forEach(armToast);
  }

  function showToastTemplate(id) {
    var tpl = document.getElementById(id);
    var box = document.getElementById("toasts");
    if (!tpl || !box) return;
    box.appendChild(tpl.content.cloneNode(true));
    armToasts();
  }

  // --- Quick-entry lines: remove a row, keep the visible numbers 1, 2, 3… ---
  function renumberLines() {
    document.querySelectorAll("[data-line] .line-row__no").forEach(function (no, i) {
      no.textContent = String(i + 1);
    });
  }

  document.addEventListener("click", function (ev) {
    var close = ev.target.closest("[data-dismiss]");
    if (close) close.closest(".toast").remove();
    var remove = ev.target.closest("[data-remove-line]");
    if (remove) {
      var row = remove.closest("[data-line]");
      if (document.querySelectorAll("[data-line]").length > 1) {
        var next = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        renumberLines();
        var focusable = next && next.querySelector("select, input");
        if (focusable) focusable.focus();
      } else {
        row.querySelectorAll("select, input").forEach(function (f) { f.value = ""; });
      }
    }
  });

  // "Add line" asks the server for the next row. Its index must not repeat one still on screen (ids
  // are built from it), so it is one past the highest, not the count (rows can be removed).
  document.addEventListener("htmx:configRequest", function (ev) {
    var elt = ev.detail.elt;
    if (elt && elt.matches && elt.matches("[data-add-line]")) {
      var max = -1;
      document.querySelectorAll("[data-line]").forEach(function (row) {
        max = Math.max(max, parseInt(row.dataset.index || "0", 10));
      });
      ev.detail.parameters = { index: max + 1 };
    }
  });

  document.addEventListener("htmx:afterSwap", function (ev) {
    var target = ev.detail.target;
    // A new line: number it and put the cursor in its product field.
    if (target && target.id === "lines") {
      renumberLines();
      var rows = document.querySelectorAll("[data-line]");
      var field = rows.length && rows[rows.length - 1].querySelector("select");
      if (field) field.focus();
    }
    // A form came back with errors (422): take the reader to the first one.
    if (ev.detail.xhr && ev.detail.xhr.status === 422 && target) {
      var invalid = target.querySelector("[aria-invalid='true']");
      if (invalid) {
        invalid.focus();
      } else {
        var alert = target.querySelector("[role='alert']");
        if (alert) alert.scrollIntoView({ block: "center" });
      }
    }
  });

  // The server could not be reached (network down, server restarting): say so instead of doing nothing.
  document.addEventListener("htmx:sendError", function () { showToastTemplate("toast-network"); });

  document.addEventListener("DOMContentLoaded", armToasts);
  document.addEventListener("htmx:afterSettle", armToasts);
})();
