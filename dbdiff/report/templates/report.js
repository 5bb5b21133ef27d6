/* dbdiff report: progressive enhancement only. The page is complete without this script;
   it adds sorting, row filters, expand/collapse controls and opens everything for printing. */
(function () {
  "use strict";
  var doc = document;

  function each(selector, root, fn) {
    Array.prototype.forEach.call((root || doc).querySelectorAll(selector), fn);
  }

  function button(label, onClick) {
    var b = doc.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  /* --- sorting: click a header; numbers sort numerically, text naturally --- */
  function sortKey(row, col) {
    var cell = row.cells[col];
    if (!cell) return "";
    var v = cell.getAttribute("data-sort");
    return v !== null ? v : cell.textContent.trim();
  }

  function sortBy(table, th) {
    var col = Number(th.getAttribute("data-col"));
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var numeric = rows.every(function (r) {
      var v = sortKey(r, col);
      return v !== "" && !isNaN(Number(v));
    });
    rows.sort(function (a, b) {
      var x = sortKey(a, col), y = sortKey(b, col);
      var c = numeric ? Number(x) - Number(y) : x.localeCompare(y, undefined, { numeric: true });
      return c * dir;
    });
    each("th[aria-sort]", table, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    rows.forEach(function (r) { body.appendChild(r); });
  }

  each("table.sortable", null, function (table) {
    each("th[data-col]", table, function (th) {
      var b = doc.createElement("button");
      b.type = "button";
      b.title = "Sort by this column";
      while (th.firstChild) b.appendChild(th.firstChild);
      th.appendChild(b);
      b.addEventListener("click", function () { sortBy(table, th); });
    });
  });

  /* --- filtering: a search box above long tables --- */
  each("table.filterable", null, function (table) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var bar = doc.createElement("div");
    bar.className = "filter-bar";
    var input = doc.createElement("input");
    input.type = "search";
    input.placeholder = "Filter rows\u2026";
    input.setAttribute("aria-label", "Filter " + (table.getAttribute("aria-label") || "rows"));
    var shown = doc.createElement("span");
    shown.className = "shown";
    shown.setAttribute("aria-live", "polite");
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      var n = 0;
      rows.forEach(function (r) {
        var hit = !q || r.textContent.toLowerCase().indexOf(q) !== -1;
        r.hidden = !hit;
        if (hit) n += 1;
      });
      shown.textContent = q ? n + " of " + rows.length + " rows" : "";
    });
    bar.appendChild(input);
    bar.appendChild(shown);
    var scroll = table.parentNode;
    scroll.parentNode.insertBefore(bar, scroll);
  });

  /* --- expand / collapse, and hiding identical pairs --- */
  var toolbar = doc.getElementById("toolbar");
  if (toolbar) {
    toolbar.appendChild(button("Expand all", function () {
      each("details", null, function (d) { d.open = true; });
    }));
    toolbar.appendChild(button("Collapse all", function () {
      each("details", null, function (d) { d.open = false; });
    }));
    if (doc.querySelector('.card[data-status="identical"]') && doc.querySelector('.card:not([data-status="identical"])')) {
      var label = doc.createElement("label");
      var box = doc.createElement("input");
      box.type = "checkbox";
      box.id = "only-differing";
      box.addEventListener("change", function () {
        each('.card[data-status="identical"]', null, function (c) { c.hidden = box.checked; });
      });
      label.appendChild(box);
      label.appendChild(doc.createTextNode("Only pairs with differences"));
      toolbar.appendChild(label);
    }
    toolbar.hidden = false;
  }

  /* --- in-page links: scroll here, so they also work inside a notebook's srcdoc iframe,
     where '#pair-1' would otherwise resolve against the notebook's own URL --- */
  doc.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest('a[href^="#"]') : null;
    if (!link) return;
    var target = doc.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) return;
    event.preventDefault();
    for (var node = target; node; node = node.parentNode) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    target.scrollIntoView();
  });

  /* --- print everything, then restore what was closed --- */
  var closed = null;
  window.addEventListener("beforeprint", function () {
    if (closed) return;  /* already opened for an earlier beforeprint */
    closed = [];
    each("details:not([open])", null, function (d) { closed.push(d); d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    if (!closed) return;
    closed.forEach(function (d) { d.open = false; });
    closed = null;
  });
})();
