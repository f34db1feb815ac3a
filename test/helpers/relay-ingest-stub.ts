// A stand-in for the Worker's relay-facing HTTP API, on a real port: POST /v1/ingest (HMAC checked
// with the shared verifyIngest, nonces single-use) and GET /v1/chains/:id/peers. It can go down and
// come back on the same port, answer with an error status, or stall.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { computeMessageId } from "../../src/protocol/message-id.ts";
import { snappyDecode, snappyEncode } from "../../src/protocol/snappy.ts";
import { INGEST_PATH, verifyIngest, type IngestMeta } from "../../src/protocol/ingest-auth.ts";
import { toHex } from "../../src/protocol/hex.ts";
import type { Verdict } from "../../src/protocol/verdict.ts";

export const MARK = { accept: 0xa1, reject: 0xb2, ignore: 0xc3 } as const;

/**
 * A test gossip message: snappy(marker ‖ tag ‖ 0 ‖ filler) with a decompressed length ≥ 66. Random
 * filler makes the compressed size ≈ `size`.
 */
export function testMessage(kind: keyof typeof MARK, tag: string, size = 100, randomFill = false): Uint8Array {
  const body = new Uint8Array(Math.max(size, 66));
  const t = new TextEncoder().encode(tag).subarray(0, body.length - 2);
  if (randomFill) {
    const rest = body.subarray(t.length + 2);
    for (let i = 0; i < rest.length; i += 65_536) crypto.getRandomValues(rest.subarray(i, i + 65_536));
  }
  body[0] = MARK[kind];
  body.set(t, 1);
  body[t.length + 1] = 0;
  return snappyEncode(body);
}

export function tagOf(raw: Uint8Array): string {
  const r = snappyDecode(raw);
  if (!r.ok) return "<bad snappy>";
  const end = r.data.indexOf(0, 1);
  return new TextDecoder().decode(r.data.subarray(1, end < 0 ? undefined : end));
}

export interface Received {
  meta: IngestMeta;
  body: Uint8Array;
  tag: string;
  verdict: Verdict;
  messageId: string;
}

export interface StubOptions {
  secrets: Record<string, string>;
  port?: number;
  /** after this many REJECTs from one peer, the peer list shows it graylisted */
  graylistAfterRejects?: number;
  /** score lost per REJECT in the peer list */
  rejectPenalty?: number;
}

export class IngestStub {
  readonly o: StubOptions;
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  readonly received: Received[] = [];
  readonly authFailures: string[] = [];
  readonly requests: Array<{ path: string; status: number }> = [];
  private readonly nonces = new Set<string>();
  readonly rejectsByPeer = new Map<string, number>();
  /** answer every ingest with this status instead (e.g. 503 while "restarting") */
  failWith: number | undefined;
  /** the body and headers of those answers */
  failBody: unknown = { error: "unavailable" };
  failHeaders: Record<string, string> = {};
  /** delay before answering, ms */
  delayMs = 0;
  /** extra delay by the request's topic header (e.g. a slow blocks-topic path) */
  delayByTopic: ((topic: string) => number) | undefined;
  /** override the verdict */
  decide: ((tag: string, body: Uint8Array) => { verdict: Verdict; reason: string; number?: number; detail?: string }) | undefined;

  constructor(o: StubOptions) {
    this.o = o;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port || this.o.port || 0, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Goes down hard: the port refuses connections until start() again. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  tags(verdict?: Verdict): string[] {
    return this.received.filter((r) => verdict === undefined || r.verdict === verdict).map((r) => r.tag);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = new Uint8Array(Buffer.concat(chunks));
    const send = (status: number, json?: unknown, extra: Record<string, string> = {}): void => {
      this.requests.push({ path: url.pathname, status });
      res.writeHead(status, { "content-type": "application/json", ...extra }).end(json === undefined ? "" : JSON.stringify(json));
    };
    const extra = this.delayByTopic?.(String(req.headers["x-op-follow-topic"] ?? "")) ?? 0;
    if (this.delayMs + extra) await new Promise((r) => setTimeout(r, this.delayMs + extra));
    const peersMatch = /^\/v1\/chains\/(\d+)\/peers$/.exec(url.pathname);
    if (req.method === "GET" && peersMatch) {
      const threshold = this.o.graylistAfterRejects ?? Infinity;
      const penalty = this.o.rejectPenalty ?? 10;
      const peers = [...this.rejectsByPeer].map(([peerId, n]) => ({ peerId, score: -penalty * n, graylisted: n >= threshold }));
      return send(200, { peers, graylistThreshold: -40 });
    }
    if (req.method !== "POST" || url.pathname !== INGEST_PATH) return send(404, { error: "not found" });
    if (this.failWith) return send(this.failWith, this.failBody, this.failHeaders);
    const headers = { get: (n: string) => (req.headers[n.toLowerCase()] as string | undefined) ?? null };
    const v = await verifyIngest(this.o.secrets, "POST", url.pathname, headers, body, Math.floor(Date.now() / 1000));
    if (!v.ok) {
      this.authFailures.push(v.reason);
      return send(401, { error: v.reason });
    }
    if (this.nonces.has(v.nonce)) {
      this.authFailures.push("replay");
      return send(401, { error: "replay" });
    }
    this.nonces.add(v.nonce);
    const messageId = toHex(await computeMessageId(v.meta.topic, body)).slice(2);
    const tag = tagOf(body);
    const dec = snappyDecode(body);
    let out: { verdict: Verdict; reason: string; number?: number; detail?: string };
    if (this.decide) out = this.decide(tag, body);
    else if (!dec.ok) out = { verdict: "reject", reason: dec.error };
    else if (dec.data[0] === MARK.accept) out = { verdict: "accept", reason: "valid" };
    else if (dec.data[0] === MARK.ignore) out = { verdict: "ignore", reason: "no-signer-configured" };
    else out = { verdict: "reject", reason: "signature-invalid" };
    // as the Worker: only the cross-safe object scores peers (its /peers list)
    if (out.verdict === "reject" && v.meta.topic.endsWith("/cross-safe-blocks")) this.rejectsByPeer.set(v.meta.peerId, (this.rejectsByPeer.get(v.meta.peerId) ?? 0) + 1);
    this.received.push({ meta: v.meta, body, tag, verdict: out.verdict, messageId });
    // as the Worker does (src/worker/server-timing.ts), plus an entry the relay must not record
    send(200, { ...out, messageId }, { "server-timing": "check;dur=3, settle;dur=1, cache;desc=miss, other;dur=9" });
  }
}

export async function startStub(o: StubOptions): Promise<IngestStub> {
  const s = new IngestStub(o);
  await s.start();
  return s;
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
}
