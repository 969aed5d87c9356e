// Small enhancements only: every page works without this file.
(function () {
  "use strict";

  // A form that came back with errors: move focus to the error summary, so keyboard and
  // screen reader users hear the problems first and can follow the links to each field.
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  // Controls that only work with JavaScript (security keys) stay hidden without it.
  function revealScriptOnlyControls() {
    document.querySelectorAll("[data-needs-js]").forEach(function (element) {
      element.hidden = false;
    });
  }

  // The main menu on a narrow screen: a button that opens and closes the list (the CSS folds it
  // only when scripts run, so without them the list is always there).
  function wireMenuButton() {
    var button = document.querySelector(".site-nav__toggle");
    var list = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!button || !list) {
      return;
    }
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      list.classList.toggle("is-open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        button.click();
        button.focus();
      }
    });
  }

  function enhance() {
    wireMenuButton();
    revealScriptOnlyControls();
    focusErrorSummary();
  }

  // A region swapped in by htmx may bring its own error summary (a step of the request wizard,
  // a list's filter form): focus it the same way a full page load does.
  document.addEventListener("htmx:afterSettle", function (event) {
    var summary = event.target && event.target.querySelector
      ? event.target.querySelector("[data-error-summary]")
      : null;
    if (summary) {
      summary.focus();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
})();
