// `op-follow publish --unsafe`: besides the cross-safe attestations, gossip each new unsafe block as
// op-node's sequencer does (unsafe-message.ts): every block up to the sequencer's unsafe head
// (`unsafe_l2`), in order, on the blocks topic of its version. A second PublishEngine drives it,
// with its memory in process only (a restart resumes at the head: a block gossiped twice is only
// IGNOREd as seen), never further behind the head than the blocks topics accept (60 s), and
// following a reorg from its fork point as the engine does. The chain's fork times (which version a
// block is) come from the sequencer's op-node (optimism_rollupConfig) before the first block.
import type { ChainConfig } from "../protocol/chain-config.ts";
import type { Logger } from "../relay/log.ts";
import { PublishEngine, type PublisherEvent, type StepResult } from "./engine.ts";
import type { SequencerSource } from "./source.ts";
import { emptyState } from "./state.ts";
import { unsafeCodec, unsafeTopic } from "./unsafe-message.ts";
import type { SendResult } from "./engine.ts";

/** Seconds behind the head still worth gossiping: op-node refuses blocks over 60 s old; keep a margin. */
const GOSSIP_AGE_SECONDS = 45;

export interface UnsafeStreamOptions {
  source: SequencerSource;
  chainId: bigint;
  signerKey: Uint8Array;
  chainConfig(): Promise<ChainConfig>;
  send(topic: string, message: Uint8Array): Promise<SendResult>;
  log: Logger;
  onEvent(e: PublisherEvent): void;
}

export class UnsafeStream {
  readonly #o: UnsafeStreamOptions;
  #engine: PublishEngine | undefined;
  #stopped = false;

  constructor(o: UnsafeStreamOptions) {
    if (!o.source.unsafeHead) throw new Error("--unsafe: the sequencer source cannot read the unsafe head");
    this.#o = o;
  }

  get engine(): PublishEngine | undefined {
    return this.#engine;
  }

  async step(): Promise<StepResult> {
    const o = this.#o;
    if (!this.#engine) {
      const cfg = await o.chainConfig();
      this.#engine = new PublishEngine({
        source: o.source,
        chainId: o.chainId,
        signerKey: o.signerKey,
        state: emptyState(o.chainId),
        persist: async () => {},
        head: () => o.source.unsafeHead!(),
        codec: unsafeCodec(cfg),
        maxBacklog: Math.max(1, Math.floor(GOSSIP_AGE_SECONDS / cfg.blockTime)),
        send: (message, _ref, version) => o.send(unsafeTopic(o.chainId, version), message),
        log: o.log,
        onEvent: o.onEvent,
      });
      if (this.#stopped) this.#engine.stop();
    }
    return this.#engine.step();
  }

  stop(): void {
    this.#stopped = true;
    this.#engine?.stop();
  }
}
