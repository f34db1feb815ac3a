// Prometheus text exposition (format 0.0.4) without a client library, plus the HTTP server for
// /metrics and /healthz (relay and publisher).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

type Labels = Record<string, string>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelKey(names: readonly string[], labels: Labels): string {
  return names.map((n) => labels[n] ?? "").join("\u0000");
}

function renderLabels(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? "")}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function fmt(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

interface Metric {
  render(): string;
}

export class Counter<L extends string = never> implements Metric {
  private readonly values = new Map<string, { labels: string[]; value: number }>();
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  constructor(name: string, help: string, labelNames: readonly L[] = []) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }
  inc(labels: Record<L, string> = {} as Record<L, string>, by = 1): void {
    const key = labelKey(this.labelNames, labels);
    const cur = this.values.get(key);
    if (cur) cur.value += by;
    else this.values.set(key, { labels: this.labelNames.map((n) => labels[n]), value: by });
  }
  get(labels: Record<L, string> = {} as Record<L, string>): number {
    return this.values.get(labelKey(this.labelNames, labels))?.value ?? 0;
  }
  /** The sum over every series whose labels include `match` ({} = all). */
  sum(match: Partial<Record<L, string>>): number {
    let n = 0;
    for (const { labels, value } of this.values.values()) {
      if (this.labelNames.every((name, i) => match[name] === undefined || match[name] === labels[i])) n += value;
    }
    return n;
  }
  render(): string {
    let s = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    if (this.values.size === 0 && this.labelNames.length === 0) s += `${this.name} 0\n`;
    for (const { labels, value } of this.values.values()) s += `${this.name}${renderLabels(this.labelNames, labels)} ${fmt(value)}\n`;
    return s;
  }
}

/** A gauge read at scrape time. */
export class Gauge<L extends string = never> implements Metric {
  readonly name: string;
  readonly help: string;
  readonly collect: () => number | Array<{ labels: Record<L, string>; value: number }>;
  readonly labelNames: readonly L[];
  constructor(name: string, help: string, collect: () => number | Array<{ labels: Record<L, string>; value: number }>, labelNames: readonly L[] = []) {
    this.name = name;
    this.help = help;
    this.collect = collect;
    this.labelNames = labelNames;
  }
  render(): string {
    let s = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`;
    const v = this.collect();
    if (typeof v === "number") return s + `${this.name} ${fmt(v)}\n`;
    for (const { labels, value } of v) s += `${this.name}${renderLabels(this.labelNames, this.labelNames.map((n) => labels[n]))} ${fmt(value)}\n`;
    return s;
  }
}

export class Histogram<L extends string = never> implements Metric {
  private readonly series = new Map<string, { labels: string[]; counts: number[]; sum: number; count: number }>();
  readonly name: string;
  readonly help: string;
  readonly buckets: readonly number[];
  readonly labelNames: readonly L[];
  constructor(name: string, help: string, buckets: readonly number[], labelNames: readonly L[] = []) {
    this.name = name;
    this.help = help;
    this.buckets = buckets;
    this.labelNames = labelNames;
  }
  observe(value: number, labels: Record<L, string> = {} as Record<L, string>): void {
    const key = labelKey(this.labelNames, labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels: this.labelNames.map((n) => labels[n]), counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  count(labels: Record<L, string> = {} as Record<L, string>): number {
    return this.series.get(labelKey(this.labelNames, labels))?.count ?? 0;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => {
        out += `${this.name}_bucket${renderLabels(this.labelNames, s.labels, ["le", fmt(b)])} ${s.counts[i]}\n`;
      });
      out += `${this.name}_bucket${renderLabels(this.labelNames, s.labels, ["le", "+Inf"])} ${s.count}\n`;
      out += `${this.name}_sum${renderLabels(this.labelNames, s.labels)} ${fmt(s.sum)}\n`;
      out += `${this.name}_count${renderLabels(this.labelNames, s.labels)} ${s.count}\n`;
    }
    return out;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  register<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join("");
  }
}

/** Where a verdict came from: the Worker, the relay's own checks, or a failure to get one. */
export type VerdictSource = "worker" | "local" | "cache" | "overflow" | "deadline" | "worker-error" | "shutdown";

export interface RelayMetrics {
  registry: Registry;
  /** op_follow_relay_messages_total{verdict,source} */
  messages: Counter<"verdict" | "source">;
  /** local REJECTs by reason code */
  localRejects: Counter<"reason">;
  /** seconds from receipt to the verdict reported to gossipsub */
  forwardLatency: Histogram<"source">;
  /** seconds the Worker reported per phase (Server-Timing: check, settle) */
  workerPhase: Histogram<"phase">;
  workerRequests: Counter<"status">;
  retries: Counter<"cause">;
  queueOverflow: Counter;
  lateVerdicts: Counter;
  messageIdMismatch: Counter;
  bans: Counter<"reason">;
  peerListRefresh: Counter<"result">;
  /** Gauges need the live objects; the relay wires them once they exist. */
  addGauge<L extends string = never>(g: Gauge<L>): void;
}

export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export function createRelayMetrics(): RelayMetrics {
  const registry = new Registry();
  const p = "op_follow_relay_";
  return {
    registry,
    messages: registry.register(new Counter(`${p}messages_total`, "Gossip messages by verdict reported to gossipsub and where the verdict came from.", ["verdict", "source"])),
    localRejects: registry.register(new Counter(`${p}local_rejects_total`, "Messages rejected by the relay's local checks, by reason.", ["reason"])),
    forwardLatency: registry.register(new Histogram(`${p}forward_latency_seconds`, "Seconds from receipt to the verdict reported to gossipsub.", LATENCY_BUCKETS, ["source"])),
    workerPhase: registry.register(
      new Histogram(`${p}worker_phase_seconds`, "Seconds the Worker reported spending per ingest phase (Server-Timing: check = RPC reads, settle = Durable Object).", LATENCY_BUCKETS, ["phase"]),
    ),
    workerRequests: registry.register(new Counter(`${p}worker_requests_total`, "Ingest requests to the Worker by HTTP status (or 'network'/'timeout').", ["status"])),
    retries: registry.register(new Counter(`${p}retries_total`, "Ingest retries by cause.", ["cause"])),
    queueOverflow: registry.register(new Counter(`${p}queue_overflow_total`, "Messages IGNOREd because the forward queue was full.")),
    lateVerdicts: registry.register(new Counter(`${p}late_verdicts_total`, "Verdicts that arrived after gossipsub's mcache window (no propagation or penalty possible).")),
    messageIdMismatch: registry.register(new Counter(`${p}message_id_mismatch_total`, "Worker responses whose message id differs from the relay's.")),
    bans: registry.register(new Counter(`${p}peer_bans_total`, "Peers disconnected and banned, by reason.", ["reason"])),
    peerListRefresh: registry.register(new Counter(`${p}peer_list_refresh_total`, "Fetches of the Worker's peer list by result.", ["result"])),
    addGauge: (g) => void registry.register(g),
  };
}

/** /healthz: 200 if ok, else 503, with `body` as JSON (bigints as decimal strings). */
export interface Health {
  ok: boolean;
  body: unknown;
}

export interface MetricsServer {
  server: Server;
  port: number;
  host: string;
  close(): Promise<void>;
}

/** Parses `host:port`, `[v6]:port` or `:port`. */
export function parseHostPort(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr);
  if (!m) throw new Error(`expected host:port, got "${addr}"`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`port out of range in "${addr}"`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

export async function startMetricsServer(addr: string, registry: Registry, health: () => Health): Promise<MetricsServer> {
  const { host, port } = parseHostPort(addr);
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(registry.render());
    } else if (path === "/healthz") {
      const h = health();
      const body = JSON.stringify(h.body, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
      res.writeHead(h.ok ? 200 : 503, { "content-type": "application/json" }).end(body);
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    port: bound,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
