// Sorts the table under the map in place when a column heading or "worst first" is chosen.
// Every one of those is a link that sorts on the server (?sort=&order=), so the page works the
// same without this file; this only saves reloading the map. The order is the server's
// (upheld.site.home.sort_rows): the tests check the two agree on every column.
(function () {
  var table = document.getElementById("council-table");
  if (!table || !window.URL || !window.history || !history.replaceState) { return; }
  var body = table.tBodies[0];
  var status = document.getElementById("sort-status");
  var links = Array.prototype.slice.call(document.querySelectorAll("a[data-sort]"));
  var ranks = { well_below: 0, below: 1, within: 2, above: 3, well_above: 4 };

  function text(row, name) { return row.getAttribute("data-" + name) || ""; }
  function number(row, name) {
    var written = text(row, name);
    return written === "" ? null : parseFloat(written);
  }
  function compare(a, b) { return a < b ? -1 : (a > b ? 1 : 0); }
  function byName(a, b) {
    return compare(text(a, "name"), text(b, "name")) || compare(text(a, "code"), text(b, "code"));
  }

  // A row's number for a sort, or null when it has none: no figure, or too few cases.
  function measure(row, sort) {
    if (sort === "base") { return number(row, "base"); }
    if (sort === "average") { return number(row, "average"); }
    var comparison = text(row, "comparison");
    if (number(row, "value") === null || comparison === "too_few") { return null; }
    if (sort === "range") { return number(row, "low"); }
    if (sort === "comparison") { return comparison in ranks ? ranks[comparison] : null; }
    return number(row, "value");
  }
  // Where a row without a number goes: too few cases before no figure at all.
  function after(row, sort) {
    if (sort === "base" || sort === "average") { return measure(row, sort) === null ? 2 : 0; }
    var comparison = text(row, "comparison");
    if (number(row, "value") === null || comparison === "") { return 2; }
    return comparison === "too_few" ? 1 : 0;
  }

  function ordered(rows, sort, order) {
    var way = order === "desc" ? -1 : 1;
    if (sort === "council") {
      return rows.slice().sort(function (a, b) { return way * byName(a, b); });
    }
    if (sort === "type") {
      return rows.slice().sort(function (a, b) {
        return way * (compare(text(a, "type"), text(b, "type")) || byName(a, b));
      });
    }
    var judged = rows.filter(function (row) { return measure(row, sort) !== null; });
    var rest = rows.filter(function (row) { return measure(row, sort) === null; });
    // Ties stay a to z whichever way the numbers run (a stable sort after sorting by name).
    judged.sort(byName);
    judged.sort(function (a, b) {
      var first = compare(measure(a, sort), measure(b, sort));
      if (!first && sort === "comparison") {
        first = compare(number(a, "value") || 0, number(b, "value") || 0);
      }
      return way * first;
    });
    rest.sort(function (a, b) { return compare(after(a, sort), after(b, sort)) || byName(a, b); });
    return judged.concat(rest);
  }

  function sortBy(link) {
    var sort = link.getAttribute("data-sort");
    var order = link.getAttribute("data-order");
    var rows = Array.prototype.slice.call(body.rows);
    ordered(rows, sort, order).forEach(function (row) { body.appendChild(row); });
    var said = "";
    table.querySelectorAll("thead th").forEach(function (heading) {
      var sorter = heading.querySelector("a[data-sort]");
      var mark = heading.querySelector(".sort-mark");
      var hidden = heading.querySelector(".visually-hidden");
      var now = sorter.getAttribute("data-sort") === sort;
      var next = now && order === "asc" ? "desc" : "asc";
      var words = (sorter.getAttribute(next === "asc" ? "data-up" : "data-down") || "");
      if (now) {
        heading.setAttribute("aria-sort", order === "asc" ? "ascending" : "descending");
        said = sorter.getAttribute("data-label") + ", " +
          sorter.getAttribute(order === "asc" ? "data-up" : "data-down");
      } else {
        heading.removeAttribute("aria-sort");
      }
      mark.textContent = now ? (order === "asc" ? "\u25b2" : "\u25bc") : "";
      hidden.textContent = " (sort " + words + ")";
      var address = new URL(sorter.href);
      address.searchParams.set("order", next);
      sorter.href = address.toString();
      sorter.setAttribute("data-order", next);
    });
    links.forEach(function (other) {
      if (other.closest("thead")) { return; }
      var current = other.getAttribute("data-sort") === sort &&
        other.getAttribute("data-order") === order;
      if (current) { other.setAttribute("aria-current", "true"); }
      else { other.removeAttribute("aria-current"); }
    });
    if (status && said) { status.textContent = "Sorted by " + said.charAt(0).toLowerCase() + said.slice(1) + "."; }
    // The address says the order, so a reload, a bookmark or the CSV link gives the same table.
    var here = new URL(window.location.href);
    here.searchParams.set("sort", sort);
    here.searchParams.set("order", order);
    here.hash = "table";
    history.replaceState(null, "", here.toString());
    document.querySelectorAll("a[href^='/index.csv'], a[href^='/index.json']").forEach(function (download) {
      var target = new URL(download.href);
      target.searchParams.set("sort", sort);
      target.searchParams.set("order", order);
      download.href = target.pathname + target.search;
    });
  }

  links.forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey || event.button) { return; }
      event.preventDefault();
      sortBy(link);
    });
  });
})();
