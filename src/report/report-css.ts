// The report's stylesheet, written into index.html: the static page and the viewer share it, so
// both look the same (the viewer adds only its controls' rules).
export const REPORT_CSS = `
:root{--bg:#f6f6f3;--panel:#fff;--ink:#1c1d1f;--ink2:#55585e;--ink3:#8a8d93;--line:#e3e3de;--accent:#2f5f98;
--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color-scheme:light}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
.page{max-width:1240px;margin:0 auto;padding:28px 28px 64px}
.kicker{font-size:11px;letter-spacing:.12em;text-transform:uppercase;color:var(--ink3);font-weight:600;margin:0 0 4px}
h1{font-size:26px;line-height:1.2;margin:0 0 4px;font-weight:650;letter-spacing:-.01em;overflow-wrap:anywhere}
h2{font-size:19px;margin:0;font-weight:650;letter-spacing:-.005em}
h3{font-size:13px;margin:0 0 8px;font-weight:600;color:var(--ink2);text-transform:uppercase;letter-spacing:.06em}
.sub{color:var(--ink2);margin:0}
.mono{font-family:var(--mono);font-size:12.5px}
header.top{display:flex;justify-content:space-between;align-items:flex-end;gap:24px;padding-bottom:18px;border-bottom:1px solid var(--line);margin-bottom:22px;flex-wrap:wrap}
nav.layers{display:flex;gap:6px;flex-wrap:wrap}
nav.layers a{padding:5px 11px;border:1px solid var(--line);border-radius:999px;background:var(--panel);color:var(--ink);font-size:13px}
nav.layers a.on{background:var(--ink);border-color:var(--ink);color:#fff}
nav.layers a:hover{text-decoration:none;border-color:var(--ink3)}
section{margin:0 0 34px}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:16px 18px}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:14px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.facts dt{color:var(--ink3)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.layer-card h2{font-size:16px;overflow-wrap:anywhere}
.big{font-size:30px;font-weight:650;letter-spacing:-.02em;line-height:1.1;margin:8px 0 2px}
.big small{font-size:15px;color:var(--ink2);font-weight:500;letter-spacing:0}
.stat-line{color:var(--ink2);margin:2px 0}
table.cats{border-collapse:collapse;width:100%;margin-top:10px;font-variant-numeric:tabular-nums;font-size:13px}
table.cats th,table.cats td{padding:4px 6px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
table.cats th{font-weight:600;color:var(--ink3);font-size:11.5px}
table.cats th.group{text-align:center;border-bottom:1px solid var(--line);padding-bottom:2px;font-weight:500}
table.cats th:first-child,table.cats td:first-child{text-align:left}
.chip{display:inline-flex;align-items:center;gap:6px}
.chip i{display:inline-block;width:10px;height:10px;border-radius:3px;flex:none}
.layer-head{display:flex;justify-content:space-between;align-items:baseline;gap:16px;flex-wrap:wrap;margin-bottom:10px}
.layer-head .shape{color:var(--ink3)}
.hint{background:#fff7e0;border:1px solid #f1dc9c;border-radius:8px;padding:8px 12px;color:#6b5312;margin:8px 0}
figure.bars-figure{margin:12px 0 18px;overflow-x:auto;background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:10px 8px 4px}
svg.bars{display:block;font:11px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
svg.bars .grid{stroke:#ecece8}svg.bars .baseline{stroke:#9a9da3}
svg.bars .tick{fill:var(--ink3);font-size:10.5px}svg.bars .axis-title{fill:var(--ink3);font-size:11px}
svg.bars .group{stroke-width:3;stroke-linecap:round}svg.bars .group-label{font-size:12px;font-weight:650}
svg.bars .bar-label{fill:var(--ink2);font-size:10.5px}svg.bars .bar:hover rect{opacity:.8}
svg.bars .bars-empty{fill:var(--ink3);font-size:13px}
figure.overview-chart{margin-top:14px;padding:14px 18px 8px}
figure.overview-chart h3{margin-bottom:4px}
.units{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:12px}
.unit{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:9px 10px 10px;min-width:0}
.unit .meta{display:flex;align-items:baseline;gap:10px;margin-bottom:7px;min-width:0}
.unit .num{font-family:var(--mono);font-size:12px;color:var(--ink3);flex:none}
.unit .label{font-weight:650;font-size:15px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;min-width:0}
.unit .cat{font-size:12px;color:var(--ink2);flex:none}
.unit .iou{margin-left:auto;font-variant-numeric:tabular-nums;font-weight:600;flex:none}
.unit img.strip{display:block;width:100%;height:auto;border-radius:4px;background:#222}
.unit.muted{background:#fafaf8}
.unit.muted .label,.unit.muted .iou{color:var(--ink3);font-weight:500}
.unit.muted img.strip{opacity:.55;filter:grayscale(.5)}
.warnings{background:#fdecea;border:1px solid #e8a39b;border-left:5px solid #c0392b;border-radius:8px;padding:10px 14px;color:#6d1f16;margin:10px 0}
.warn-line{color:#a93226;font-weight:600;margin:4px 0}
.warnings ul{margin:4px 0 0;padding-left:20px}
.top-concepts,.files{color:var(--ink2);margin:8px 0 0;font-size:13px;overflow-wrap:anywhere}
.top-concepts .n{color:var(--ink3);font-variant-numeric:tabular-nums}
details.concept-table{margin:0 0 18px;background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:8px 12px}
details.concept-table summary{cursor:pointer;font-weight:600;color:var(--ink2)}
details.concept-table .scroll{max-height:320px;overflow-y:auto;margin-top:6px}
table.concepts-table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:13px}
table.concepts-table th,table.concepts-table td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
table.concepts-table th{position:sticky;top:0;background:var(--panel);color:var(--ink3);font-weight:600;font-size:11.5px}
table.concepts-table th:nth-child(-n+2),table.concepts-table td:nth-child(-n+2){text-align:left}
table.concepts-table td:first-child{white-space:normal;overflow-wrap:anywhere}
.unit .label a{color:inherit}
footer{color:var(--ink3);font-size:12px;border-top:1px solid var(--line);padding-top:14px;margin-top:30px}
`;
