// Helpers for driving the Worker end to end inside workerd: the chain server's control API, signed
// gossip messages from its sequencer, authenticated ingest requests, and the read API.
import { abortAllDurableObjects, env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { inject } from "vitest";
import { fromHex } from "../../src/protocol/hex.ts";
import { signIngest } from "../../src/protocol/ingest-auth.ts";
import { TEST_ADMIN_TOKEN, TEST_RELAY_ID, TEST_RELAY_SECRET } from "./secrets.ts";
import { testPeerId } from "../helpers/peer-ids.ts";

export const chain = inject("workerChain");
export const CHAIN_ID = chain.chainId;
export const TOPIC = `/optimism/${CHAIN_ID}/0/cross-safe-blocks`;
/** blocksv4: where the devnet's sequencer (Isthmus from genesis) gossips its unsafe blocks. */
export const BLOCKS_TOPIC = `/optimism/${CHAIN_ID}/3/blocks`;
/** Another dev key: validly formed signatures by someone who is not the sequencer. */
export const NOT_SEQUENCER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

export async function control<T = Record<string, unknown>>(op: Record<string, unknown>): Promise<T> {
  const r = await fetch(chain.urls.control, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(op) });
  const body = await r.json();
  if (!r.ok) throw new Error(`control ${JSON.stringify(op)}: ${r.status} ${JSON.stringify(body)}`);
  return body as T;
}

export interface Heads {
  unsafe: bigint;
  localSafe: bigint;
  crossSafe: bigint;
}

export async function heads(): Promise<Heads> {
  const s = await control<{ heads: Record<string, string> }>({ op: "status" });
  return { unsafe: BigInt(s.heads["unsafe"]!), localSafe: BigInt(s.heads["localSafe"]!), crossSafe: BigInt(s.heads["crossSafe"]!) };
}

export interface SignedBlock {
  message: Uint8Array;
  blockHash: string;
  number: bigint;
  /** op-node's message id, computed in Node by the chain server */
  messageId: string;
}

/** The sequencer's signed gossip message for a block (by number in a view, or by hash). */
export async function signed(at: bigint | string, opts: { view?: "sequencer" | "follower"; privateKey?: string; domain?: "attestation" | "block"; topicKind?: "blocks" | "cross-safe" } = {}): Promise<SignedBlock> {
  const sel = typeof at === "bigint" ? { number: at.toString() } : { hash: at };
  const r = await control<{ message: string; blockHash: string; number: string; messageId: string }>({ op: "signedMessage", ...sel, ...opts });
  return { message: fromHex(r.message), blockHash: r.blockHash, number: BigInt(r.number), messageId: r.messageId };
}

export interface IngestResult {
  status: number;
  body: { verdict?: string; reason?: string; messageId?: string; number?: number; blockHash?: string; detail?: string; error?: string };
  /** the response's Server-Timing header ("" when absent) */
  timing: string;
}

export interface IngestOpts {
  peer?: string;
  topic?: string;
  relay?: string;
  secret?: string;
  nowSeconds?: number;
  nonce?: string;
  /** Mutates the signed headers (to test tampering). */
  headers?: (h: Record<string, string>) => void;
  /** The body actually sent, if different from the signed one. */
  sendBody?: Uint8Array;
}

/** The signed POST /v1/ingest request for a message (ingest() sends it). */
export async function ingestRequest(message: Uint8Array, o: IngestOpts = {}): Promise<RequestInit> {
  const meta = { relayId: o.relay ?? TEST_RELAY_ID, topic: o.topic ?? TOPIC, peerId: o.peer ?? testPeerId("PeerA"), receivedMs: Date.now() };
  const h = await signIngest(o.secret ?? TEST_RELAY_SECRET, meta, message, { ...(o.nowSeconds ? { nowSeconds: o.nowSeconds } : {}), ...(o.nonce ? { nonce: o.nonce } : {}) });
  o.headers?.(h);
  return { method: "POST", headers: { ...h, "content-type": "application/octet-stream" }, body: o.sendBody ?? message };
}

export async function ingest(message: Uint8Array, o: IngestOpts = {}): Promise<IngestResult> {
  const res = await SELF.fetch("http://follower/v1/ingest", await ingestRequest(message, o));
  return { status: res.status, body: (await res.json()) as IngestResult["body"], timing: res.headers.get("server-timing") ?? "" };
}

export async function getJson<T = Record<string, unknown>>(path: string, init?: RequestInit): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await SELF.fetch(`http://follower${path}`, init);
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

export interface HeadJson {
  hash: string;
  number: number;
  parentHash: string;
  timestamp: number;
  l1origin: { hash: string; number: number };
  sequenceNumber: number;
  updatedAtMs: number;
  replaced: boolean;
  replacement: string | null;
}

export async function crossSafe(): Promise<HeadJson | null> {
  const r = await getJson<HeadJson>(`/v1/chains/${CHAIN_ID}/cross-safe`);
  return r.status === 200 ? r.body : null;
}

export async function status(): Promise<Record<string, any>> {
  return (await getJson(`/v1/chains/${CHAIN_ID}/status`)).body;
}

export async function peers(): Promise<{ peers: { peerId: string; score: number; graylisted: boolean; accepted: number; rejected: number }[]; graylistThreshold: number }> {
  return (await getJson(`/v1/chains/${CHAIN_ID}/peers`)).body as never;
}

export function chainStub() {
  return env.CHAIN.get(env.CHAIN.idFromName(CHAIN_ID));
}

export function unsafeStub() {
  return env.UNSAFE.get(env.UNSAFE.idFromName(CHAIN_ID));
}

/** Runs the chain Durable Object's alarm now (pending promotion, reorg check, score decay). */
export async function runAlarm(): Promise<void> {
  await runDurableObjectAlarm(chainStub());
}

export function admin(path: string, token: string | null = TEST_ADMIN_TOKEN): Promise<Response> {
  return SELF.fetch(`http://follower/v1/chains/${CHAIN_ID}/admin/${path}`, { method: "POST", headers: token === null ? {} : { authorization: `Bearer ${token}` } });
}

/** Fills the chain object's nonce table to `total` with unexpired nonces, then restarts the object. */
export async function fillNonces(total: number): Promise<void> {
  await runInDurableObject(chainStub(), (_i: unknown, state: DurableObjectState) => {
    const have = state.storage.sql.exec<{ c: number }>("SELECT COUNT(*) AS c FROM nonces").one().c;
    state.storage.sql.exec(
      "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?) INSERT INTO nonces (key, exp) SELECT 'filler:' || x, ? FROM n",
      total - have,
      Date.now() + 10 * 60_000,
    );
  });
  await abortAllDurableObjects();
}
