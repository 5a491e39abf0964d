// Small enhancements; every page works without this file.
(function () {
  // Choosing a year, statistic or tier redraws the map at once; the form says so beforehand
  // (WCAG 3.2.2), since a choice now loads a new page.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    var hint = form.querySelector("[data-autosubmit-hint]");
    form.querySelectorAll("select").forEach(function (select) {
      if (hint) { select.setAttribute("aria-describedby", hint.id); }
      select.addEventListener("change", function () { form.submit(); });
    });
    if (hint) { hint.hidden = false; }
  });
  // A printed page shows what "What this means" and other closed details say.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (details) {
      details.open = true;
      opened.push(details);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (details) { details.open = false; });
    opened = [];
  });
  // Typing a name on the map page dims the councils that do not match.
  var finder = document.getElementById("find-council");
  if (finder) {
    var hexes = Array.prototype.slice.call(document.querySelectorAll(".map .hex-link"));
    var rows = Array.prototype.slice.call(document.querySelectorAll("#council-table tbody tr"));
    var status = document.getElementById("find-status");
    finder.addEventListener("input", function () {
      var wanted = finder.value.trim().toLowerCase();
      var matching = {};
      var shown = 0;
      // Names are matched in the table's rows; a hexagon follows its council's row.
      rows.forEach(function (row) {
        var match = !wanted || row.getAttribute("data-name").indexOf(wanted) !== -1;
        row.hidden = !match;
        if (match) { shown += 1; matching[row.getAttribute("data-code")] = true; }
      });
      hexes.forEach(function (link) {
        var hex = link.querySelector(".hex");
        hex.classList.toggle("dim", Boolean(wanted) && !matching[hex.getAttribute("data-code")]);
      });
      if (status) {
        status.textContent = wanted
          ? shown + (shown === 1 ? " council matches \u201c" : " councils match \u201c") + finder.value.trim() + "\u201d"
          : "";
      }
    });
  }
})();
