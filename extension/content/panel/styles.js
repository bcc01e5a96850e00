// The panel's CSS, scoped by its shadow root so LinkedIn's styles and ours never meet.

export const PANEL_CSS = `
:host { all: initial; }
* { box-sizing: border-box; }
.panel {
  position: fixed; top: 68px; right: 16px; z-index: 2147483646;
  width: 332px; max-height: calc(100vh - 84px); overflow: auto;
  background: #fff; color: rgb(0 0 0 / 90%);
  border-radius: 8px;
  box-shadow: 0 0 0 1px rgb(140 140 140 / 20%), 0 6px 18px rgb(0 0 0 / 14%);
  font: 14px/1.4 -apple-system, system-ui, BlinkMacSystemFont, "Segoe UI", Roboto,
        "Helvetica Neue", "Fira Sans", Ubuntu, Oxygen, Cantarell, sans-serif;
}
header {
  display: flex; align-items: center; gap: 8px;
  padding: 8px 12px; border-bottom: 1px solid rgb(140 140 140 / 20%);
  position: sticky; top: 0; background: #fff; z-index: 1;
}
.brand { font-weight: 700; font-size: 14px; color: #0a66c2; letter-spacing: .2px; }
.brand span { color: rgb(0 0 0 / 60%); font-weight: 600; }
.header-name { flex: 1; font-weight: 600; font-size: 13px; overflow: hidden;
               text-overflow: ellipsis; white-space: nowrap; }
.icon { margin-left: auto;
  border: 0; background: transparent; cursor: pointer; color: rgb(0 0 0 / 60%);
  width: 28px; height: 28px; border-radius: 50%;
  font-family: inherit; font-weight: 600; font-size: 15px; line-height: 1;
}
.icon:hover { background: rgb(0 0 0 / 8%); }
.body { padding: 10px 12px 12px; display: grid; gap: 10px; }
.panel.collapsed .body { display: none; }
.panel.collapsed { width: auto; }
.person h2 { margin: 0; font-size: 16px; font-weight: 600; overflow-wrap: anywhere; }
.person p { margin: 2px 0 0; font-size: 12px; color: rgb(0 0 0 / 60%); overflow-wrap: anywhere; }
.record { display: grid; gap: 6px; }
.record-line { margin: 0; display: flex; gap: 8px; align-items: baseline; }
.dot { flex: none; width: 8px; height: 8px; border-radius: 50%; background: #b0b0b0;
       transform: translateY(-1px); }
.record[data-kind="match"] .dot { background: #057642; }
.record[data-kind="possible"] .dot { background: #e7a33e; }
.record[data-kind="unknown"] .dot { background: #b0b0b0; }
.record[data-kind="error"] .dot { background: #cc1016; }
.choices { margin: 0; padding: 0; list-style: none; display: grid; gap: 6px; }
.choice { display: flex; align-items: center; gap: 6px; padding: 6px 8px; border-radius: 6px;
          background: #f8f6f2; font-size: 13px; }
.choice span { flex: 1; overflow-wrap: anywhere; }
.banner { margin: 0; padding: 8px 10px; border-radius: 6px; font-weight: 600; font-size: 13px; }
.banner.off-limits { background: #fce7e7; color: #a4080e; border-left: 4px solid #cc1016; }
.banner.opt-out { background: #fff4e0; color: #7a4b00; border-left: 4px solid #e7a33e; }
.row { display: flex; align-items: center; gap: 8px; }
.row > label { flex: none; width: 66px; font-size: 12px; font-weight: 600;
               color: rgb(0 0 0 / 60%); }
select, input[type="text"], input:not([type]), input[type="email"] {
  flex: 1; min-width: 0; height: 32px; padding: 4px 8px;
  border: 1px solid rgb(0 0 0 / 60%); border-radius: 4px; background: #fff;
  font-family: inherit; font-size: 14px; color: inherit;
}
select:focus, input:focus { outline: 2px solid #0a66c2; outline-offset: -1px; }
.source { display: flex; justify-content: space-between; gap: 8px;
          margin: -6px 0 0 74px; font-size: 12px; color: rgb(0 0 0 / 60%); }
.save-state[data-state="saved"] { color: #057642; font-weight: 600; }
.arrow {
  flex: none; width: 32px; height: 32px; border-radius: 50%;
  border: 0; background: #eef3f8; color: #666; cursor: pointer; font-size: 13px;
  transition: transform .15s;
}
.arrow[aria-expanded="true"] { transform: rotate(90deg); }
.arrow:hover { background: #dce6f1; }
.options { display: grid; gap: 8px; padding: 10px; border-radius: 6px; background: #f8f9fa;
           border: 1px solid rgb(140 140 140 / 20%); }
.options h3 { margin: 0; font-size: 12px; font-weight: 600; color: rgb(0 0 0 / 60%);
              text-transform: uppercase; letter-spacing: .4px; }
.tags { display: flex; flex-wrap: wrap; gap: 6px; }
.chip {
  display: inline-flex; align-items: center; gap: 4px; cursor: pointer;
  padding: 2px 10px 2px 6px; border-radius: 14px; font-size: 13px; font-weight: 600;
  border: 1px solid rgb(0 0 0 / 30%); color: rgb(0 0 0 / 60%); background: #fff;
}
.chip input { margin: 0; accent-color: #0a66c2; }
.chip[data-checked="true"] { border-color: #0a66c2; color: #0a66c2; background: #e8f3ff; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 6px 8px; }
.field { display: grid; gap: 2px; font-size: 12px; color: rgb(0 0 0 / 60%); min-width: 0; }
.field.wide { grid-column: 1 / -1; }
.field abbr { color: #cc1016; text-decoration: none; margin-left: 2px; }
.field input { width: 100%; height: 30px; font-size: 13px; color: rgb(0 0 0 / 90%); }
.field input[aria-invalid="true"] { border-color: #cc1016; background: #fff6f6; }
.company { display: grid; gap: 6px; font-size: 13px; }
.company p { margin: 0; }
.company .label { font-weight: 600; }
.facts { color: rgb(0 0 0 / 60%); }
.warning { display: grid; gap: 6px; padding: 8px; border-radius: 6px; background: #fff4e0;
           border-left: 4px solid #e7a33e; }
.warning p { margin: 0; font-weight: 600; color: #7a4b00; }
.candidate {
  display: flex; justify-content: space-between; gap: 8px; width: 100%; text-align: left;
  padding: 6px 8px; border-radius: 6px; border: 1px solid rgb(0 0 0 / 15%); background: #fff;
  font-family: inherit; font-size: 13px; color: inherit; cursor: pointer;
}
.candidate:hover { border-color: #0a66c2; }
.candidate[aria-pressed="true"] { border-color: #057642; background: #eaf6ef; }
.candidate .detail { color: rgb(0 0 0 / 60%); white-space: nowrap; }
.actions { display: flex; gap: 8px; }
.button {
  flex: 1; height: 32px; padding: 0 10px; border-radius: 16px; cursor: pointer;
  white-space: nowrap;
  font-family: inherit; font-weight: 600; font-size: 14px;
  border: 1px solid #0a66c2; background: #fff; color: #0a66c2;
}
.button:hover { background: #eef3f8; box-shadow: inset 0 0 0 1px #0a66c2; }
.button.primary { background: #0a66c2; color: #fff; }
.button.primary:hover { background: #004182; }
.button.small { flex: none; height: 26px; padding: 0 10px; font-size: 12px; }
.button:disabled { cursor: default; opacity: .55; box-shadow: none; }
.status { display: flex; align-items: center; gap: 8px; padding: 8px 10px; border-radius: 6px;
          background: #f3f2ef; font-size: 13px; }
.status [data-testid="sync-status"] { flex: 1; overflow-wrap: anywhere; }
.status[data-tone="ok"] { background: #eaf6ef; color: #04532f; }
.status[data-tone="bad"] { background: #fce7e7; color: #a4080e; }
.status[data-tone="warn"] { background: #fff4e0; color: #7a4b00; }
.status[data-tone="busy"] { background: #eef3f8; color: #004182; }
.error { margin: 0; padding: 8px 10px; border-radius: 6px; background: #fce7e7; color: #a4080e;
         font-size: 13px; overflow-wrap: anywhere; }
footer { display: flex; justify-content: space-between; align-items: center; gap: 8px;
         padding-top: 8px; border-top: 1px solid rgb(140 140 140 / 20%);
         font-size: 12px; color: rgb(0 0 0 / 60%); }
footer span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.link { border: 0; background: none; padding: 0; cursor: pointer; color: #0a66c2;
        font-family: inherit; font-size: 12px; font-weight: 600; }
.link:hover { text-decoration: underline; }
.muted { margin: 0; color: rgb(0 0 0 / 60%); font-size: 13px; }
[hidden] { display: none !important; }
`;
