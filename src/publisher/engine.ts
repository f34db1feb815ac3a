// The publish loop's logic, without the network: which block to publish next, the checks before
// signing, reorg handling and the at-most-once bookkeeping. `send` is the only way out; the libp2p
// node plugs in there (publisher.ts), tests plug in a recorder.
//
// Rules (issue 4, Publisher):
// - Only cross-safe blocks: every height from the last published + 1 up to the sequencer's cross-safe
//   head, in order; on a fresh state from the current head (or --from).
// - Right before signing, the block must still be canonical (same hash at its height) and at or
//   below the cross-safe head; its hash must recompute from the payload (message.ts).
// - Never the same block twice (state.ts: recorded before sending, kept across restarts).
// - An L2 reorg below the last published block: resume after the newest block we published that is
//   still canonical (the fork point), and publish the new blocks from there. They are new blocks at
//   those heights; followers apply their own rules to them.
import type { Logger } from "../relay/log.ts";
import type { BlockVersion, Hash } from "../protocol/types.ts";
import type { RpcBlock } from "../protocol/rpc-block.ts";
import type { AttestationDomain } from "../protocol/signing-domain.ts";
import { prepareBlock, signPrepared, type PreparedBlock } from "./message.ts";
import type { SequencerSource } from "./source.ts";
import { forgetPublished, recordPublished, wasPublished, type PublisherState } from "./state.ts";
import type { HeadRef } from "./sync-status.ts";

export type SendResult = { kind: "sent"; recipients: string[] } | { kind: "duplicate" } | { kind: "not-sent"; reason: string };

export type PublisherEvent =
  | { type: "published"; number: bigint; hash: Hash; recipients: number; prepareMs: number; sendMs: number }
  | { type: "skipped"; number: bigint; hash: Hash; reason: "already-published" }
  | { type: "reorg"; last: HeadRef; resumeAfter: HeadRef | null }
  | { type: "held"; number: bigint; reason: StopReason; detail?: string };

export type StopReason =
  | "block-missing"
  | "parent-mismatch"
  | "bad-block"
  | "no-longer-canonical"
  | "not-cross-safe"
  | "not-sent"
  | "stopped";

export interface StepResult {
  head: HeadRef;
  published: number;
  /** More blocks are due right away (the batch limit was hit). */
  more: boolean;
  stoppedAt?: { number: bigint; reason: StopReason; detail?: string };
}

/** A problem that must stop the publisher (wrong chain). */
export class FatalPublisherError extends Error {
  override name = "FatalPublisherError";
}

export interface EngineOptions {
  source: SequencerSource;
  chainId: bigint;
  /** secp256k1 private key of the sequencer (never logged). */
  signerKey: Uint8Array;
  /** Signing domain of the attestations (default op-follow's own; "block" is the risky compatibility mode). */
  attestationDomain?: AttestationDomain;
  state: PublisherState;
  persist(s: PublisherState): Promise<void>;
  /** `version`: the payload's (the blocks topic to publish on; the cross-safe topic is always v4). */
  send(message: Uint8Array, block: HeadRef, version: BlockVersion): Promise<SendResult>;
  /** First height on a fresh state; default the cross-safe head at the first poll. */
  from?: bigint;
  /** Blocks published per step before yielding (default 32). */
  maxPerStep?: number;
  /** The head to publish up to (default: the cross-safe head; the unsafe engine passes the unsafe head). */
  head?: () => Promise<HeadRef>;
  /** How a block becomes a signed message (default: the cross-safe topic's v4 envelope). */
  codec?: BlockCodec;
  /** At most this many blocks behind the head are published; older ones are skipped (the blocks topics refuse blocks over 60 s old). */
  maxBacklog?: number;
  log: Logger;
  onEvent?: (e: PublisherEvent) => void;
}

export interface BlockCodec {
  prepare(b: RpcBlock): PreparedBlock;
  /** `attestation`: the cross-safe attestation domain setting (the blocks topics always sign over domain 0). */
  sign(p: Extract<PreparedBlock, { ok: true }>, chainId: bigint, key: Uint8Array, attestation?: AttestationDomain): Uint8Array;
}

const CROSS_SAFE_CODEC: BlockCodec = { prepare: (b) => prepareBlock(b), sign: signPrepared };

export class PublishEngine {
  readonly #o: EngineOptions;
  readonly state: PublisherState;
  #chainChecked = false;
  #stopped = false;
  /** The cross-safe head seen at the last poll. */
  head: HeadRef | undefined;

  constructor(o: EngineOptions) {
    this.#o = o;
    this.state = o.state;
    if (this.state.chainId !== o.chainId) throw new FatalPublisherError(`the state file belongs to chain ${this.state.chainId}, not ${o.chainId}`);
  }

  /** After a crash between "about to send" and "sent": count the block as published (at-most-once). */
  async recover(): Promise<void> {
    const f = this.state.inflight;
    if (!f) return;
    this.#o.log.warn("the previous run stopped while publishing a block; it is not published again", { number: f.number, hash: f.hash });
    recordPublished(this.state, f);
    this.state.cursor = f;
    this.state.inflight = null;
    await this.#o.persist(this.state);
  }

  stop(): void {
    this.#stopped = true;
  }

  #head(): Promise<HeadRef> {
    return this.#o.head ? this.#o.head() : this.#o.source.crossSafeHead();
  }

  async step(): Promise<StepResult> {
    const { source, log } = this.#o;
    if (!this.#chainChecked) {
      const id = await source.chainId();
      if (id !== this.#o.chainId) throw new FatalPublisherError(`the L2 RPC serves chain ${id}, but --chain-id is ${this.#o.chainId}`);
      this.#chainChecked = true;
    }
    const head = await this.#head();
    this.head = head;
    const result: StepResult = { head, published: 0, more: false };

    let next: bigint;
    const cursor = this.state.cursor;
    if (!cursor) {
      next = this.#o.from ?? head.number;
    } else {
      const canonical = await source.hashAt(cursor.number);
      if (canonical !== cursor.hash) {
        const resume = await this.#forkPoint(cursor);
        log.warn("L2 reorg below the last published block: publishing again from the fork point", {
          last: cursor.number,
          lastHash: cursor.hash,
          canonical,
          resumeAfter: resume?.number ?? null,
        });
        this.state.cursor = resume;
        await this.#o.persist(this.state);
        this.#o.onEvent?.({ type: "reorg", last: cursor, resumeAfter: resume });
        next = resume ? resume.number + 1n : (this.#o.from ?? head.number);
      } else {
        next = cursor.number + 1n;
      }
    }

    const backlog = this.#o.maxBacklog;
    if (backlog !== undefined && head.number - next >= BigInt(backlog)) {
      const skipTo = head.number - BigInt(backlog) + 1n;
      log.warn("too far behind the head: skipping blocks too old to gossip", { from: next, to: skipTo - 1n, head: head.number });
      next = skipTo;
    }
    const max = this.#o.maxPerStep ?? 32;
    for (let n = next; n <= head.number; n++) {
      if (result.published >= max) {
        result.more = true;
        break;
      }
      const r = await this.#publishHeight(n);
      if (r.kind === "published") result.published++;
      else if (r.kind === "stop") {
        result.stoppedAt = { number: n, reason: r.reason, ...(r.detail ? { detail: r.detail } : {}) };
        this.#o.onEvent?.({ type: "held", number: n, reason: r.reason, ...(r.detail ? { detail: r.detail } : {}) });
        break;
      }
    }
    return result;
  }

  /**
   * The newest height at or below `last` whose canonical block we published (searching down to the
   * oldest block we remember); below that, the canonical block just under the oldest remembered one.
   */
  async #forkPoint(last: HeadRef): Promise<HeadRef | null> {
    const { source } = this.#o;
    const heights = this.state.published.map((p) => p.number);
    if (heights.length === 0) return null;
    const lowest = heights.reduce((a, b) => (b < a ? b : a));
    for (let h = last.number; h >= lowest; h--) {
      const c = await source.hashAt(h);
      if (c !== null && wasPublished(this.state, h, c)) return { number: h, hash: c };
    }
    if (lowest === 0n) return null;
    const below = await source.hashAt(lowest - 1n);
    return below === null ? null : { number: lowest - 1n, hash: below };
  }

  async #publishHeight(n: bigint): Promise<{ kind: "published" | "skipped" } | { kind: "stop"; reason: StopReason; detail?: string }> {
    const { source, log } = this.#o;
    if (this.#stopped) return { kind: "stop", reason: "stopped" };
    const t0 = performance.now();
    const b = await source.block(n);
    if (!b) return { kind: "stop", reason: "block-missing" };
    const hash = b.hash.toLowerCase() as Hash;
    const cursor = this.state.cursor;
    // The chain under us moved since the last poll; the next poll's canonical check finds the fork point.
    if (cursor && n === cursor.number + 1n && b.parentHash.toLowerCase() !== cursor.hash) return { kind: "stop", reason: "parent-mismatch" };
    if (wasPublished(this.state, n, hash)) {
      this.state.cursor = { number: n, hash };
      await this.#o.persist(this.state);
      this.#o.onEvent?.({ type: "skipped", number: n, hash, reason: "already-published" });
      return { kind: "skipped" };
    }
    const codec = this.#o.codec ?? CROSS_SAFE_CODEC;
    const prepared = codec.prepare(b);
    if (!prepared.ok) {
      log.error("refusing to publish a block whose payload does not reproduce it", { number: n, hash, err: prepared.error });
      return { kind: "stop", reason: "bad-block", detail: prepared.error };
    }

    // Last look before signing: still canonical, and cross-safe.
    const [now, canonical] = await Promise.all([this.#head(), source.hashAt(n)]);
    this.head = now;
    if (canonical !== hash) return { kind: "stop", reason: "no-longer-canonical", detail: `canonical hash at ${n} is now ${canonical}` };
    if (n > now.number || (n === now.number && now.hash !== hash)) {
      return { kind: "stop", reason: "not-cross-safe", detail: `cross-safe head is ${now.number} ${now.hash}` };
    }
    if (this.#stopped) return { kind: "stop", reason: "stopped" };
    const message = codec.sign(prepared, this.#o.chainId, this.#o.signerKey, this.#o.attestationDomain);
    const ref: HeadRef = { number: n, hash };
    const prepareMs = performance.now() - t0;

    this.state.inflight = ref;
    await this.#o.persist(this.state);
    const t1 = performance.now();
    let sent: SendResult;
    try {
      sent = await this.#o.send(message, ref, prepared.version);
    } catch (e) {
      sent = { kind: "not-sent", reason: (e as Error).message };
    }
    const sendMs = performance.now() - t1;
    this.state.inflight = null;
    if (sent.kind === "not-sent") {
      forgetPublished(this.state, ref);
      await this.#o.persist(this.state);
      return { kind: "stop", reason: "not-sent", detail: sent.reason };
    }
    recordPublished(this.state, ref);
    this.state.cursor = ref;
    await this.#o.persist(this.state);
    const recipients = sent.kind === "sent" ? sent.recipients.length : 0;
    log.info("published", { number: n, hash, recipients, ...(sent.kind === "duplicate" ? { note: "gossipsub had already seen it" } : {}), prepareMs: Math.round(prepareMs), sendMs: Math.round(sendMs) });
    this.#o.onEvent?.({ type: "published", number: n, hash, recipients, prepareMs, sendMs });
    return { kind: "published" };
  }
}
