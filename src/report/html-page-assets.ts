/*
 * The HTML report's inline stylesheet and script. Both are static: no report data is ever
 * interpolated into them (data reaches the script through escaped data-* attributes), so text
 * in an answer cannot break out of the <script> element.
 */

/** Inline CSS: light theme with AA-contrast text, tables that scroll, a stacked diff under 640px. */
export const REPORT_CSS = `
:root{color-scheme:light;--fg:#1a1a1a;--muted:#4d4d4d;--bg:#fff;--panel:#f5f6f8;--border:#cdd2d9;--good:#0b6b2e;--good-bg:#e7f4eb;--bad:#a1151a;--bad-bg:#fdecec;--warn-bg:#fff3c4;--warn-border:#8a6d00;--accent:#1d4ed8}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1240px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:.25rem 0 .75rem;overflow-wrap:anywhere}
h2{font-size:1.25rem;margin:2rem 0 .5rem;padding-bottom:.25rem;border-bottom:1px solid var(--border)}
h3{font-size:1.05rem;margin:1.25rem 0 .4rem}
a{color:var(--accent)}
a:focus-visible,select:focus-visible,button:focus-visible,.table-wrap:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.banner{background:var(--warn-bg);border:2px solid var(--warn-border);border-radius:6px;padding:.6rem 1rem;font-weight:700;margin:.5rem 0}
.verdict{display:inline-block;font-size:1.1rem;font-weight:700;padding:.4rem .9rem;border-radius:6px;margin:.25rem 0}
.verdict.pass{background:var(--good-bg);color:var(--good);border:2px solid var(--good)}
.verdict.fail{background:var(--bad-bg);color:var(--bad);border:2px solid var(--bad)}
.meta{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.2rem 1rem;margin:.75rem 0}
.meta dt{font-weight:600}.meta dd{margin:0;overflow-wrap:anywhere}
nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;padding:0;margin:.5rem 0}
.table-wrap{overflow-x:auto;border:1px solid var(--border);border-radius:6px;margin:.5rem 0}
table{border-collapse:collapse;width:100%;font-size:.9rem}
caption{text-align:left;padding:.4rem .6rem;font-weight:600}
th,td{padding:.4rem .6rem;border-bottom:1px solid var(--border);text-align:left;vertical-align:top}
thead th{background:var(--panel);white-space:nowrap}
tbody th{font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.good{color:var(--good);font-weight:600}
.bad{color:var(--bad);font-weight:700}
tr.failed{background:var(--bad-bg)}
.muted{color:var(--muted)}
.note{color:var(--muted);font-size:.9rem}
.charts{display:grid;grid-template-columns:minmax(0,1fr);gap:1rem}
@media (min-width:900px){.charts{grid-template-columns:repeat(2,minmax(0,1fr))}}
figure{margin:0;background:var(--panel);border:1px solid var(--border);border-radius:6px;padding:.75rem}
figcaption{font-weight:600;margin-bottom:.25rem}
svg.chart{display:block;width:100%;height:auto;background:#fff;border-radius:4px}
svg.chart text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;fill:#303030}
svg.chart .axis-title{font-weight:600}
svg.chart .axis{stroke:#555;stroke-width:1}
svg.chart .grid{stroke:#e3e6ea;stroke-width:1}
svg.chart .guide{stroke:#8a8f98;stroke-width:1;stroke-dasharray:3 3}
svg.chart .pareto-front{stroke:#1a1a1a;stroke-width:1.5;stroke-dasharray:6 4}
.legend{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;padding:0;margin:.5rem 0 0;font-size:.85rem}
.legend li{display:flex;align-items:center;gap:.35rem}
.swatch{width:28px;height:10px}
.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end;margin:.75rem 0}
.filters label{display:block;font-weight:600;font-size:.85rem;margin-bottom:.15rem}
select,button{font:inherit;color:var(--fg);background:#fff;border:1px solid #5f6670;border-radius:4px;padding:.35rem .5rem;min-height:2.4rem;max-width:100%}
button{cursor:pointer}
#diff-filter-status{margin:0;font-weight:600}
.chip{display:inline-block;background:var(--panel);border:1px solid var(--border);border-radius:999px;padding:0 .45rem;font-size:.8rem;margin:.1rem .1rem 0 0}
.chip.bad{background:var(--bad-bg);border-color:var(--bad)}
.diff .text{white-space:pre-wrap;overflow-wrap:anywhere;max-height:16em;overflow:auto;min-width:12em}
.diff td{font-size:.85rem}
tr[hidden]{display:none!important}
pre{background:var(--panel);border:1px solid var(--border);border-radius:6px;padding:.75rem;overflow:auto;font-size:.85rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
footer{margin:2rem 0 1rem;color:var(--muted);font-size:.85rem}
@media (max-width:640px){
body{font-size:14px}main{padding:10px}
.meta{grid-template-columns:minmax(0,1fr)}.meta dd{margin-bottom:.35rem}
.diff thead{display:none}
.diff,.diff tbody,.diff tr,.diff td{display:block;width:100%}
.diff tr{border-bottom:2px solid var(--border);padding:.25rem 0}
.diff td{border:0;padding:.2rem .5rem}
.diff td::before{content:attr(data-label);display:block;font-weight:600;color:var(--muted);font-size:.8rem}
.diff td.num{text-align:left}
.diff .text{min-width:0}
}
`;

/**
 * Inline script for the diff filters: rows carry their slices and failed checks as JSON in
 * data-* attributes; changing a (labelled, native, keyboard-operable) select hides the rows
 * that do not match and announces the count through a live region.
 */
export const REPORT_SCRIPT = `
(function () {
  var table = document.getElementById('diff-table');
  var form = document.getElementById('diff-filters');
  if (!table || !form || !table.tBodies[0]) return;
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var meta = rows.map(function (row) {
    return {
      slices: JSON.parse(row.getAttribute('data-slices') || '[]'),
      checks: JSON.parse(row.getAttribute('data-checks') || '[]'),
      candidate: row.getAttribute('data-candidate') || ''
    };
  });
  var slice = document.getElementById('diff-filter-slice');
  var check = document.getElementById('diff-filter-check');
  var candidate = document.getElementById('diff-filter-candidate');
  var status = document.getElementById('diff-filter-status');
  function checkMatches(value, checks) {
    if (value === '') return true;
    if (value === 'any') return checks.length > 0;
    if (value === 'none') return checks.length === 0;
    return checks.indexOf(value.slice('check:'.length)) !== -1;
  }
  function apply() {
    var shown = 0;
    for (var index = 0; index < rows.length; index += 1) {
      var row = meta[index];
      var visible = (slice.value === '' || row.slices.indexOf(slice.value) !== -1) &&
        checkMatches(check.value, row.checks) &&
        (candidate.value === '' || row.candidate === candidate.value);
      rows[index].hidden = !visible;
      if (visible) shown += 1;
    }
    status.textContent = 'Showing ' + shown + ' of ' + rows.length + ' rows';
  }
  form.addEventListener('change', apply);
  form.addEventListener('submit', function (event) { event.preventDefault(); apply(); });
  form.addEventListener('reset', function () { setTimeout(apply, 0); });
  apply();
})();
`;
