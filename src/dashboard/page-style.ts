/** The dashboard page's stylesheet (inline: the page loads nothing from anywhere). */
export const PAGE_STYLE = `
:root { color-scheme: light dark; --ok: #1a7f37; --warn: #b7791f; --bad: #cf222e; --iso: #8250df; --muted: #6e7781; --line: #d0d7de; --card: #ffffff; --bg: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --line: #30363d; --card: #161b22; --bg: #0d1117; --muted: #8b949e; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 12px 20px; border-bottom: 1px solid var(--line); background: var(--card); }
header h1 { font-size: 18px; margin: 0 auto 0 0; }
main { padding: 16px 20px; }
.pill { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: 12px; color: #fff; background: var(--muted); }
.pill[data-state="healthy"], .pill[data-state="closed"], .pill[data-state="live"] { background: var(--ok); }
.pill[data-state="degraded"], .pill[data-state="half_open"], .pill[data-state="connecting"] { background: var(--warn); }
.pill[data-state="unavailable"], .pill[data-state="open"], .pill[data-state="disconnected"] { background: var(--bad); }
.pill[data-state="isolated"] { background: var(--iso); }
.muted { color: var(--muted); }
.issues { margin: 0 0 12px; padding-left: 20px; color: var(--warn); }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 16px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card[data-breaker="open"] { border-color: var(--bad); }
.card[data-breaker="half_open"] { border-color: var(--warn); }
.card h2 { display: flex; justify-content: space-between; align-items: center; margin: 0 0 8px; font-size: 16px; }
.row { display: flex; justify-content: space-between; gap: 8px; margin: 4px 0; }
.card section.model { border-top: 1px solid var(--line); margin-top: 8px; padding-top: 4px; }
.card section.model h3 { margin: 4px 0; font-size: 13px; }
.bar { height: 8px; border-radius: 4px; background: var(--line); overflow: hidden; margin: 2px 0 6px; }
.fill { height: 100%; background: var(--ok); }
.fill[data-level="low"] { background: var(--warn); }
.fill[data-level="empty"] { background: var(--bad); }
.counters { display: grid; grid-template-columns: repeat(4, 1fr); gap: 4px; margin: 8px 0; text-align: center; }
.counters b { display: block; font-size: 16px; }
section { margin-top: 24px; }
section h2 { font-size: 15px; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.message { word-break: break-word; }
`;
