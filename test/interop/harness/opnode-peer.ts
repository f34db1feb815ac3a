// Driver for test/interop/opnode-peer (op-node's own p2p code in a Go process): JSON lines over
// stdin/stdout (protocol in its main.go). Every unsolicited event is kept, so a test can wait for
// messages and read op-node's verdicts and message ids afterwards.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import type { ChainConfig } from "../../../src/protocol/chain-config.ts";
import { toHex } from "../../../src/protocol/hex.ts";
import type { Address, Hex } from "../../../src/protocol/types.ts";
import { helperBinary } from "./go-helpers.ts";

export type OpNodeResult = "ACCEPT" | "REJECT" | "IGNORE" | `DROPPED: ${string}`;

/** op-node's validation outcome for one message (go-libp2p-pubsub's trace). */
export interface MessageEvent {
  event: "message" | "duplicate";
  topic: string;
  /** op-node's message id (BuildMsgIdFn), hex */
  msgId: string;
  from: string;
  /** always false: pubsub does not trace a node's own messages to raw tracers */
  local: boolean;
  result: OpNodeResult | "";
  bytes: number;
  /** op-node's wall clock when pubsub traced it, µs */
  atUs: number;
}

/** A block op-node's subscriber delivered (after ACCEPT). */
export interface PayloadEvent {
  event: "payload";
  kind: "blocks" | "cross-safe";
  from: string;
  number: number;
  hash: string;
}

export type PeerEvent = MessageEvent | PayloadEvent;

export interface OpNodeScore {
  peerId: string;
  /** op-node's peerstore score (what its peer monitor bans on), refreshed every 15 s */
  score?: number;
  scores?: { gossip: { total: number; behavioralPenalty: number; IPColocationFactor: number; blocks: { invalidMessageDeliveries: number } } };
}

export interface OpNodeConn {
  peerId: string;
  addr: string;
  direction: string;
  security: string;
  muxer: string;
  agent?: string;
  protocols: string[];
}

export interface StartOptions {
  chainConfig: ChainConfig;
  sequencer: Address;
  muxers?: Array<"yamux" | "mplex">;
  /** join the cross-safe topic, signatures checked with this domain */
  crossSafeDomain?: Uint8Array;
  /** op-node's timestamp threshold for the cross-safe topic's v4 validator; default: 20 years */
  crossSafeThresholdSeconds?: number;
  /** < 0: P4 on the cross-safe topic, as op-follow's relay scores it (not op-node: no topic scores) */
  crossSafeInvalidMessageWeight?: number;
  /** op-node's --p2p.gossip.timestamp.threshold for the blocks topics; default op-node's 60 */
  blocksThresholdSeconds?: number;
  scoring?: "light" | "none";
}

export interface PublishResult {
  number: number;
  hash: string;
  /** op-node's SSZ encoder re-encoded the given payload to the same bytes */
  reencodedEqual: boolean;
  /** cross-safe only */
  msgId?: string;
  topic?: string;
  data?: Hex;
}

const TWENTY_YEARS = 20 * 365 * 24 * 3600;

export class OpNodePeer {
  readonly events: PeerEvent[] = [];
  peerId = "";
  addrs: string[] = [];
  crossSafeTopic = "";
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly waiters = new Set<() => void>();
  private nextId = 1;
  private readonly stderr: string[] = [];
  private exited: Promise<void>;

  private constructor(bin: string) {
    this.proc = spawn(bin, [], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env } });
    createInterface({ input: this.proc.stdout }).on("line", (l) => this.onLine(l));
    createInterface({ input: this.proc.stderr }).on("line", (l) => {
      this.stderr.push(l);
      if (this.stderr.length > 200) this.stderr.shift();
    });
    this.exited = new Promise((r) =>
      this.proc.on("exit", (code) => {
        for (const p of this.pending.values()) p.reject(new Error(`opnode-peer exited (${code}): ${this.stderr.slice(-10).join("\n")}`));
        this.pending.clear();
        r();
      }),
    );
  }

  static async start(o: StartOptions, bin = helperBinary("opnode-peer")): Promise<OpNodePeer> {
    const p = new OpNodePeer(bin);
    const f = o.chainConfig.hardforks;
    const hardforks = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined).map(([k, v]) => [k, Number(v)]));
    try {
      const r = (await p.call("start", {
        chainId: Number(o.chainConfig.chainId),
        blockTime: o.chainConfig.blockTime,
        hardforks,
        sequencer: o.sequencer,
        muxers: o.muxers ?? ["yamux", "mplex"],
        ...(o.blocksThresholdSeconds !== undefined ? { blocksThresholdSeconds: o.blocksThresholdSeconds } : {}),
        ...(o.crossSafeDomain ? { crossSafe: { domain: toHex(o.crossSafeDomain), thresholdSeconds: o.crossSafeThresholdSeconds ?? TWENTY_YEARS, invalidMessageWeight: o.crossSafeInvalidMessageWeight ?? 0 } } : {}),
        scoring: o.scoring ?? "light",
      })) as { peerId: string; addrs: string[]; crossSafeTopic?: string };
      p.peerId = r.peerId;
      p.addrs = r.addrs;
      p.crossSafeTopic = r.crossSafeTopic ?? "";
      return p;
    } catch (e) {
      await p.stop();
      throw e;
    }
  }

  get tcpAddr(): string {
    const a = this.addrs.find((x) => x.startsWith("/ip4/127.0.0.1/tcp/"));
    if (!a) throw new Error(`no loopback TCP address in ${this.addrs.join(", ")}`);
    return a;
  }

  private onLine(line: string): void {
    let msg: { id?: number; ok?: boolean; result?: unknown; error?: string; event?: string };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      this.stderr.push(`(stdout) ${line}`);
      return;
    }
    if (msg.event) {
      this.events.push(msg as unknown as PeerEvent);
      for (const w of this.waiters) w();
      return;
    }
    if (msg.id === undefined) return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(`opnode-peer: ${msg.error}`));
  }

  call(cmd: string, params: unknown = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proc.stdin.write(`${JSON.stringify({ id, cmd, params })}\n`);
    });
  }

  async connect(addr: string): Promise<void> {
    await this.call("connect", { addr });
  }

  /**
   * Signs `signedBytes` (v4: parentBeaconBlockRoot ‖ SSZ payload) with op-node's signer and publishes
   * it. Resolving means op-node's own validator ACCEPTed it (pubsub validates local messages before
   * Publish returns; a REJECT or IGNORE is an error here, and local messages are not traced as events).
   */
  async publish(topic: "blocks" | "cross-safe", version: number, signedBytes: Uint8Array, key: Hex): Promise<PublishResult> {
    return (await this.call("publish", { topic, version, payload: toHex(signedBytes), key })) as PublishResult;
  }

  /** Signs and encodes a cross-safe message in op-node (as publish does) without publishing it yet. */
  async prepare(version: number, signedBytes: Uint8Array, key: Hex): Promise<{ handle: number; msgId: string; bytes: number }> {
    return (await this.call("prepare", { topic: "cross-safe", version, payload: toHex(signedBytes), key })) as { handle: number; msgId: string; bytes: number };
  }

  /**
   * Publishes a prepared message. op-node's wall clock (µs): t0Us right before pubsub's Publish, t1Us
   * when it returned (after op-node's own validator ACCEPTed it, as the router takes it).
   */
  async publishPrepared(handle: number): Promise<{ t0Us: number; t1Us: number }> {
    return (await this.call("publishPrepared", { handle })) as { t0Us: number; t1Us: number };
  }

  async msgId(topic: string, data: Uint8Array): Promise<string> {
    return ((await this.call("msgId", { topic, data: toHex(data) })) as { msgId: string }).msgId;
  }

  async scores(): Promise<OpNodeScore[]> {
    return ((await this.call("scores")) as { peers: OpNodeScore[] }).peers;
  }

  async conns(): Promise<OpNodeConn[]> {
    return ((await this.call("peers")) as { conns: OpNodeConn[] }).conns;
  }

  async ping(peerId: string): Promise<number> {
    return ((await this.call("ping", { peer: peerId })) as { rttMs: number }).rttMs;
  }

  async topicPeers(): Promise<Record<string, string[]>> {
    return (await this.call("topicPeers")) as Record<string, string[]>;
  }

  messages(filter: Partial<MessageEvent> = {}): MessageEvent[] {
    return this.events.filter((e): e is MessageEvent => (e.event === "message" || e.event === "duplicate") && Object.entries(filter).every(([k, v]) => (e as unknown as Record<string, unknown>)[k] === v));
  }

  payloads(kind?: PayloadEvent["kind"]): PayloadEvent[] {
    return this.events.filter((e): e is PayloadEvent => e.event === "payload" && (kind === undefined || e.kind === kind));
  }

  /** Resolves with the first event (already seen or new) matching `pred`. */
  waitFor<T extends PeerEvent>(what: string, pred: (e: PeerEvent) => e is T, timeoutMs?: number): Promise<T>;
  waitFor(what: string, pred: (e: PeerEvent) => boolean, timeoutMs?: number): Promise<PeerEvent>;
  waitFor(what: string, pred: (e: PeerEvent) => boolean, timeoutMs = 20_000): Promise<PeerEvent> {
    return new Promise((resolve, reject) => {
      let i = 0;
      const check = (): void => {
        for (; i < this.events.length; i++) {
          const e = this.events[i]!;
          if (pred(e)) {
            done();
            resolve(e);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`op-node peer ${this.peerId}: timed out after ${timeoutMs} ms waiting for ${what}\nlast events: ${JSON.stringify(this.events.slice(-5))}\nstderr: ${this.stderr.slice(-15).join("\n")}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  logs(): string {
    return this.stderr.join("\n");
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.stdin.end();
    const t = setTimeout(() => this.proc.kill("SIGKILL"), 5_000);
    await this.exited;
    clearTimeout(t);
  }
}
