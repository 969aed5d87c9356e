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

  // A group of questions that only matters for one answer of a radio group
  // (data-shown-when="name=value"): hidden while another answer is chosen. Without scripts
  // every group is shown, and the hint says when to fill it in.
  function wireConditionalGroups(root) {
    root.querySelectorAll("[data-shown-when]").forEach(function (group) {
      var rule = group.getAttribute("data-shown-when").split("=");
      var form = group.closest("form");
      if (!form) {
        return;
      }
      var radios = form.querySelectorAll('input[type="radio"][name="' + rule[0] + '"]');
      function update() {
        var chosen = form.querySelector('input[type="radio"][name="' + rule[0] + '"]:checked');
        var errors = group.querySelector(".usa-form-group--error, .usa-error-message");
        group.hidden = !errors && !(chosen && chosen.value === rule[1]);
      }
      radios.forEach(function (radio) {
        radio.addEventListener("change", update);
      });
      update();
    });
  }

  function enhance() {
    wireConditionalGroups(document);
    wireMenuButton();
    revealScriptOnlyControls();
    focusErrorSummary();
  }

  // A region swapped in by htmx may bring its own error summary (a step of the request wizard,
  // a list's filter form): focus it the same way a full page load does.
  document.addEventListener("htmx:afterSettle", function (event) {
    wireConditionalGroups(document); // a swapped step brings its groups anew
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
