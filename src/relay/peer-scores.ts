// The Worker's view of peers (GET /v1/chains/<id>/peers), refreshed periodically. It sees every relay's
// verdicts, so its score is fed to gossipsub as the application-specific score (P5, weight 1 as in
// op-node's peer_params.go), and a peer it graylists is disconnected and kept out.
import { PEER_SCORE_THRESHOLDS } from "./gossip-params.ts";
import { silentLogger, type Logger } from "./log.ts";
import type { RelayMetrics } from "./metrics.ts";
import { failureOfStatus, type WorkerFailureKind, type WorkerHealth } from "./worker-health.ts";

export interface WorkerPeer {
  peerId: string;
  score: number;
  graylisted: boolean;
}

export interface PeerList {
  peers: WorkerPeer[];
  graylistThreshold: number;
}

export interface PeerScoresOptions {
  workerUrl: string;
  chainIds: readonly bigint[];
  /** default 10 s */
  intervalMs?: number;
  requestTimeoutMs?: number;
  /** called on every refresh for each graylisted peer (re-banning extends the ban) */
  onGraylisted?: (peerId: string, info: { score: number; chainId: bigint }) => void;
  log?: Logger;
  metrics?: RelayMetrics;
  fetch?: typeof fetch;
  /** where fetch outcomes are recorded */
  health?: WorkerHealth;
}

class FetchFailure extends Error {
  readonly kind: WorkerFailureKind;
  constructor(kind: WorkerFailureKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

function failureKind(e: unknown): WorkerFailureKind {
  if (e instanceof FetchFailure) return e.kind;
  return (e as Error)?.name === "TimeoutError" ? "timeout" : "unreachable";
}

/** Most peers taken from one list: a broken or hostile response must not grow memory without bound. */
const MAX_PEERS = 10_000;

export function parsePeerList(body: unknown): PeerList | null {
  if (typeof body !== "object" || body === null) return null;
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.peers) || typeof b.graylistThreshold !== "number") return null;
  const peers: WorkerPeer[] = [];
  for (const p of b.peers.slice(0, MAX_PEERS)) {
    if (typeof p !== "object" || p === null) continue;
    const e = p as Record<string, unknown>;
    if (typeof e.peerId !== "string" || e.peerId.length === 0 || e.peerId.length > 128) continue;
    if (typeof e.score !== "number" || !Number.isFinite(e.score)) continue;
    peers.push({ peerId: e.peerId, score: e.score, graylisted: e.graylisted === true });
  }
  return { peers, graylistThreshold: b.graylistThreshold };
}

export class PeerScores {
  private readonly o: PeerScoresOptions;
  private readonly log: Logger;
  private readonly doFetch: typeof fetch;
  /** peer → combined entry over all chains (lowest score; graylisted on any chain) */
  private scores = new Map<string, { score: number; graylisted: boolean }>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;
  private lastOkMs = 0;
  private failing = false;

  constructor(opts: PeerScoresOptions) {
    this.o = opts;
    this.log = opts.log ?? silentLogger;
    this.doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /**
   * gossipsub P5. A graylisted peer is pushed below gossipsub's graylist threshold whatever its
   * score, so its RPCs are ignored even before the disconnect lands.
   */
  readonly appScore = (peerId: string): number => {
    const e = this.scores.get(peerId);
    if (!e) return 0;
    return e.graylisted ? Math.min(e.score, PEER_SCORE_THRESHOLDS.graylistThreshold - 1) : e.score;
  };

  isGraylisted(peerId: string): boolean {
    return this.scores.get(peerId)?.graylisted ?? false;
  }

  get size(): number {
    return this.scores.size;
  }

  get lastRefreshOkMs(): number {
    return this.lastOkMs;
  }

  start(): void {
    if (this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.o.intervalMs ?? 10_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One refresh of every chain's list; a chain that fails keeps its last known entries. */
  refresh(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.doRefresh().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private readonly perChain = new Map<bigint, PeerList>();

  private async doRefresh(): Promise<void> {
    let allOk = true;
    for (const chainId of this.o.chainIds) {
      const url = `${this.o.workerUrl.replace(/\/+$/, "")}/v1/chains/${chainId}/peers`;
      try {
        const res = await this.doFetch(url, { signal: AbortSignal.timeout(this.o.requestTimeoutMs ?? 5_000) });
        if (res.status !== 200) {
          await res.body?.cancel();
          throw new FetchFailure(failureOfStatus(res.status) ?? "refused", `HTTP ${res.status}`);
        }
        const list = parsePeerList(await res.json().catch(() => null));
        if (!list) throw new FetchFailure("bad-response", "unexpected body");
        this.perChain.set(chainId, list);
        this.o.metrics?.peerListRefresh.inc({ result: "ok" });
        this.o.health?.ok();
      } catch (e) {
        allOk = false;
        this.o.health?.fail(failureKind(e), `${url}: ${(e as Error)?.message ?? String(e)}`);
        this.o.metrics?.peerListRefresh.inc({ result: "error" });
        if (!this.failing) this.log.warn("cannot fetch the Worker's peer list; keeping the last one", { chainId, url, err: e });
      }
    }
    this.failing = !allOk;
    if (allOk) this.lastOkMs = Date.now();
    const combined = new Map<string, { score: number; graylisted: boolean; chainId: bigint }>();
    for (const [chainId, list] of this.perChain) {
      for (const p of list.peers) {
        const prev = combined.get(p.peerId);
        const graylisted = p.graylisted || (prev?.graylisted ?? false);
        if (!prev || p.score < prev.score) combined.set(p.peerId, { score: p.score, graylisted, chainId });
        else prev.graylisted = graylisted;
      }
    }
    this.scores = new Map([...combined].map(([k, v]) => [k, { score: v.score, graylisted: v.graylisted }]));
    for (const [peerId, e] of combined) {
      if (e.graylisted) {
        try {
          this.o.onGraylisted?.(peerId, { score: e.score, chainId: e.chainId });
        } catch (err) {
          this.log.warn("onGraylisted failed", { peer: peerId, err });
        }
      }
    }
  }
}
