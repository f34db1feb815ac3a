// POST /v1/ingest — relays forward raw gossip messages here (protocol/ingest-auth.ts for the
// authentication). The response's verdict is what the relay reports to gossipsub.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Outcome } from "../../durable/machine.ts";
import { AUTH_WINDOW_SECONDS, verifyIngest, type IngestResponse } from "../../protocol/ingest-auth.ts";
import { toHex } from "../../protocol/hex.ts";
import { MAX_GOSSIP_SIZE } from "../../protocol/snappy.ts";
import { CROSS_SAFE_VERSION, parseTopic } from "../../protocol/topic.ts";
import type { Address } from "../../protocol/types.ts";
import { validateGossipMessage } from "../../protocol/validate.ts";
import { chainStub, withSettings, type AppEnv } from "../context.ts";
import { chainRuntime, checkCandidate, resolveSigner } from "../pipeline.ts";
import { RpcFault } from "../rpc.ts";

export const ingest = new Hono<AppEnv>();

ingest.post(
  "/v1/ingest",
  bodyLimit({ maxSize: MAX_GOSSIP_SIZE, onError: (c) => c.json({ error: "too-large", message: `body exceeds ${MAX_GOSSIP_SIZE} bytes` }, 413) }),
  withSettings,
  async (c) => {
    const s = c.var.settings;
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const nowMs = Date.now();
    const auth = await verifyIngest(s.relaySecrets, "POST", new URL(c.req.url).pathname, c.req.raw.headers, raw, Math.floor(nowMs / 1000));
    if (!auth.ok) return c.json({ error: "unauthorized", reason: auth.reason }, 401);
    const { meta } = auth;

    const topic = parseTopic(meta.topic);
    const chain = topic && topic.kind === "cross-safe" ? s.chains.get(topic.chainId.toString()) : undefined;
    if (!topic || !chain) return c.json({ verdict: "ignore", reason: "chain-not-served", messageId: "" } satisfies IngestResponse);

    const chainId = topic.chainId.toString();
    const stub = chainStub(c.env, chainId);
    const rt = chainRuntime(chain, s.rpcTimeoutMs);
    const admitBase = { chainId, nonceKey: `${meta.relayId}:${auth.nonce}`, nonceExpiresAt: (auth.timestamp + AUTH_WINDOW_SECONDS + 1) * 1000, peer: meta.peerId };

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
    });
    const reason = signerFault && v.reason === "no-signer-configured" ? signerFault : v.reason;
    const p = v.envelope?.payload;
    const base: IngestResponse = {
      verdict: v.verdict,
      reason,
      messageId: v.messageId,
      ...(p ? { number: p.blockNumber.toString(), blockHash: toHex(p.blockHash) } : {}),
    };

    const cm = { messageId: v.messageId, peer: meta.peerId, relay: meta.relayId, receivedMs: meta.receivedMs, raw };
    // The RPC lookups (reads only) start while the Durable Object admits the block: the latency is
    // the slower of the two, not their sum. If it is not admitted (duplicate, replay), they are dropped.
    const check = v.verdict === "accept" && v.envelope ? checkCandidate(rt, v.envelope, cm) : undefined;
    check?.catch(() => {});
    const admitted = await stub.admit({ ...admitBase, verdict: v.verdict, reason, ...(p && v.verdict === "accept" ? { number: p.blockNumber, hash: toHex(p.blockHash) } : {}) });
    if (admitted.replay) return c.json({ error: "unauthorized", reason: "replayed-nonce" }, 401);
    if (!admitted.proceed || !check || !p) return c.json({ ...base, verdict: admitted.verdict, reason: admitted.reason });

    const r = await check;
    let d;
    if (r.kind === "outcome") d = await stub.decide(r.outcome as Outcome, r.localSafe);
    else if (r.kind === "hold") d = await stub.hold({ number: p.blockNumber, hash: toHex(p.blockHash), ...cm, reason: r.reason }, r.localSafe);
    else d = await stub.release(p.blockNumber, toHex(p.blockHash), r.reason, r.localSafe);
    return c.json({ ...base, verdict: d.verdict, reason: d.reason } satisfies IngestResponse);
  },
);
