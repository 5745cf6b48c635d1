// casegraph report.html: a filter over the leads table. The page reads
// fine without it (and prints without it); when it has run without an
// error, <body data-report-ready="yes"> says so for the browser test.
(function () {
  "use strict";
  var input = document.getElementById("lead-filter");
  var table = document.getElementById("leads-table");
  var count = document.getElementById("lead-count");
  var rows = table ? Array.prototype.slice.call(table.tBodies[0].rows) : [];
  var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
  function apply() {
    var words = (input ? input.value : "").toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (r, i) {
      var ok = words.every(function (w) { return texts[i].indexOf(w) >= 0; });
      r.classList.toggle("hidden", !ok);
      if (ok) { shown += 1; }
    });
    if (count) { count.textContent = shown + " of " + rows.length + " leads"; }
  }
  if (input) { input.addEventListener("input", apply); }
  apply();
  var body = document.body;
  body.setAttribute("data-charts", String(document.querySelectorAll("svg.chart").length));
  body.setAttribute("data-heatmaps", String(document.querySelectorAll("svg.heatmap").length));
  body.setAttribute("data-lead-rows", String(rows.length));
  body.setAttribute("data-report-ready", "yes");
})();
