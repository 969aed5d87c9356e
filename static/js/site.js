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

  function enhance() {
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
