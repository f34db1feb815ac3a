// The chaos run's relays: each in its own process (relay-proc.ts), with its own relay id and secret,
// a persistent peer key and ban file, and a fixed port after its first start, so a restarted relay is
// the same peer at the same address and the publisher's and the other relays' static-peer redials find
// it again. The relays peer with each other as well as with the publisher. Keys and ports are chosen
// before the first start, so all three start at once, each knowing the others' addresses.
import { createServer } from "node:net";
import { join } from "node:path";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { loadOrCreatePeerKey } from "../relay/peer-key.ts";
import { fileURLToPath } from "node:url";
import { spawnChild, type ChildHandle } from "./child.ts";
import type { ProcRef } from "./memory.ts";
import type { RelayProcConfig, RelayStats } from "./relay-proc.ts";

const ENTRY = fileURLToPath(new URL("./relay-proc.ts", import.meta.url));

export interface RelaySlot {
  readonly index: number;
  readonly name: string;
  readonly relayId: string;
  readonly secret: string;
  port: number;
  child: ChildHandle | undefined;
  incarnation: number;
  /** TCP multiaddr with /p2p/<id> (after prepare()). */
  addr: string | undefined;
  skewMs: number;
}

export interface FleetOptions {
  root: string;
  workerUrl: string;
  chainId: string;
  /** relay id → secret, one per relay */
  secrets: Array<{ relayId: string; secret: string }>;
  onLine: (line: string) => void;
}

export class RelayFleet {
  readonly slots: RelaySlot[];
  readonly #o: FleetOptions;
  /** Set by stopAll(): a restart the run gave up on must not leave a relay behind. */
  #closed = false;

  constructor(o: FleetOptions) {
    this.#o = o;
    this.slots = o.secrets.map((s, index) => ({ index, name: `relay-${index + 1}`, relayId: s.relayId, secret: s.secret, port: 0, child: undefined, incarnation: 0, addr: undefined, skewMs: 0 }));
  }

  /** A peer key and a free port for each relay, so their addresses are known before they start. */
  async prepare(): Promise<void> {
    for (const s of this.slots) {
      const { key } = await loadOrCreatePeerKey(this.#keyFile(s));
      s.port = await freePort();
      s.addr = `/ip4/127.0.0.1/tcp/${s.port}/p2p/${peerIdFromPrivateKey(key).toString()}`;
    }
  }

  /** Starts all of them at once, each with the others as static peers. */
  async startAll(): Promise<void> {
    if (this.slots.some((s) => !s.addr)) await this.prepare();
    await Promise.all(this.slots.map((s) => this.start(s.index, 0)));
  }

  #keyFile(s: RelaySlot): string {
    return join(this.#o.root, `${s.name}.key`);
  }

  #config(s: RelaySlot): RelayProcConfig {
    const root = this.#o.root;
    return {
      chainIds: [this.#o.chainId],
      workerUrl: this.#o.workerUrl,
      relayId: s.relayId,
      secret: s.secret,
      listen: [`/ip4/127.0.0.1/tcp/${s.port}`],
      peers: this.slots.filter((o) => o !== s && o.addr).map((o) => o.addr!),
      bootstrap: [],
      keyFile: this.#keyFile(s),
      banFile: join(root, `${s.name}-bans.json`),
      logLevel: "info",
      maxConnections: 32,
      maxQueue: 512,
      maxQueueBytes: 64 * 2 ** 20,
      concurrency: 8,
      deadlineMs: 60_000,
      requestTimeoutMs: 10_000,
      peerListIntervalMs: 2_000,
      invalidMessageWeight: -10,
      banThreshold: -100,
      banDurationMs: 60_000,
    };
  }

  async start(i: number, skewMs: number): Promise<void> {
    const s = this.slots[i]!;
    if (this.#closed) throw new Error("the relays are shut down");
    if (s.child?.alive) throw new Error(`${s.name} is already running`);
    const child = spawnChild(s.name, ENTRY, (l) => this.#o.onLine(`${s.name}: ${l}`));
    s.child = child;
    s.incarnation++;
    s.skewMs = skewMs;
    try {
      const st = await child.request<RelayStats>({ type: "start", config: this.#config(s), clockOffsetMs: skewMs }, 60_000);
      if (!st.addrs.some((a) => a.startsWith(`/ip4/127.0.0.1/tcp/${s.port}/`) || a === `/ip4/127.0.0.1/tcp/${s.port}`)) throw new Error(`${s.name} is not listening on port ${s.port}: ${st.addrs.join(" ")}`);
    } catch (e) {
      await child.stop(1_000);
      throw e;
    }
  }

  /** Kills (SIGKILL: a crash) or stops (SIGTERM) relay i and waits until it has exited. */
  async kill(i: number, signal: "SIGKILL" | "SIGTERM"): Promise<void> {
    const c = this.slots[i]!.child;
    if (!c?.alive) return;
    if (signal === "SIGKILL") {
      c.kill("SIGKILL");
      await c.exited;
    } else {
      await c.stop(5_000);
    }
  }

  async stats(i: number): Promise<RelayStats | null> {
    const c = this.slots[i]!.child;
    if (!c?.alive) return null;
    return c.request<RelayStats>({ type: "stats" }, 10_000).catch(() => null);
  }

  isUp(i: number): boolean {
    return this.slots[i]!.child?.alive === true;
  }

  addrs(): string[] {
    return this.slots.filter((s) => s.addr).map((s) => s.addr!);
  }

  refs(): ProcRef[] {
    return this.slots.filter((s) => s.child?.alive).map((s) => ({ name: s.name, role: "relay", pid: s.child!.pid, incarnation: s.incarnation }));
  }

  async stopAll(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.slots.map((s) => s.child?.stop(5_000)));
  }
}

/** A port free right now (the OS picks it; it stays free unless another process binds it meanwhile). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      srv.close(() => (typeof a === "object" && a ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}
