// POST /v1/ingest — relays forward raw gossip messages here (protocol/ingest-auth.ts for the
// authentication). The response's verdict is what the relay reports to gossipsub.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ClaimResponse, SettleCheck, SettleRequest, SettleResponse } from "../../durable/chain-head.ts";
import { leaseMs } from "../../durable/claims.ts";
import { toSettleCall } from "../../durable/settle-wire.ts";
import { AUTH_WINDOW_SECONDS, H, verifyIngest, type IngestRetry } from "../../protocol/ingest-auth.ts";
import type { Verdict } from "../../protocol/verdict.ts";
import { isPeerId } from "../../protocol/peer-id.ts";
import { MAX_GOSSIP_SIZE } from "../../protocol/snappy.ts";
import { CROSS_SAFE_VERSION, parseTopic } from "../../protocol/topic.ts";
import type { Address } from "../../protocol/types.ts";
import { chainStub, withSettings, type AppEnv } from "../context.ts";
import { ingestUnsafe } from "../ingest-unsafe.ts";
import { chainRuntime, checkCandidate, resolveSigner } from "../../checks/pipeline.ts";
import { RpcFault } from "../../checks/rpc.ts";
import { RpcTally } from "../../checks/rpc-tally.ts";
import { ServerTiming } from "../server-timing.ts";
import { readBody } from "../read-body.ts";
import { validateOnce } from "../validate-once.ts";
import { unauthorized } from "../unauthorized.ts";
import { claimUnservedNonce, nonceTableFull } from "../ingest-nonce.ts";
import { ingestAnswer } from "../ingest-answer.ts";
import { overLimitSize, refuseOverLimit } from "../ingest-over-limit.ts";

export const ingest = new Hono<AppEnv>();

/** The tally so far, once per Durable Object call: a later call (the owner's settle) carries only what came since. */
function withReport(t: RpcTally): { rpc?: SettleRequest["rpc"] } {
  const r = t.take();
  return r ? { rpc: r } : {};
}

/** Beyond the RPC timeouts, how long a check and its settle calls may take before a nonce lapses. */
const CHECK_MARGIN_MS = 10_000;

ingest.post(
  "/v1/ingest",
  bodyLimit({ maxSize: MAX_GOSSIP_SIZE, onError: (c) => c.json({ error: "too-large", message: `body exceeds ${MAX_GOSSIP_SIZE} bytes` }, 413) }),
  withSettings,
  async (c) => {
    const s = c.var.settings;
    const raw = await readBody(c.req.raw, MAX_GOSSIP_SIZE); // one buffer: arrayBuffer() briefly holds it twice
    const nowMs = Date.now();
    const auth = await verifyIngest(s.relaySecrets, "POST", new URL(c.req.url).pathname, c.req.raw.headers, raw, Math.floor(nowMs / 1000));
    if (!auth.ok) return unauthorized(c, "ingest", auth.reason, { relay: c.req.header(H.relay) });
    const { meta } = auth;
    // Scores and events are keyed by it: checked before anything is recorded (issue 10).
    if (!isPeerId(meta.peerId)) return c.json({ error: "bad-peer-id", message: `${H.peer} is not a libp2p peer id` }, 400);

    const topic = parseTopic(meta.topic);
    const chain = topic ? s.chains.get(topic.chainId.toString()) : undefined;
    if (!topic || !chain) {
      const claim = await claimUnservedNonce(c.env, s, topic?.chainId, meta.relayId, auth.nonce, auth.timestamp);
      if (claim === "replay") return unauthorized(c, "ingest", "replayed-nonce", { relay: meta.relayId });
      if (claim === "full") return nonceTableFull(c);
      return c.json(ingestAnswer({ verdict: "ignore", reason: "chain-not-served", messageId: "" }));
    }
    // A block too large for this Worker's MAX_BLOCK_BYTES is refused before any work on it.
    const over = overLimitSize(raw, s.maxBlockBytes);
    if (over !== undefined) return refuseOverLimit(c, { topic, relayId: meta.relayId, peerId: meta.peerId, nonce: auth.nonce, timestamp: auth.timestamp, size: over, limit: s.maxBlockBytes });
    // The blocks topics (unsafe blocks) take their own, RPC-free path to their own Durable Object.
    if (topic.kind === "blocks") {
      return ingestUnsafe(c, { chainId: topic.chainId.toString(), chain, topic, meta, nonce: auth.nonce, timestamp: auth.timestamp, raw, nowMs, rpcTimeoutMs: s.rpcTimeoutMs });
    }

    const chainId = topic.chainId.toString();
    const stub = chainStub(c.env, chainId);
    // every RPC result goes to the chain's health record with the next Durable Object call (rpc-tally.ts)
    const tally = new RpcTally();
    const rt = chainRuntime(chain, s.rpcTimeoutMs, tally);
    // The nonce is claimed by the request's first Durable Object call (the block's claim, or the
    // settle of a message without one), after at most the signer's lookup (on a cache miss: chain
    // id, then eth_call); the checks follow a claim. It is kept longer than the signing window by
    // four RPC timeouts, so a replay still in flight when the window closes cannot outlive its
    // original's nonce.
    const nonceExpiresAt = (auth.timestamp + AUTH_WINDOW_SECONDS + 1) * 1000 + 4 * s.rpcTimeoutMs + CHECK_MARGIN_MS;
    const admitBase = { chainId, nonceKey: `${meta.relayId}:${auth.nonce}`, nonceExpiresAt, peer: meta.peerId };

    let signer: Address | undefined;
    let signerFault: string | undefined;
    try {
      signer = await resolveSigner(rt, nowMs);
    } catch (e) {
      if (!(e instanceof RpcFault)) throw e;
      signerFault = `signer-unavailable:${e.code}`;
    }
    // A copy of bytes this isolate already validated (another relay's) reuses that result: same
    // verdict, no second snappy/keccak/signature pass (validate-once.ts).
    const val = await validateOnce(raw, {
      chainId: topic.chainId,
      topic: meta.topic,
      kind: "cross-safe",
      version: CROSS_SAFE_VERSION,
      signer, // undefined when it could not be read: no-signer-configured, renamed below
      now: Math.floor(nowMs / 1000),
      jovianTime: chain.config.hardforks.jovian,
      attestationDomain: chain.attestationDomain,
    }, auth.bodyHash);
    const v = val.facts;
    const reason = signerFault && v.reason === "no-signer-configured" ? signerFault : v.reason;
    const block = v.block && { number: v.block.number, hash: v.block.hash };

    const cm = { messageId: v.messageId, peer: meta.peerId, relay: meta.relayId, receivedMs: meta.receivedMs, raw };
    const req: SettleRequest = { ...admitBase, verdict: v.verdict, reason };
    const timing = new ServerTiming();
    // 1 if this request validated the message, 0 if it reused a copy's result (validate-once.ts)
    timing.count("validated", val.validatedHere ? 1 : 0);
    const answer = (d: { verdict: Verdict; reason: string }): Response => {
      c.header("Server-Timing", timing.header());
      return c.json(ingestAnswer({ verdict: d.verdict, reason: d.reason, messageId: v.messageId, ...(block ? { number: block.number, blockHash: block.hash } : {}) }));
    };
    const failed = (e: unknown, what = "settle"): Response => {
      // The object failed (a storage write rolled back, an overload, a reset), or the check threw:
      // nothing was decided. 503 tells the relay to retry the message; it is not a verdict.
      console.error(JSON.stringify({ msg: `${what} failed`, chainId, err: String(e) }));
      return c.json({ error: "unavailable", reason: "durable-object-failed" }, 503, { "retry-after": "1" });
    };

    // Not a validly signed block: one call records the verdict (and scores a REJECT's sender).
    if (v.verdict !== "accept" || !block) {
      let d: SettleResponse;
      try {
        timing.count("do-envelope", 0);
        d = await timing.time("settle", async () => await stub.settle({ ...req, ...withReport(tally) }));
      } catch (e) {
        return failed(e);
      }
      if (d.replay) return unauthorized(c, "ingest", "replayed-nonce", { relay: meta.relayId });
      if (d.refused) return nonceTableFull(c);
      return answer(d);
    }

    // A validly signed block: claimed first (a small call, no envelope). Only its owner runs the RPC
    // checks and sends the envelope; a copy of a block decided or held is answered at once, and a
    // copy of a block whose check is running is told to retry (src/durable/claims.ts).
    let cl: ClaimResponse;
    // what an operator pays per copy of a block: the envelope bytes each Durable Object call carries
    // (Server-Timing do-envelope; the claim none, the owner's settle the message)
    timing.count("do-envelope", 0);
    try {
      cl = await timing.time("claim", async () => await stub.claim({ ...admitBase, verdict: "accept", reason, ...block, leaseMs: leaseMs(s.rpcTimeoutMs), ...withReport(tally) }));
    } catch (e) {
      return failed(e, "claim");
    }
    if (cl.replay) return unauthorized(c, "ingest", "replayed-nonce", { relay: meta.relayId });
    if (cl.refused) return nonceTableFull(c);
    if (cl.kind === "final") return answer(cl);
    if (cl.kind === "wait") {
      c.header("Server-Timing", timing.header());
      c.header("Retry-After", String(Math.max(1, Math.ceil(cl.retryAfterMs / 1000))));
      return c.json({ retry: true, retryAfterMs: cl.retryAfterMs, reason: "claimed-by-another-request", messageId: v.messageId, number: Number(block.number), blockHash: block.hash } satisfies IngestRetry, 202);
    }
    let d: SettleResponse;
    try {
      const envelope = await val.envelope();
      if (!envelope) throw new Error("a validated block's envelope did not decode again");
      const r = await timing.time("check", () => checkCandidate(rt, envelope, cm));
      if (r.kind === "hold") tally.noteReason(r.reason);
      const check: SettleCheck = r.kind === "hold" ? { kind: "hold", pending: { ...block, ...cm, reason: r.reason }, ...(r.localSafe ? { localSafe: r.localSafe } : {}) } : r;
      // the raw message streamed beside the call, not serialized into it, and only if kept (settle-wire.ts)
      const call = toSettleCall({ ...req, ...block, owned: true, check, ...withReport(tally) });
      timing.count("do-envelope", call.raw?.length ?? 0);
      d = await timing.time("settle", async () => await stub.settle(call));
    } catch (e) {
      // The claim lapses now rather than at its lease's end: a waiting copy takes over the check.
      await stub.release(chainId, block.hash, admitBase.nonceKey).catch(() => false);
      return failed(e, "check or settle");
    }
    if (d.replay) return unauthorized(c, "ingest", "replayed-nonce", { relay: meta.relayId });
    if (d.refused) return nonceTableFull(c);
    return answer(d);
  },
);
