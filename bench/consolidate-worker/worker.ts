// Bench-only Worker (bench/consolidate.ts): POST /check?mode=hashes|bodies with a gossip message
// (and GET /healthz).
// Validates it as the ingest route does, then runs the RPC check against the follower's nodes of
// the chain in CHAINS: `hashes` is the Worker's checkCandidate (pipeline.ts); `bodies` is the check
// as it was before consolidation on hashes (eth_getBlockByNumber(n, true), parseRpcBlock, consolidate,
// the same local-safe and L1-origin reads), kept here only to measure what it cost.
import keccakModule from "../../src/protocol/keccak/keccak.wasm";
import secp256k1Module from "../../node_modules/tiny-secp256k1/lib/secp256k1.wasm";
import { consolidate } from "../../src/protocol/consolidate.ts";
import { toHex, toQuantity } from "../../src/protocol/hex.ts";
import { installKeccakWasm } from "../../src/protocol/keccak/index.ts";
import { decodeL1InfoDeposit } from "../../src/protocol/l1-info.ts";
import { parseRpcBlock } from "../../src/protocol/rpc-block.ts";
import { installSecp256k1Wasm } from "../../src/protocol/secp256k1/index.ts";
import { CROSS_SAFE_VERSION, crossSafeTopic } from "../../src/protocol/topic.ts";
import type { SignedEnvelope } from "../../src/protocol/types.ts";
import { validateGossipMessage } from "../../src/protocol/validate.ts";
import { settingsOf } from "../../src/checks/settings.ts";
import type { WorkerEnv } from "../../src/worker/env.ts";
import { readBody } from "../../src/worker/read-body.ts";
import { MAX_GOSSIP_SIZE } from "../../src/protocol/snappy.ts";
import { chainRuntime, checkCandidate, fetchLocalSafe, resolveSigner, type ChainRuntime } from "../../src/checks/pipeline.ts";

installKeccakWasm(keccakModule);
installSecp256k1Wasm(secp256k1Module);

/** The pre-hashes check: the local block with every transaction object. */
async function checkOnBodies(rt: ChainRuntime, env: SignedEnvelope): Promise<string> {
  const p = env.payload;
  const info = p.transactions[0] ? decodeL1InfoDeposit(p.transactions[0]) : undefined;
  const [, json, l1] = await Promise.all([
    fetchLocalSafe(rt),
    rt.l2.request<unknown>("eth_getBlockByNumber", [toQuantity(p.blockNumber), true]),
    info?.ok ? rt.l1.request<{ hash: string }>("eth_getBlockByNumber", [toQuantity(info.value.info.l1Number), false]) : null,
  ]);
  const local = parseRpcBlock(json);
  if (!local.ok) return `bad-block:${local.error.path}`;
  const c = consolidate({ payload: p, ...(env.parentBeaconBlockRoot ? { parentBeaconBlockRoot: env.parentBeaconBlockRoot } : {}) }, local.value, rt.chain.config);
  if (c.kind === "match" && toHex(p.blockHash) !== local.value.hash) return "mismatch:blockHash";
  const canonical = info?.ok === true && l1?.hash === info.value.info.l1BlockHash.toLowerCase();
  return c.kind === "mismatch" ? `mismatch:${c.field}` : `${c.kind}:${canonical ? "l1-origin-canonical" : "l1-origin-not-canonical"}`;
}

export default {
  async fetch(req: Request, env: WorkerEnv): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === "/healthz") return Response.json({ ok: true }); // startWorkerDev waits for it
    const s = settingsOf(env);
    if (s instanceof Error) return Response.json({ error: s.message }, { status: 500 });
    const mode = url.searchParams.get("mode");
    if (req.method !== "POST" || (mode !== "hashes" && mode !== "bodies")) return Response.json({ error: "POST /check?mode=hashes|bodies" }, { status: 400 });
    const [id, chain] = [...s.chains][0]!;
    const rt = chainRuntime(chain, s.rpcTimeoutMs);
    const raw = await readBody(req, MAX_GOSSIP_SIZE); // as the ingest route reads it
    const v = await validateGossipMessage(raw, {
      chainId: BigInt(id),
      topic: crossSafeTopic(BigInt(id)),
      kind: "cross-safe",
      version: CROSS_SAFE_VERSION,
      signer: await resolveSigner(rt),
      now: Math.floor(Date.now() / 1000),
      jovianTime: chain.config.hardforks.jovian,
    });
    if (v.verdict !== "accept" || !v.envelope) return Response.json({ error: `not valid: ${v.reason}` }, { status: 422 });
    try {
      const meta = { messageId: v.messageId, peer: "bench", relay: "bench", receivedMs: Date.now(), raw };
      const result = mode === "hashes" ? await checkCandidate(rt, v.envelope, meta).then((r) => (r.kind === "outcome" ? r.outcome.kind : `${r.kind}:${r.reason}`)) : await checkOnBodies(rt, v.envelope);
      return Response.json({ result });
    } catch (e) {
      return Response.json({ error: String(e) }, { status: 502 });
    }
  },
};
