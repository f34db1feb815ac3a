// POST /v1/ingest — relays forward raw gossip messages here (protocol/ingest-auth.ts for the
// authentication). The response's verdict is what the relay reports to gossipsub.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { SettleCheck, SettleRequest, SettleResponse } from "../../durable/chain-head.ts";
import { AUTH_WINDOW_SECONDS, H, verifyIngest } from "../../protocol/ingest-auth.ts";
import { isPeerId } from "../../protocol/peer-id.ts";
import { toHex } from "../../protocol/hex.ts";
import { MAX_GOSSIP_SIZE } from "../../protocol/snappy.ts";
import { CROSS_SAFE_VERSION, parseTopic } from "../../protocol/topic.ts";
import type { Address } from "../../protocol/types.ts";
import { validateGossipMessage } from "../../protocol/validate.ts";
import { chainStub, withSettings, type AppEnv } from "../context.ts";
import { ingestUnsafe } from "../ingest-unsafe.ts";
import { chainRuntime, checkCandidate, resolveSigner } from "../../checks/pipeline.ts";
import { RpcFault } from "../../checks/rpc.ts";
import { RpcTally } from "../../checks/rpc-tally.ts";
import { ServerTiming } from "../server-timing.ts";
import { unauthorized } from "../unauthorized.ts";
import { claimUnservedNonce, nonceTableFull } from "../ingest-nonce.ts";
import { ingestAnswer } from "../ingest-answer.ts";
import { overLimitSize, refuseOverLimit } from "../ingest-over-limit.ts";

export const ingest = new Hono<AppEnv>();

/** The tally so far, once per settle call: a second call (needsCheck) carries only what came since. */
function withReport(t: RpcTally): { rpc?: SettleRequest["rpc"] } {
  const r = t.take();
  return r ? { rpc: r } : {};
}

/** Beyond the RPC timeouts, how long a check and its settle calls may take before a nonce lapses. */
const CHECK_MARGIN_MS = 10_000;

/** Per chain, the head number from this isolate's last settle: a hint only (the object decides). */
const headHints = new Map<string, bigint>();

ingest.post(
  "/v1/ingest",
  bodyLimit({ maxSize: MAX_GOSSIP_SIZE, onError: (c) => c.json({ error: "too-large", message: `body exceeds ${MAX_GOSSIP_SIZE} bytes` }, 413) }),
  withSettings,
  async (c) => {
    const s = c.var.settings;
    const raw = new Uint8Array(await c.req.arrayBuffer());
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
    // every RPC result goes to the chain's health record with the settle call (rpc-tally.ts)
    const tally = new RpcTally();
    const rt = chainRuntime(chain, s.rpcTimeoutMs, tally);
    // The nonce is claimed when the request is settled, after the RPC calls: the signer's lookup
    // (on a cache miss: chain id, then eth_call) and the checks (chain id, then the block, per
    // lookup), at most four in sequence. It is kept that much longer than the signing window, so a
    // replay still in its checks when the window closes cannot outlive its original's nonce.
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
    const v = await validateGossipMessage(raw, {
      chainId: topic.chainId,
      topic: meta.topic,
      kind: "cross-safe",
      version: CROSS_SAFE_VERSION,
      signer, // undefined when it could not be read: no-signer-configured, renamed below
      now: Math.floor(nowMs / 1000),
      jovianTime: chain.config.hardforks.jovian,
      attestationDomain: chain.attestationDomain,
    });
    const reason = signerFault && v.reason === "no-signer-configured" ? signerFault : v.reason;
    const p = v.envelope?.payload;
    const blockHash = p ? toHex(p.blockHash) : undefined;

    const cm = { messageId: v.messageId, peer: meta.peerId, relay: meta.relayId, receivedMs: meta.receivedMs, raw };
    const req: SettleRequest = { ...admitBase, verdict: v.verdict, reason, ...(p && v.verdict === "accept" ? { number: p.blockNumber, hash: blockHash! } : {}) };
    // A validly signed block is checked over RPC first, then settled in one Durable Object call —
    // unless this isolate last saw the head at or above it: then it is most likely a duplicate
    // (one copy per relay), which the object answers without RPC, or asks for the check after all.
    const envelope = v.verdict === "accept" ? v.envelope : undefined;
    const timing = new ServerTiming();
    const check = (): Promise<SettleCheck> =>
      timing.time("check", async () => {
        const r = await checkCandidate(rt, envelope!, cm);
        if (r.kind === "hold") tally.noteReason(r.reason);
        return r.kind === "hold" ? { kind: "hold", pending: { number: req.number!, hash: req.hash!, ...cm, reason: r.reason }, ...(r.localSafe ? { localSafe: r.localSafe } : {}) } : r;
      });
    const settle = (r: SettleRequest) => {
      // what an operator pays per copy of a block: the envelope bytes each settle call carries
      timing.count("do-envelope", envelopeBytes(r.check));
      return timing.time("settle", async (): Promise<SettleResponse> => await stub.settle({ ...r, ...withReport(tally) }));
    };
    const hint = headHints.get(chainId);
    const likelyDuplicate = hint !== undefined && req.number !== undefined && req.number <= hint;
    let d: SettleResponse;
    try {
      d = await settle(envelope && !likelyDuplicate ? { ...req, check: await check() } : req);
      if (!d.replay && !d.refused && d.needsCheck) d = await settle({ ...req, check: await check() });
    } catch (e) {
      // The object failed (a storage write rolled back, an overload, a reset): nothing was recorded,
      // the nonce neither. 503 tells the relay to retry the message; it is not a verdict.
      console.error(JSON.stringify({ msg: "settle failed", chainId, err: String(e) }));
      return c.json({ error: "unavailable", reason: "durable-object-failed" }, 503, { "retry-after": "1" });
    }
    c.header("Server-Timing", timing.header());
    if (d.replay) return unauthorized(c, "ingest", "replayed-nonce", { relay: meta.relayId });
    if (d.refused) return nonceTableFull(c);
    if (d.head === null) headHints.delete(chainId);
    else headHints.set(chainId, d.head);
    return c.json(ingestAnswer({ verdict: d.verdict, reason: d.reason, messageId: v.messageId, ...(p ? { number: p.blockNumber, blockHash: blockHash! } : {}) }));
  },
);

/** The gossip message bytes a settle call carries to the Durable Object (kept as the head's envelope or as evidence). */
function envelopeBytes(c: SettleCheck | undefined): number {
  if (c?.kind === "hold") return c.pending.raw.length;
  if (c?.kind !== "outcome") return 0;
  return c.outcome.kind === "consolidated" ? c.outcome.candidate.raw.length : c.outcome.raw.length;
}
