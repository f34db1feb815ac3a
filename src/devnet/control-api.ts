// The chain server's control API (POST /__control, JSON {"op": …}; GET /__control = status): how tests,
// the devnet and the benches drive the chain model (advance, reorgs, replacements, faults, …) from
// another process. Pure dispatch on a ControlTarget; the HTTP side stays in rpc-server.ts.
import { l2RefJson } from "../protocol/block-ref.ts";
import { fromHex, toHex } from "../protocol/hex.ts";
import { computeMessageId } from "../protocol/message-id.ts";
import { addressOfPrivateKey } from "../protocol/signature.ts";
import { BLOCK_SIGNING_DOMAIN, CROSS_SAFE_SIGNING_DOMAIN } from "../protocol/signing-domain.ts";
import { encodePayload } from "../protocol/ssz.ts";
import type { Address, Hex } from "../protocol/types.ts";
import type { DevChain, DevChainOptions, L2Block, ReplacementVariant, ViewName } from "./chain.ts";
import type { ChainServerUrls } from "./endpoints.ts";
import type { FaultController, FaultRule } from "./faults.ts";
import { signedGossipMessage, signedUnsafeMessage } from "./gossip.ts";

type Json = Record<string, unknown>;

/** What the control API acts on: the server's current chain (replaced by "reset") and its parts. */
export interface ControlTarget {
  readonly chain: DevChain;
  readonly urls: ChainServerUrls;
  readonly faults: FaultController;
  /** "endpoint method" → calls and reply bytes (a batch counts under "endpoint batch"). */
  readonly stats: Map<string, { calls: number; bytes: number }>;
  readonly ticking: boolean;
  /** A new chain from these options (JSON form, as "reset" takes them), or the server's own. */
  reset(options?: DevChainOptions): void;
  startTicking(intervalMs?: number): void;
  stopTicking(): void;
}

export function chainOptionsFromJson(o: Json): DevChainOptions {
  const out: Record<string, unknown> = { ...o };
  for (const k of ["l1ChainId", "l2ChainId", "genesisTime", "gasLimit", "minBaseFee"]) if (o[k] !== undefined) out[k] = BigInt(o[k] as string | number);
  return out as DevChainOptions;
}

export function controlStatus(t: ControlTarget): Json {
  const chain = t.chain;
  const h = chain.heads();
  const seq = chain.view("sequencer");
  const fol = chain.view("follower");
  return {
    now: chain.now.toString(),
    urls: t.urls,
    sequencerAddress: chain.sequencerAddress,
    chainId: chain.options.l2ChainId.toString(),
    l1ChainId: chain.options.l1ChainId.toString(),
    heads: { unsafe: h.unsafe.toString(), localSafe: h.localSafe.toString(), crossSafe: h.crossSafe.toString(), finalized: h.finalized.toString() },
    l1Head: { hash: chain.l1Head().hash, number: chain.l1Head().number.toString() },
    sequencer: { unsafe: l2RefJson(chain.l2BlockRef(seq.head())), crossSafe: l2RefJson(chain.l2BlockRef(seq.crossSafe())) },
    follower: { unsafe: l2RefJson(chain.l2BlockRef(fol.head())), localSafe: l2RefJson(chain.l2BlockRef(fol.localSafe())) },
    pendingReplacements: chain.pendingReplacements().map((p) => ({ height: p.height.toString(), variant: p.variant, original: p.original.hash, replacement: p.replacement.hash })),
    equivocations: chain.equivocations().map((e) => ({ height: e.canonical.number.toString(), canonical: e.canonical.hash, equivocating: e.equivocating.hash })),
    faults: t.faults.list(),
    ticking: t.ticking,
  };
}

function blockSummary(b: L2Block): Json {
  return { number: b.number.toString(), hash: b.hash, parentHash: b.parentHash, kind: b.kind, timestamp: b.timestamp.toString() };
}

function big(v: unknown, name: string): bigint {
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v)) return BigInt(v);
  throw new Error(`${name}: expected an integer`);
}

export function runControl(o: Json, t: ControlTarget): Json | Promise<Json> {
  const chain = t.chain;
  const status = (): Json => controlStatus(t);
  switch (o["op"]) {
    case "status":
      return status();
    case "advance":
      chain.advance(big(o["seconds"], "seconds"));
      return status();
    case "advanceBlocks":
      chain.advanceBlocks(Number(big(o["count"], "count")));
      return status();
    case "advanceTo":
      chain.advanceTo(big(o["time"], "time"));
      return status();
    case "setHeads": {
      const h: { localSafe?: bigint; crossSafe?: bigint; finalized?: bigint } = {};
      for (const k of ["localSafe", "crossSafe", "finalized"] as const) if (o[k] !== undefined) h[k] = big(o[k], k);
      chain.setHeads(h);
      return status();
    }
    case "autoHeads":
      chain.autoHeads = o["enabled"] === true;
      return status();
    case "replace": {
      const p = chain.replaceWithDepositsOnly(big(o["height"], "height"), (o["variant"] as ReplacementVariant | undefined) ?? "spec");
      return { original: blockSummary(p.original), replacement: blockSummary(p.replacement), variant: p.variant };
    }
    case "promote":
      chain.promoteReplacement(big(o["height"], "height"));
      return status();
    case "reorgL1": {
      const r = chain.reorgL1(Number(big(o["depth"], "depth")), { l2: o["l2"] === "keep" ? "keep" : "rebuild" });
      return { from: r.from.toString(), orphaned: r.orphaned.map((b) => b.hash), l2RebuiltFrom: r.l2RebuiltFrom?.toString() ?? null };
    }
    case "resyncL2": {
      const from = chain.resyncL2();
      return { from: from?.toString() ?? null };
    }
    case "reorgL2": {
      const r = chain.reorgL2(big(o["from"], "from"));
      return { from: r.from.toString(), orphaned: r.orphaned.map((b) => b.hash) };
    }
    case "bigBlocks": {
      const heights = chain.bigBlocks(Number(big(o["bytes"], "bytes")), o["count"] === undefined ? 1 : Number(big(o["count"], "count")));
      return { heights: heights.map(String) };
    }
    case "conflictingBlock":
      return blockSummary(chain.conflictingBlock(big(o["height"], "height")));
    case "equivocate": {
      const b = chain.equivocate(big(o["height"], "height"));
      return { equivocating: blockSummary(b), canonical: blockSummary(chain.view("sequencer").blockByNumber(b.number)!) };
    }
    case "setSigner":
      chain.setUnsafeBlockSigner(String(o["address"]) as Address);
      return status();
    case "faults.add":
      return { id: t.faults.add(o["rule"] as FaultRule) };
    case "faults.remove":
      return { removed: t.faults.remove(String(o["id"])) };
    case "faults.clear":
      t.faults.clear();
      return { cleared: true };
    case "faults.list":
      return { faults: t.faults.list() };
    case "payload": {
      // The v4 envelope body (parentBeaconBlockRoot ‖ SSZ payload) of a block, for a publisher in another process.
      const view = chain.view((o["view"] as ViewName | undefined) ?? "sequencer");
      const b = o["hash"] !== undefined ? chain.l2BlockByHash(String(o["hash"])) : view.blockByNumber(big(o["number"], "number"));
      if (!b) throw new Error("payload: no such block");
      const env = chain.payloadOf(b);
      return { version: 4, blockHash: b.hash, number: b.number.toString(), parentBeaconBlockRoot: toHex(env.parentBeaconBlockRoot), payloadSsz: toHex(encodePayload(env.payload, 4)) };
    }
    case "reset": {
      const given = o["options"];
      t.reset(typeof given === "object" && given !== null ? chainOptionsFromJson(given as Json) : undefined);
      return status();
    }
    case "signedMessage": {
      // A ready-to-ingest gossip message (snappy(signature ‖ parentBeaconBlockRoot ‖ SSZ payload)) of a block,
      // signed by the sequencer key (or `privateKey`), for tests that cannot run the publisher; in the
      // attestation domain, or with domain "block" as the sequencer signs its unsafe blocks.
      const view = chain.view((o["view"] as ViewName | undefined) ?? "sequencer");
      const b = o["hash"] !== undefined ? chain.l2BlockByHash(String(o["hash"])) : view.blockByNumber(big(o["number"], "number"));
      if (!b) throw new Error("signedMessage: no such block");
      const key = (o["privateKey"] as Hex | undefined) ?? chain.options.sequencerKey;
      const domain = o["domain"] === "block" ? BLOCK_SIGNING_DOMAIN : CROSS_SAFE_SIGNING_DOMAIN;
      // topicKind "blocks": as the sequencer gossips it unsafe (blocks topic, domain 0)
      const m = o["topicKind"] === "blocks" ? signedUnsafeMessage(chain, b, key) : signedGossipMessage(chain, b, key, domain);
      const out = { blockHash: b.hash, number: b.number.toString(), topic: m.topic, message: toHex(m.message), signer: addressOfPrivateKey(fromHex(key)) };
      // op-node's message id as Node computes it (a reference for the Worker's, computed in workerd)
      return computeMessageId(m.topic, m.message).then((id) => ({ ...out, messageId: toHex(id).slice(2) }));
    }
    case "rpcStats": {
      const out = Object.fromEntries(t.stats);
      if (o["reset"] === true) t.stats.clear();
      return { stats: out };
    }
    case "ticking":
      if (o["enabled"] === true) t.startTicking(typeof o["intervalMs"] === "number" ? o["intervalMs"] : undefined);
      else t.stopTicking();
      return status();
    default:
      throw new Error(`unknown op ${JSON.stringify(o["op"])}`);
  }
}
