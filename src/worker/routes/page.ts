// GET / — a small self-refreshing status page: per chain the three heads (unsafe from the blocks
// topics, local-safe from the follower's node, cross-safe) and the gaps between them, the lag as a
// live chart, recent events and the peers' scores. Static HTML + a little script that reads
// the public JSON API; nothing here is trusted with more than what anyone can read.
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";

export const page = new Hono<AppEnv>();

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>op-follow — cross-safe status</title>
<style>
  :root { color-scheme: light dark; --fg: #1b1f24; --muted: #667; --bg: #fafafa; --card: #fff; --line: #dde; --ok: #1a7f37; --warn: #b35900; --bad: #c62828; }
  @media (prefers-color-scheme: dark) { :root { --fg: #e6e6e6; --muted: #99a; --bg: #111418; --card: #1a1e24; --line: #2c323a; } }
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; background: var(--bg); color: var(--fg); }
  header { padding: 14px 20px; border-bottom: 1px solid var(--line); display: flex; gap: 12px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  .muted { color: var(--muted); }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  .chain { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
  .chain h2 { margin: 0 0 10px; font-size: 16px; }
  .stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 10px; }
  .stat .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
  .stat .v { font-size: 20px; font-variant-numeric: tabular-nums; }
  .hash { font-family: ui-monospace, monospace; font-size: 12px; color: var(--muted); word-break: break-all; }
  .alarm { background: var(--bad); color: #fff; padding: 8px 12px; border-radius: 6px; margin: 10px 0; }
  .cols { display: grid; grid-template-columns: 2fr 1fr; gap: 16px; margin-top: 12px; }
  @media (max-width: 900px) { .cols { grid-template-columns: 1fr; } }
  table { width: 100%; border-collapse: collapse; font-size: 12px; }
  td, th { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { color: var(--muted); font-weight: 500; }
  td.nw { white-space: nowrap; } td.why { overflow-wrap: anywhere; }
  .k-advanced, .k-promoted { color: var(--ok); } .k-replaced, .k-unsafe-reorg { color: var(--warn); }
  .k-rejected, .k-equivocation { color: var(--bad); } .k-ignored, .k-pending, .k-duplicate, .k-stale { color: var(--muted); }
  svg { width: 100%; height: 120px; display: block; }
  .err { color: var(--bad); }
</style>
</head>
<body>
<header><h1>op-follow</h1><span class="muted">Following Mode — unsafe heads signed by the sequencer, cross-safe heads attested by it and checked against local derivation</span><span id="updated" class="muted"></span></header>
<main id="chains"><p class="muted">loading…</p></main>
<script type="module">
const lagHistory = new Map(); // chainId -> [{t, lag}]
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const short = (h) => (h ? h.slice(0, 10) + "…" + h.slice(-6) : "—");
const ago = (ms) => { const s = Math.max(0, Math.round((Date.now() - ms) / 1000)); return s < 60 ? s + "s ago" : Math.round(s / 60) + "m ago"; };

function chart(points) {
  if (points.length < 2) return '<div class="muted" style="font-size:12px">lag chart: collecting samples…</div>';
  const t0 = points[0].t, t1 = points[points.length - 1].t || t0 + 1;
  const max = Math.max(1, ...points.map((p) => p.lag));
  const x = (t) => 4 + ((t - t0) / Math.max(1, t1 - t0)) * 292;
  const y = (v) => 112 - (v / max) * 100;
  const d = points.map((p, i) => (i ? "L" : "M") + x(p.t).toFixed(1) + " " + y(p.lag).toFixed(1)).join(" ");
  // The SVG stretches to the card's width, so its text lives outside it (it would stretch too).
  return '<div class="muted" style="font-size:12px">lag behind local-safe (blocks), last ' + points.length + ' samples, max ' + max + '</div>' +
    '<svg viewBox="0 0 300 120" preserveAspectRatio="none" aria-label="lag chart">' +
    '<line x1="4" x2="296" y1="112" y2="112" stroke="currentColor" opacity=".2" vector-effect="non-scaling-stroke"/>' +
    '<path d="' + d + '" fill="none" stroke="#2f81f7" stroke-width="1.5" vector-effect="non-scaling-stroke"/></svg>';
}

function render(id, st, peers) {
  const head = st.head, ls = st.localSafe, un = st.unsafe, gaps = st.gaps ?? {};
  const hist = lagHistory.get(id) ?? [];
  if (st.lag !== null) { hist.push({ t: Date.now(), lag: st.lag }); if (hist.length > 300) hist.shift(); }
  lagHistory.set(id, hist);
  const events = [...(st.events ?? []), ...(st.unsafeEvents ?? [])].sort((a, b) => b.atMs - a.atMs).slice(0, 25).map((e) =>
    '<tr><td class="nw">' + esc(new Date(e.atMs).toLocaleTimeString()) + '</td><td class="nw k-' + esc(e.kind) + '">' + esc(e.kind) + '</td><td>' + esc(e.number ?? "") +
    '</td><td class="hash nw">' + esc(short(e.hash)) + '</td><td class="why">' + esc((e.reason ?? "").replace(/0x[0-9a-fA-F]{64}/g, short)) + '</td></tr>').join("");
  const peerRows = (peers.peers ?? []).slice(0, 20).map((p) =>
    '<tr><td class="hash">' + esc(short(p.peerId)) + '</td><td>' + esc(p.score) + '</td><td>' + (p.graylisted ? '<b class="err">graylisted</b>' : "") + '</td><td>' + esc(p.accepted) + '/' + esc(p.rejected) + '</td></tr>').join("");
  return '<section class="chain" data-chain="' + esc(id) + '">' +
    '<h2>' + esc(st.name ?? "chain") + ' <span class="muted">#' + esc(id) + '</span></h2>' +
    (st.alarm ? '<div class="alarm" data-testid="alarm">ALARM: ' + esc(st.alarm.kind) + ' at block ' + esc(st.alarm.number) + ' — head halted until an operator clears it</div>' : "") +
    '<div class="stats">' +
      '<div class="stat"><div class="k">unsafe head</div><div class="v" data-testid="unsafe-number">' + esc(un ? un.number : "—") + '</div><div class="hash">' + esc(un ? short(un.hash) : "") + '</div><div class="muted" data-testid="unsafe-delay">' + (un ? "received " + esc((un.delayMs / 1000).toFixed(1)) + " s after its timestamp" : "no blocks-topic gossip yet") + '</div></div>' +
      '<div class="stat"><div class="k">local-safe</div><div class="v" data-testid="local-safe">' + esc(ls ? ls.number : "—") + '</div><div class="hash">' + esc(ls ? short(ls.hash) : "") + '</div></div>' +
      '<div class="stat"><div class="k">cross-safe head</div><div class="v" data-testid="head-number">' + esc(head ? head.number : "—") + '</div><div class="hash" data-testid="head-hash">' + esc(head ? head.hash : "") + '</div></div>' +
      '<div class="stat"><div class="k">gaps</div><div class="v" data-testid="gaps">' + esc(gaps.unsafeToLocalSafe ?? "—") + ' · ' + esc(gaps.localSafeToCrossSafe ?? "—") + '</div><div class="muted">unsafe → local-safe · local-safe → cross-safe (blocks)</div></div>' +
      '<div class="stat"><div class="k">lag</div><div class="v" data-testid="lag">' + esc(st.lag ?? "—") + '</div><div class="muted">blocks behind local-safe</div></div>' +
      '<div class="stat"><div class="k">updated</div><div class="v" data-testid="head-updated">' + esc(head ? ago(head.updatedAtMs) : "—") + '</div><div class="muted">' + (head && head.replaced ? "deposits-only replacement (" + esc(head.replacement) + ")" : "") + '</div></div>' +
      '<div class="stat"><div class="k">pending</div><div class="v">' + esc((st.pending ?? []).length) + '</div><div class="muted">waiting for local-safe</div></div>' +
    '</div>' +
    '<div class="cols"><div>' + chart(hist) + '<table><thead><tr><th>time</th><th>event</th><th>block</th><th>hash</th><th>reason</th></tr></thead><tbody>' + events + '</tbody></table></div>' +
    '<div><table><thead><tr><th>peer</th><th>score</th><th></th><th>ok/bad</th></tr></thead><tbody>' + (peerRows || '<tr><td colspan="4" class="muted">no peers scored yet</td></tr>') + '</tbody></table></div></div>' +
    '</section>';
}

async function refresh() {
  const root = document.getElementById("chains");
  try {
    const h = await (await fetch("/healthz")).json();
    if (h.error) { root.innerHTML = '<p class="err">' + esc(h.message ?? "not configured") + '</p>'; return; }
    const parts = await Promise.all(h.chains.map(async (id) => {
      const [st, peers] = await Promise.all([fetch("/v1/chains/" + id + "/status").then((r) => r.json()), fetch("/v1/chains/" + id + "/peers").then((r) => r.json())]);
      return render(id, st, peers);
    }));
    root.innerHTML = parts.join("");
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById("updated").innerHTML = '<span class="err">' + esc(e.message) + '</span>';
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>`;

page.get("/", (c) => c.html(HTML, 200, { "cache-control": "no-store" }));
