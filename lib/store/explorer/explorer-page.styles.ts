/** Stylesheet of the explorer page (inline: the page loads no external asset). */
export const EXPLORER_STYLES = String.raw`
:root {
  --bg: #f5f6fa; --card: #fff; --line: #e3e6ee; --line-soft: #eef0f5; --text: #1b2130; --muted: #6b7385;
  --accent: #4f46e5; --accent-soft: #eef0ff; --err: #d92d20; --err-soft: #fff1f0; --ok: #079455; --ok-soft: #ecfdf3;
  --par: #f79009; --par-soft: #fff6e5;
  --r-workflow: #7a5af8; --r-node: #2e90fa; --r-provider: #12b76a; --r-tool: #f79009; --r-agent_task: #ee46bc;
  --r-agent_step: #06aed4; --r-http: #667085; --r-websocket: #475467; --r-queue: #b54708; --r-rpc: #344054;
  --r-event: #c11574; --r-other: #98a2b3;
}
* { box-sizing: border-box; }
html, body { margin: 0; }
body { font: 13px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; background: var(--bg); color: var(--text); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.muted { color: var(--muted); }
.top { position: sticky; top: 0; z-index: 5; display: flex; align-items: center; gap: 28px; padding: 0 24px; height: 52px; background: #101828; color: #fff; }
.brand { font-weight: 650; font-size: 15px; letter-spacing: .2px; white-space: nowrap; }
.brand .logo { color: #a5b4fc; margin-right: 6px; }
.brand .muted { color: #98a2b3; font-weight: 450; }
.top nav { display: flex; gap: 4px; height: 100%; }
.top nav a { display: flex; align-items: center; padding: 0 14px; color: #d0d5dd; border-bottom: 2px solid transparent; font-weight: 500; }
.top nav a:hover { color: #fff; text-decoration: none; }
.top nav a.active { color: #fff; border-bottom-color: #a5b4fc; }
.stats { margin-left: auto; color: #98a2b3; font-size: 12px; white-space: nowrap; }
.stats .warn { color: #fdb022; }
.refresh { background: transparent; color: #d0d5dd; border-color: #344054; padding: 4px 12px; font-size: 12px; }
.refresh:hover { background: #1d2939; color: #fff; }
main { padding: 20px 24px 40px; max-width: 1480px; margin: 0 auto; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin-bottom: 16px; box-shadow: 0 1px 2px rgba(16,24,40,.04); }
.card-head { display: flex; align-items: baseline; gap: 12px; margin-bottom: 10px; }
h1 { font-size: 19px; margin: 0; font-weight: 650; }
h2 { font-size: 14px; margin: 0; font-weight: 650; }
.banner { margin: 16px 24px 0; padding: 10px 14px; border-radius: 8px; background: var(--err-soft); color: var(--err); border: 1px solid #fecdca; }
.filters { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: flex-end; }
.field { display: flex; flex-direction: column; gap: 4px; }
.field span { font-size: 11px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .4px; }
input, select { font: inherit; padding: 6px 9px; border: 1px solid #d0d5dd; border-radius: 6px; background: #fff; color: var(--text); min-width: 120px; }
input[type=search] { min-width: 220px; }
input:focus, select:focus { outline: 2px solid var(--accent-soft); border-color: var(--accent); }
button { font: inherit; font-weight: 550; padding: 6px 14px; border-radius: 6px; border: 1px solid #d0d5dd; background: #fff; color: var(--text); cursor: pointer; }
button:hover { background: #f9fafb; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.primary:hover { background: #4338ca; }
.actions { display: flex; gap: 8px; }
.segmented { display: inline-flex; border: 1px solid #d0d5dd; border-radius: 7px; overflow: hidden; }
.segmented button { border: 0; border-radius: 0; border-right: 1px solid #d0d5dd; padding: 6px 14px; }
.segmented button:last-child { border-right: 0; }
.segmented button.active { background: var(--accent-soft); color: var(--accent); }
.toolbar { display: flex; gap: 14px; align-items: center; flex-wrap: wrap; }
table.grid { width: 100%; border-collapse: collapse; }
.grid th { text-align: left; font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .4px; color: var(--muted); padding: 8px 10px; border-bottom: 1px solid var(--line); background: #fafbfc; white-space: nowrap; }
.grid td { padding: 9px 10px; border-bottom: 1px solid var(--line-soft); vertical-align: middle; }
.grid tr.clickable { cursor: pointer; }
.grid tr.clickable:hover td { background: #f8f9ff; }
.grid tr.err td:first-child { box-shadow: inset 3px 0 0 var(--err); }
.grid .num, .grid th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.grid .empty { text-align: center; color: var(--muted); padding: 28px; }
.tname { font-weight: 600; }
.sub { display: flex; gap: 8px; margin-top: 2px; font-size: 12px; }
.chip { display: inline-block; padding: 1px 7px; border-radius: 10px; background: #f2f4f7; color: #344054; font-size: 11.5px; font-weight: 500; }
.chip.wf { background: #f4f3ff; color: #5925dc; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 10px; font-size: 11.5px; font-weight: 600; }
.badge.ok { background: var(--ok-soft); color: var(--ok); }
.badge.error { background: var(--err-soft); color: var(--err); }
.badge.unset { background: #f2f4f7; color: var(--muted); }
.cost { color: #344054; font-weight: 600; }
.durbar { display: flex; align-items: center; gap: 8px; min-width: 140px; }
.durbar i { display: block; height: 6px; border-radius: 3px; background: #b2ccff; }
.durbar b { font-weight: 500; font-variant-numeric: tabular-nums; white-space: nowrap; }
.sharebar { display: flex; align-items: center; gap: 8px; justify-content: flex-end; }
.sharebar i { display: block; height: 8px; border-radius: 4px; background: #9b8afb; }
.more { margin-top: 12px; }
.back { display: inline-block; margin-bottom: 12px; font-weight: 550; }
.page-note { margin: 0 0 10px; padding: 8px 12px; border-radius: 8px; background: #fffaeb; color: #93370d; font-size: 13px; }
.trace-head { display: flex; align-items: center; gap: 12px; margin-bottom: 14px; }
.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px 18px; }
.meta div span { display: block; font-size: 11px; text-transform: uppercase; letter-spacing: .4px; color: var(--muted); font-weight: 600; }
.meta div b { font-weight: 600; font-size: 14px; word-break: break-all; }
.meta .wide { grid-column: span 2; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; margin-bottom: 16px; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 16px; }
.kpi span { display: block; font-size: 11px; text-transform: uppercase; letter-spacing: .4px; color: var(--muted); font-weight: 600; }
.kpi b { display: block; font-size: 20px; font-weight: 650; margin-top: 2px; font-variant-numeric: tabular-nums; }
.par-list { margin: 0; padding: 0; list-style: none; display: flex; flex-direction: column; gap: 6px; }
.par-list li { padding: 8px 12px; border-radius: 8px; background: var(--par-soft); border: 1px solid #fedf89; }
.par-list li b { color: #b54708; }
.wf { border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.wf-row { display: grid; grid-template-columns: minmax(280px, 32%) 1fr 96px; align-items: center; min-height: 30px; border-bottom: 1px solid var(--line-soft); cursor: pointer; }
.wf-row:last-child { border-bottom: 0; }
.wf-row:hover { background: #f8f9ff; }
.wf-row.selected { background: var(--accent-soft); }
.wf-row.err .wf-name .label { color: var(--err); font-weight: 600; }
.wf-row.par { box-shadow: inset 3px 0 0 var(--par); }
.wf-axis { cursor: default; background: #fafbfc; min-height: 26px; font-size: 11px; color: var(--muted); }
.wf-axis:hover { background: #fafbfc; }
.wf-name { display: flex; align-items: center; gap: 6px; padding: 4px 8px; overflow: hidden; white-space: nowrap; }
.wf-name .label { overflow: hidden; text-overflow: ellipsis; }
.role { flex: none; font-size: 10px; font-weight: 700; text-transform: uppercase; letter-spacing: .3px; padding: 1px 6px; border-radius: 4px; color: #fff; background: var(--r-other); }
.par-tag { flex: none; font-size: 10.5px; font-weight: 700; color: #b54708; background: var(--par-soft); border: 1px solid #fedf89; padding: 0 5px; border-radius: 4px; }
.wf-track { position: relative; height: 30px; border-left: 1px solid var(--line-soft); background-image: repeating-linear-gradient(to right, transparent 0, transparent calc(25% - 1px), var(--line-soft) calc(25% - 1px), var(--line-soft) 25%); }
.wf-axis .wf-track { height: 26px; }
.tick { position: absolute; top: 6px; transform: translateX(-50%); white-space: nowrap; font-variant-numeric: tabular-nums; }
.tick.first { transform: none; padding-left: 4px; }
.tick.last { transform: translateX(-100%); padding-right: 6px; }
.wf-bar { position: absolute; top: 8px; height: 14px; min-width: 2px; border-radius: 3px; background: var(--r-other); }
.wf-bar.err { background: var(--err) !important; }
.wf-dur { position: absolute; top: 7px; font-size: 11px; color: #475467; white-space: nowrap; font-variant-numeric: tabular-nums; }
.wf-cost { text-align: right; padding-right: 10px; font-variant-numeric: tabular-nums; font-size: 12px; white-space: nowrap; }
.wf-cost.own { font-weight: 650; color: #344054; }
.wf-cost.sum { color: var(--muted); }
.role-workflow { background: var(--r-workflow); } .role-node { background: var(--r-node); } .role-provider { background: var(--r-provider); }
.role-tool { background: var(--r-tool); } .role-agent_task { background: var(--r-agent_task); } .role-agent_step { background: var(--r-agent_step); }
.role-http { background: var(--r-http); } .role-websocket { background: var(--r-websocket); }
.role-queue { background: var(--r-queue); } .role-rpc { background: var(--r-rpc); } .role-event { background: var(--r-event); }
.legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 12px; color: var(--muted); }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.panel { position: fixed; top: 52px; right: 0; bottom: 0; width: min(480px, 92vw); background: #fff; border-left: 1px solid var(--line); box-shadow: -8px 0 24px rgba(16,24,40,.08); overflow-y: auto; padding: 18px 20px 30px; z-index: 4; }
.panel h2 { font-size: 15px; margin: 0 28px 8px 0; word-break: break-word; }
.panel .close { position: absolute; top: 12px; right: 12px; padding: 2px 9px; }
.panel h3 { font-size: 11px; text-transform: uppercase; letter-spacing: .4px; color: var(--muted); margin: 18px 0 6px; }
.kv { width: 100%; border-collapse: collapse; font-size: 12px; }
.kv td { padding: 5px 6px; border-bottom: 1px solid var(--line-soft); vertical-align: top; }
.kv td:first-child { color: var(--muted); width: 40%; word-break: break-all; }
.kv td:last-child { word-break: break-word; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.event { border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; margin-bottom: 8px; }
.event.exception { border-color: #fecdca; background: var(--err-soft); }
pre { white-space: pre-wrap; word-break: break-word; margin: 6px 0 0; font-size: 11.5px; max-height: 260px; overflow: auto; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
@media (max-width: 1100px) { .two { grid-template-columns: 1fr; } }
`;
