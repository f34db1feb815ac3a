// Relay → Worker request authentication. Each relay holds a shared secret; a request carries
// HMAC-SHA256(secret, canonical) where canonical binds the method, path, time, a nonce, every
// op-follow header the Worker acts on (topic, propagation peer — a forged peer id would let an
// attacker get an honest peer penalised) and the SHA-256 of the body. WebCrypto only: runs in
// workerd and Node alike.
import { fromHex, toHex } from "./hex.ts";
import type { Verdict } from "./verdict.ts";

export const INGEST_PATH = "/v1/ingest";
/** Accepted clock skew between relay and Worker. */
export const AUTH_WINDOW_SECONDS = 30;

export const H = {
  relay: "x-op-follow-relay",
  topic: "x-op-follow-topic",
  peer: "x-op-follow-peer",
  received: "x-op-follow-received-ms",
  timestamp: "x-op-follow-timestamp",
  nonce: "x-op-follow-nonce",
  signature: "x-op-follow-signature",
} as const;

/** The Worker's 200 answer to an ingest request: the verdict the relay reports to gossipsub. */
export interface IngestResponse {
  verdict: Verdict;
  reason: string;
  messageId: string;
  /** The block's number (a JSON number, as everywhere in the Worker's API). */
  number?: number;
  blockHash?: string;
  /** What the operator can do about this verdict (verdict-hints.ts), and any facts behind it. */
  detail?: string;
}

/**
 * HTTP 202 from POST /v1/ingest: another relay's copy of this block is being checked (it claimed the
 * block). Not a verdict: keep the message's validation pending and send it again after
 * `retryAfterMs` (a new request, new nonce); the answer then is the owner's verdict, or this copy
 * takes over the check if the owner failed.
 */
export interface IngestRetry {
  retry: true;
  retryAfterMs: number;
  reason: string;
  messageId: string;
  /** The block's number (a JSON number, as everywhere in the Worker's API). */
  number?: number;
  blockHash?: string;
}

export interface IngestMeta {
  relayId: string;
  topic: string;
  peerId: string;
  /** When the relay received the message, ms since epoch. */
  receivedMs: number;
}

const enc = new TextEncoder();

async function sha256Hex(data: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>)));
}

function canonical(method: string, path: string, ts: string, nonce: string, meta: IngestMeta, bodyHash: string): string {
  return [method.toUpperCase(), path, ts, nonce, meta.relayId, meta.topic, meta.peerId, String(meta.receivedMs), bodyHash].join("\n");
}

/**
 * Imported once per secret (a handful of relays), not per request. The resolved key is cached, not
 * the promise: workerd does not let one request await a promise another request started.
 */
const keys = new Map<string, CryptoKey>();

async function hmacKey(secret: string): Promise<CryptoKey> {
  const hit = keys.get(secret);
  if (hit) return hit;
  const k = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  if (keys.size >= 64) keys.clear();
  keys.set(secret, k);
  return k;
}

/** Headers for a signed ingest request. */
export async function signIngest(
  secret: string,
  meta: IngestMeta,
  body: Uint8Array,
  /** `bodySha256`: the body's SHA-256 as 0x-hex, when the caller has a faster way to it (the relay: node:crypto, in place). */
  opts: { method?: string; path?: string; nowSeconds?: number; nonce?: string; bodySha256?: string } = {},
): Promise<Record<string, string>> {
  const method = opts.method ?? "POST";
  const path = opts.path ?? INGEST_PATH;
  const ts = String(opts.nowSeconds ?? Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? toHex(crypto.getRandomValues(new Uint8Array(16))).slice(2);
  const msg = canonical(method, path, ts, nonce, meta, opts.bodySha256 ?? (await sha256Hex(body)));
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), enc.encode(msg)));
  return {
    [H.relay]: meta.relayId,
    [H.topic]: meta.topic,
    [H.peer]: meta.peerId,
    [H.received]: String(meta.receivedMs),
    [H.timestamp]: ts,
    [H.nonce]: nonce,
    [H.signature]: toHex(sig).slice(2),
  };
}

export type AuthFailure =
  | "missing-header"
  | "unknown-relay"
  | "bad-timestamp"
  | "stale"
  | "bad-nonce"
  | "bad-signature";

export type VerifiedIngest =
  /** `bodyHash`: the body's SHA-256 (0x-hex) the signature covers, for callers that key on the bytes. */
  | { ok: true; meta: IngestMeta; nonce: string; timestamp: number; bodyHash: string }
  | { ok: false; reason: AuthFailure };

/**
 * Verifies a signed request (constant-time via WebCrypto `verify`). Replay protection (the nonce
 * must be unseen within the window) is the caller's job: it needs state.
 */
export async function verifyIngest(
  secrets: Readonly<Record<string, string>>,
  method: string,
  path: string,
  headers: { get(name: string): string | null },
  body: Uint8Array,
  nowSeconds: number,
): Promise<VerifiedIngest> {
  const relayId = headers.get(H.relay);
  const topic = headers.get(H.topic);
  const peerId = headers.get(H.peer);
  const received = headers.get(H.received);
  const ts = headers.get(H.timestamp);
  const nonce = headers.get(H.nonce);
  const sig = headers.get(H.signature);
  if (!relayId || topic === null || peerId === null || !received || !ts || !nonce || !sig) return { ok: false, reason: "missing-header" };
  const secret = Object.hasOwn(secrets, relayId) ? secrets[relayId] : undefined;
  if (!secret) return { ok: false, reason: "unknown-relay" };
  if (!/^\d{1,12}$/.test(ts) || !/^\d{1,16}$/.test(received)) return { ok: false, reason: "bad-timestamp" };
  const timestamp = Number(ts);
  if (Math.abs(nowSeconds - timestamp) > AUTH_WINDOW_SECONDS) return { ok: false, reason: "stale" };
  if (!/^[0-9a-f]{16,64}$/.test(nonce)) return { ok: false, reason: "bad-nonce" };
  if (!/^[0-9a-f]{64}$/.test(sig)) return { ok: false, reason: "bad-signature" };
  const meta: IngestMeta = { relayId, topic, peerId, receivedMs: Number(received) };
  const bodyHash = await sha256Hex(body);
  const msg = canonical(method, path, ts, nonce, meta, bodyHash);
  const good = await crypto.subtle.verify("HMAC", await hmacKey(secret), fromHex(sig) as Uint8Array<ArrayBuffer>, enc.encode(msg));
  return good ? { ok: true, meta, nonce, timestamp, bodyHash } : { ok: false, reason: "bad-signature" };
}
