// Small enhancements; every page works without this file.
(function () {
  // Choosing a year, statistic or tier redraws the map at once.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Typing a name on the map page dims the councils that do not match.
  var finder = document.getElementById("find-council");
  if (finder) {
    var hexes = Array.prototype.slice.call(document.querySelectorAll(".map .hex-link"));
    var rows = Array.prototype.slice.call(document.querySelectorAll("#council-table tbody tr"));
    var status = document.getElementById("find-status");
    finder.addEventListener("input", function () {
      var wanted = finder.value.trim().toLowerCase();
      var shown = 0;
      hexes.forEach(function (link) {
        var match = !wanted || link.getAttribute("aria-label").toLowerCase().indexOf(wanted) !== -1;
        link.querySelector(".hex").classList.toggle("dim", !match);
      });
      rows.forEach(function (row) {
        var match = !wanted || row.getAttribute("data-name").indexOf(wanted) !== -1;
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      if (status) {
        status.textContent = wanted ? shown + " councils match \u201c" + finder.value + "\u201d" : "";
      }
    });
  }
})();
