// The devnet's terminal view: a live panel redrawn in place on a TTY, or one plain line per change
// otherwise (pipes, CI, the devnet test). Pure: snapshot in, text out.

export interface WorkerEvent {
  atMs: number;
  kind: string;
  number?: number;
  hash?: string;
  peer?: string;
  reason?: string;
}

export interface WorkerHead {
  number: number;
  hash: string;
  updatedAtMs: number;
  replaced: boolean;
  replacement: string | null;
}

/** The Worker's unsafe head (GET /v1/chains/<id>/unsafe, or `unsafe` in /status). */
export interface WorkerUnsafe {
  number: number;
  hash: string;
  delayMs: number;
}

export interface ScenarioState {
  label: string;
  atS: number;
  state: "pending" | "running" | "done" | "failed";
  note?: string;
}

export interface ViewSnapshot {
  elapsedS: number;
  chainId: string;
  blockTime: number;
  urls: { worker: string; chain: string; control: string; relay: string };
  workerStartMs: number;
  logFile: string | null;
  sequencer: { unsafe: bigint; localSafe: bigint; crossSafe: bigint };
  worker:
    | {
        ok: true;
        head: WorkerHead | null;
        localSafe: number | null;
        lag: number | null;
        alarm: { kind: string; number: number } | null;
        /** Newest first: the cross-safe object's events and the unsafe object's, merged. */
        events: WorkerEvent[];
        /** The unsafe head from the blocks topics; undefined = not reported. */
        unsafe?: WorkerUnsafe | null;
      }
    | { ok: false; error: string };
  publisher: { published: number; last: bigint | null; peers: number; lastError: string | null };
  relay: { peers: number; banned: number };
  scenarios: ScenarioState[];
}

export interface Palette {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  cyan(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
export const COLOR: Palette = { bold: wrap(1, 22), dim: wrap(2, 22), green: wrap(32, 39), yellow: wrap(33, 39), red: wrap(31, 39), cyan: wrap(36, 39) };
const id = (s: string) => s;
export const PLAIN: Palette = { bold: id, dim: id, green: id, yellow: id, red: id, cyan: id };

export const short = (h: string | undefined): string => (h && h.length > 18 ? `${h.slice(0, 10)}…${h.slice(-6)}` : (h ?? "—"));

function eventText(e: WorkerEvent): string {
  const reason = e.reason?.replace(/0x[0-9a-fA-F]{64}/g, (h) => short(h));
  return [e.kind, e.number !== undefined ? `#${e.number}` : "", e.hash ? short(e.hash) : "", reason ? `(${reason})` : ""].filter(Boolean).join(" ");
}

function kindColor(p: Palette, kind: string): (s: string) => string {
  if (kind === "advanced" || kind === "promoted" || kind === "alarm-cleared") return p.green;
  if (kind === "replaced" || kind === "rewound" || kind === "unsafe-reorg") return p.yellow;
  if (kind === "rejected" || kind === "equivocation") return p.red;
  return p.dim;
}

/** The panel shown on a TTY (redrawn in place). */
export function renderPanel(s: ViewSnapshot, p: Palette, now = Date.now()): string[] {
  const lines: string[] = [];
  lines.push(`${p.bold("op-follow devnet")} ${p.dim("— Following Mode on a local chain; Ctrl-C stops everything")}  ${p.dim(`${s.elapsedS.toFixed(0)} s`)}`);
  lines.push(`  ${p.dim("worker ")} ${p.cyan(s.urls.worker)}  ${p.dim(`status page /, API /v1/chains/${s.chainId}/cross-safe · wrangler dev up in ${(s.workerStartMs / 1000).toFixed(1)} s`)}`);
  lines.push(`  ${p.dim("chain  ")} ${s.urls.chain}  ${p.dim(`chain ${s.chainId}, L2 block every ${s.blockTime} s · control ${s.urls.control}`)}`);
  lines.push(`  ${p.dim("relay  ")} ${s.relay.peers} peer(s), ${s.relay.banned} banned  ${p.dim(s.urls.relay)}`);
  const pubErr = s.publisher.lastError ? p.red(` · ${s.publisher.lastError.slice(0, 80)}`) : "";
  lines.push(`  ${p.dim("publish")} ${s.publisher.published} block(s) published, last #${s.publisher.last ?? "—"}, ${s.publisher.peers} peer(s)${pubErr}`);
  if (s.logFile) lines.push(`  ${p.dim("logs   ")} ${p.dim(s.logFile)}`);
  lines.push("");
  if (!s.worker.ok) {
    lines.push(`  ${p.red("Worker unreachable:")} ${s.worker.error}`);
  } else {
    const w = s.worker;
    const h = w.head;
    const age = h ? Math.max(0, Math.round((now - h.updatedAtMs) / 1000)) : null;
    if (w.unsafe !== undefined) {
      const u = w.unsafe;
      const lead = u && w.localSafe !== null ? ` · leads local-safe by ${u.number - w.localSafe}` : "";
      lines.push(`  ${p.bold("unsafe head    ")}  ${u ? p.cyan(p.bold(`#${u.number}`)) : p.dim("— (no blocks-topic gossip yet)")}  ${u ? `${short(u.hash)} ${p.dim(`received ${(u.delayMs / 1000).toFixed(1)} s after its timestamp${lead}`)}` : ""}`);
    }
    lines.push(`  ${p.bold("cross-safe head")}  ${h ? p.green(p.bold(`#${h.number}`)) : p.dim("— (none yet)")}  ${h ? h.hash : ""}`);
    lines.push(`                   ${h ? p.dim(`updated ${age} s ago${h.replaced ? ` · deposits-only replacement (${h.replacement})` : ""}`) : ""}`);
    const lag = w.lag === null ? "—" : `${w.lag} block(s)`;
    lines.push(`  ${p.bold("local-safe     ")}  #${w.localSafe ?? "—"}   lag ${w.lag !== null && w.lag > 4 ? p.yellow(lag) : lag}`);
    lines.push(`  ${p.dim("sequencer      ")}  unsafe #${s.sequencer.unsafe} · local-safe #${s.sequencer.localSafe} · cross-safe #${s.sequencer.crossSafe}`);
    lines.push(`  ${p.bold("alarm          ")}  ${w.alarm ? p.red(`${w.alarm.kind.toUpperCase()} at #${w.alarm.number} — head halted`) : p.green("none")}`);
    const last = w.events[0];
    lines.push(`  ${p.bold("last event     ")}  ${last ? kindColor(p, last.kind)(eventText(last)) : "—"}`);
    lines.push("");
    lines.push(`  ${p.dim("recent events")}`);
    for (const e of w.events.slice(0, 8)) lines.push(`    ${p.dim(new Date(e.atMs).toISOString().slice(11, 19))} ${kindColor(p, e.kind)(eventText(e))}`);
  }
  if (s.scenarios.length) {
    lines.push("");
    lines.push(`  ${p.dim("scenarios")}`);
    for (const sc of s.scenarios) {
      const st = sc.state === "done" ? p.green("done") : sc.state === "failed" ? p.red("failed") : sc.state === "running" ? p.yellow("running") : p.dim(`at ${sc.atS} s`);
      lines.push(`    ${sc.label.padEnd(14)} ${st}${sc.note ? ` ${p.dim(sc.note)}` : ""}`);
    }
  }
  return lines;
}

/**
 * Plain output for pipes and CI: one line per new Worker event (oldest first), the last line of each
 * batch also showing the head: `[  12.3s] advanced #57 0xabc…def | head #57 0xabc…def lag 2`.
 */
export class LineRenderer {
  readonly #seen = new Set<string>();
  readonly #sinceMs: number;
  #lastHead = "";
  #lastError = "";

  /** `sinceMs`: events before it (epoch ms) are not printed — the state of an earlier run. */
  constructor(sinceMs = 0) {
    this.#sinceMs = sinceMs;
  }

  render(s: ViewSnapshot): string[] {
    const t = `[${s.elapsedS.toFixed(1).padStart(6)}s]`;
    const w = s.worker;
    if (!w.ok) {
      if (w.error === this.#lastError) return [];
      this.#lastError = w.error;
      return [`${t} worker unreachable: ${w.error}`];
    }
    this.#lastError = "";
    const fresh = w.events.filter((e) => !this.#seen.has(eventKey(e)) && e.atMs >= this.#sinceMs).reverse();
    for (const e of fresh) this.#seen.add(eventKey(e));
    if (this.#seen.size > 2_000) for (const k of [...this.#seen].slice(0, 1_000)) this.#seen.delete(k);
    const headKey = `${w.head?.hash ?? "-"}|${w.alarm ? "alarm" : ""}`;
    if (fresh.length === 0 && headKey === this.#lastHead) return [];
    this.#lastHead = headKey;
    const head = w.head ? `head #${w.head.number} ${short(w.head.hash)}${w.head.replaced ? ` replaced(${w.head.replacement})` : ""}` : "head —";
    const unsafe = w.unsafe ? ` · unsafe #${w.unsafe.number} local-safe #${w.localSafe ?? "—"}` : "";
    const tail = `${head} lag ${w.lag ?? "—"}${unsafe}${w.alarm ? ` ALARM ${w.alarm.kind} at #${w.alarm.number}` : ""}`;
    if (fresh.length === 0) return [`${t} ${tail}`];
    return fresh.map((e, i) => `${t} ${eventText(e)}${i === fresh.length - 1 ? ` | ${tail}` : ""}`);
  }
}

const eventKey = (e: WorkerEvent): string => `${e.atMs}|${e.kind}|${e.number ?? ""}|${e.hash ?? ""}|${e.peer ?? ""}`;
