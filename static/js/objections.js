// The why-not calendar: the first tap on a month shows its reason below the calendar (a touch
// screen has no hover); a second tap on the same month opens its page. The title attribute serves hover.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var detail = document.getElementById("cal-detail");
    if (!detail) { return; }
    var open = null;
    document.querySelectorAll("[data-cal-cell]").forEach(function (cell) {
      cell.addEventListener("click", function (event) {
        if (open === cell) { return; }  // second tap: follow the link
        event.preventDefault();
        if (open) { open.classList.remove("is-open"); }
        open = cell;
        cell.classList.add("is-open");
        detail.textContent = cell.getAttribute("data-cal-summary");
      });
    });
  });
})();
