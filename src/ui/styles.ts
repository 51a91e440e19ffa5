// The dashboard's one stylesheet, served from /ui/assets/ui.css (no CDN, no build step). Colours follow the browser's
// light or dark preference; every text colour keeps at least 4.5:1 contrast on its background in both schemes.

export const STYLESHEET = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --panel: #ffffff; --text: #1b1f24; --muted: #57606a; --line: #d0d7de; --link: #0a58ca;
  --accent: #0b6bcb; --ok: #146c2e; --ok-bg: #dafbe1; --bad: #a40e26; --bad-bg: #ffebe9; --warn: #7d4e00; --warn-bg: #fff8c5;
  --info: #0550ae; --info-bg: #ddf4ff; --bar: #0b6bcb; --bar2: #cf222e; --button: #0b6bcb;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 15px; line-height: 1.45;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --panel: #161b22; --text: #e6edf3; --muted: #9da7b3; --line: #30363d; --link: #79b8ff;
    --accent: #4493f8; --ok: #56d364; --ok-bg: #12261e; --bad: #ff7b72; --bad-bg: #2d1214; --warn: #e3b341; --warn-bg: #2b2111;
    --info: #79c0ff; --info-bg: #0c2d48; --bar: #4493f8; --bar2: #f85149; --button: #1f6feb;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
a { color: var(--link); }
.skip { position: absolute; left: -999px; top: 0; background: var(--panel); padding: .5rem 1rem; }
.skip:focus { left: 1rem; z-index: 10; }
header.top { display: flex; align-items: center; gap: 2rem; padding: .6rem 1.5rem; background: var(--panel); border-bottom: 1px solid var(--line); }
header.top .brand { font-weight: 700; color: var(--text); text-decoration: none; font-size: 1.1rem; }
header.top nav ul { display: flex; gap: 1.25rem; list-style: none; margin: 0; padding: 0; }
header.top nav a { color: var(--muted); text-decoration: none; padding: .3rem 0; border-bottom: 2px solid transparent; }
header.top nav a[aria-current="page"] { color: var(--text); border-bottom-color: var(--accent); }
header.top form.scope { display: flex; gap: .5rem; align-items: center; }
header.top form.scope:first-of-type { margin-left: auto; }
header.top form.scope label { flex-direction: row; align-items: center; gap: .5rem; }
main { max-width: 1200px; margin: 0 auto; padding: 1.25rem 1.5rem 3rem; }
h1 { font-size: 1.5rem; margin: .25rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1rem; margin-bottom: 1rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.1rem; }
.panel.wide { grid-column: 1 / -1; }
.muted { color: var(--muted); }
.figure { font-size: 1.8rem; font-weight: 700; }
table { width: 100%; border-collapse: collapse; font-size: .92rem; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600; white-space: nowrap; }
.badge.ok { color: var(--ok); background: var(--ok-bg); }
.badge.bad { color: var(--bad); background: var(--bad-bg); }
.badge.warn { color: var(--warn); background: var(--warn-bg); }
.badge.info { color: var(--info); background: var(--info-bg); }
.badge.plain { color: var(--muted); border: 1px solid var(--line); }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin-bottom: 1rem; }
label { display: flex; flex-direction: column; gap: .2rem; font-size: .85rem; color: var(--muted); }
select, input, button { font: inherit; color: var(--text); background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .35rem .6rem; }
button { cursor: pointer; background: var(--button); color: #fff; border-color: var(--button); font-weight: 600; }
button.secondary { background: var(--panel); color: var(--text); border-color: var(--line); }
.pager { display: flex; gap: 1rem; align-items: center; margin-top: .75rem; }
.chart svg { width: 100%; height: auto; display: block; }
.chart text { fill: var(--muted); font-size: 11px; }
.chart .bar { fill: var(--bar); }
.chart .bar.bad { fill: var(--bar2); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; overflow: auto; }
.empty { color: var(--muted); font-style: italic; }
.spaced { margin-top: 1rem; }
.panel + h2 { margin-top: 1.5rem; }
.nowrap { white-space: nowrap; }
form.inline { display: inline; margin: 0; }
form.stacked { display: flex; flex-direction: column; gap: .75rem; max-width: 28rem; }
form.stacked button { align-self: flex-start; }
button.small { padding: .15rem .5rem; font-size: .85rem; font-weight: 500; }
fieldset.checks { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 .75rem; padding: .5rem .75rem; display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: .25rem 1rem; }
fieldset.checks legend { color: var(--muted); font-size: .85rem; padding: 0 .25rem; }
label.check { flex-direction: row; align-items: center; gap: .4rem; color: var(--text); font-size: .9rem; }
.error-page { border-left: 4px solid var(--bad); }
h3 { font-size: 1rem; margin: 1rem 0 .5rem; }
textarea { font: inherit; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; color: var(--text); background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .35rem .6rem; width: 100%; }
form.stacked.wide { max-width: none; }
fieldset.params { border: 1px solid var(--line); border-radius: 6px; margin: 0; padding: .5rem .75rem .75rem; display: flex; flex-direction: column; gap: .5rem; }
fieldset.params legend { color: var(--text); font-weight: 600; padding: 0 .25rem; }
progress { width: min(100%, 28rem); height: 1rem; accent-color: var(--accent); vertical-align: middle; margin-right: .75rem; }
td code { overflow-wrap: anywhere; }
.diff-add { background: var(--ok-bg); color: var(--ok); }
.diff-del { background: var(--bad-bg); color: var(--bad); }
details > summary { cursor: pointer; font-weight: 600; }
.actions-row { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; margin: .5rem 0 1rem; }
`;
