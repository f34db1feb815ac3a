// The chain server: one node:http server on loopback that serves a DevChain as the JSON-RPC of the
// real nodes, one path per node (src/devnet/endpoints.ts):
//   POST /l1                 L1 geth
//   POST /l2                 the follower's op-geth
//   POST /rollup             the follower's op-node
//   POST /sequencer/l2       the sequencer's op-geth
//   POST /sequencer/rollup   the sequencer's op-node
//   POST /__control          test/devnet control API (JSON {"op": …}); GET /__control = status
//                            ("rpcStats": calls and reply bytes per endpoint and method, for the
//                            tests and the bench that measure what the Worker reads)
// HTTP handling follows geth's rpc/http.go: GET with no body → 200 (health check), PUT/DELETE →
// 405, a content type other than application/json (or application/json-rpc, application/jsonrequest)
// → 415, a body over 32 MiB → 413; responses are application/json, one JSON value and "\n".
// Faults (src/devnet/faults.ts) are injected per endpoint and method.
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import "../node/keccak.ts";
import { DevChain, type DevChainOptions } from "./chain.ts";
import { controlStatus, runControl, type ControlTarget } from "./control-api.ts";
import { CONTROL_PATH, ENDPOINTS, endpointOfPath, type ChainServerUrls, type EndpointName } from "./endpoints.ts";
import { FaultController, HTTP_LEVEL, type ActiveFault } from "./faults.ts";
import {
  classify,
  emptyBatchResponse,
  errorResponse,
  invalidRequest,
  methodNotFound,
  parseErrorResponse,
  parsePositional,
  RpcError,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "./jsonrpc.ts";
import { METHODS } from "./rpc-methods.ts";

export type { ChainServerUrls } from "./endpoints.ts";
export { chainOptionsFromJson } from "./control-api.ts";

/** geth rpc/http.go maxRequestContentLength */
const MAX_BODY = 32 * 1024 * 1024;
const ACCEPTED_CONTENT_TYPES = new Set(["application/json", "application/json-rpc", "application/jsonrequest"]);
/** geth's default BatchRequestLimit */
const BATCH_LIMIT = 1000;

export interface ChainServerOptions {
  /** A chain to serve, or options to build one. */
  chain?: DevChain | DevChainOptions;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /**
   * Real-time ticking: the chain follows the wall clock (checked every intervalMs, default 250).
   * When the chain is built here, its genesis time defaults to now. Default: manual stepping.
   */
  realtime?: boolean | { intervalMs?: number };
}

export interface ChainServer {
  /** The chain being served (replaced by reset()). */
  readonly chain: DevChain;
  readonly urls: ChainServerUrls;
  readonly port: number;
  readonly faults: FaultController;
  /** Manual stepping (see DevChain.advance / advanceBlocks). */
  advance(seconds: number): void;
  advanceBlocks(n: number): void;
  startTicking(intervalMs?: number): void;
  stopTicking(): void;
  /** Serves a fresh chain (same options unless given; faults are kept). */
  reset(options?: DevChainOptions): DevChain;
  /** Stops ticking, drops hanging requests, closes every connection. */
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function jsonText(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x)) + "\n";
}

function httpError(res: ServerResponse, status: number, msg: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" });
  res.end(msg + "\n");
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on("data", (c: Buffer) => {
      n += c.length;
      if (n > MAX_BODY) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** DevChainOptions from JSON (integers as numbers or decimal/0x strings). */
export async function startChainServer(opts: ChainServerOptions = {}): Promise<ChainServer> {
  const realtime = opts.realtime === undefined || opts.realtime === false ? undefined : opts.realtime === true ? {} : opts.realtime;
  const baseOptions: DevChainOptions = opts.chain instanceof DevChain ? opts.chain.options : { ...opts.chain };
  const build = (o: DevChainOptions): DevChain => {
    const withTime = { ...o };
    if (realtime && o.genesisTime === undefined) withTime.genesisTime = BigInt(Math.floor(Date.now() / 1000));
    return new DevChain(withTime);
  };
  let chain: DevChain = opts.chain instanceof DevChain ? opts.chain : build(baseOptions);
  function reset(o: DevChainOptions = baseOptions): DevChain {
    chain = build(o);
    return chain;
  }
  const faults = new FaultController();
  const hanging = new Set<ServerResponse>();
  /** "endpoint method" → calls and reply bytes (a batch counts under "endpoint batch"). */
  const stats = new Map<string, { calls: number; bytes: number }>();
  let ticker: ReturnType<typeof setInterval> | undefined;

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) httpError(res, 500, `internal error: ${e instanceof Error ? e.message : String(e)}`);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === CONTROL_PATH) return control(req, res);
    const endpoint = endpointOfPath(url.pathname);
    if (!endpoint) return httpError(res, 404, "404 page not found");
    // geth rpc.Server.ServeHTTP / validateRequest
    const len = Number(req.headers["content-length"] ?? "0");
    if (req.method === "GET" && len === 0 && url.search === "") {
      res.writeHead(200);
      res.end();
      return;
    }
    if (req.method === "PUT" || req.method === "DELETE") return httpError(res, 405, "method not allowed");
    if (len > MAX_BODY) return httpError(res, 413, `content length too large (${len}>${MAX_BODY})`);
    if (req.method === "OPTIONS") {
      res.writeHead(200);
      res.end();
      return;
    }
    const ct = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (!ACCEPTED_CONTENT_TYPES.has(ct)) return httpError(res, 415, "invalid content type, only application/json is supported");
    const body = await readBody(req);
    if (body === undefined) return httpError(res, 413, `content length too large (>${MAX_BODY})`);
    await serveRpc(endpoint, body, req, res);
  }

  async function serveRpc(endpoint: EndpointName, body: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let parsed: unknown;
    let parseFailed = false;
    if (body.trim() === "") {
      // geth: io.EOF → nothing is written
      res.writeHead(200, { "content-type": "application/json" });
      res.end();
      return;
    }
    try {
      parsed = JSON.parse(body);
    } catch {
      parseFailed = true;
    }
    const batch = !parseFailed && Array.isArray(parsed);
    const messages: unknown[] = parseFailed ? [] : batch ? (parsed as unknown[]) : [parsed];
    const classified = messages.map(classify);
    const methods = parseFailed ? [undefined] : classified.map((c) => (c.kind === "invalid" ? undefined : c.req.method));
    const matched = faults.match(endpoint, methods.length ? methods : [undefined]);
    const delay = Math.max(0, ...matched.map((m) => m?.delayMs ?? 0));
    if (delay > 0) await sleep(delay);
    const httpFault = matched.find((m) => m?.fault && HTTP_LEVEL.has(m.fault.kind))?.fault;
    if (httpFault?.kind === "hang") {
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
      req.resume();
      return;
    }
    if (httpFault?.kind === "http-status") {
      return httpError(res, httpFault.status, httpFault.body ?? `${httpFault.status} ${STATUS_CODES[httpFault.status] ?? ""}`.trim());
    }

    let out: JsonRpcResponse | JsonRpcResponse[] | undefined;
    // geth writes these three with writeJSON(…, isErrorResponse=true): json.Marshal, no trailing newline.
    let bare = true;
    if (parseFailed) out = parseErrorResponse();
    else if (batch && messages.length === 0) out = emptyBatchResponse();
    else if (batch && messages.length > BATCH_LIMIT) out = { jsonrpc: "2.0", id: null, error: { code: -32600, message: "batch too large" } };
    else {
      bare = false;
      const responses: JsonRpcResponse[] = [];
      classified.forEach((c, i) => {
        if (c.kind === "invalid") responses.push(invalidRequest(c.id));
        else {
          const r = call(endpoint, c.req, matched[i]);
          if (c.kind === "call") responses.push(r);
        }
      });
      out = batch ? (responses.length ? responses : undefined) : responses[0];
    }
    let text = out === undefined ? "" : bare ? jsonText(out).trimEnd() : jsonText(out);
    if (httpFault?.kind === "malformed") {
      const style = httpFault.style ?? "truncated";
      text = style === "html" ? "<html><body><h1>502 Bad Gateway</h1></body></html>\n" : style === "garbage" ? "\u0000\u0001not json at all{" : text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    }
    const key = `${endpoint} ${batch ? "batch" : (methods[0] ?? "invalid")}`;
    const st = stats.get(key) ?? { calls: 0, bytes: 0 };
    st.calls++;
    st.bytes += Buffer.byteLength(text);
    stats.set(key, st);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(text);
  }

  function call(endpoint: EndpointName, req: JsonRpcRequest, rule: ActiveFault | undefined): JsonRpcResponse {
    const id = req.id ?? null;
    const f = rule?.fault;
    if (f?.kind === "rpc-error") return errorResponse(id, new RpcError(f.code, f.message, f.data));
    if (f?.kind === "null-result") return { jsonrpc: "2.0", id, result: null };
    const m = METHODS[endpoint][req.method];
    try {
      if (!m) throw methodNotFound(req.method);
      const args = parsePositional(req.params, m.args);
      const ctx = { chain, endpoint, ...(f?.kind === "wrong-chain-id" ? { chainIdOverride: BigInt(f.chainId) } : {}) };
      return { jsonrpc: "2.0", id, result: m.run(ctx, args) };
    } catch (e) {
      return errorResponse(id, e);
    }
  }

  async function control(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (code: number, v: unknown): void => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(jsonText(v));
    };
    if (req.method === "GET") return send(200, controlStatus(target));
    if (req.method !== "POST") return httpError(res, 405, "method not allowed");
    const body = (await readBody(req)) ?? "";
    let o: unknown;
    try {
      o = JSON.parse(body);
    } catch {
      return send(400, { ok: false, error: "body is not JSON" });
    }
    if (typeof o !== "object" || o === null || Array.isArray(o)) return send(400, { ok: false, error: 'expected {"op": ...}' });
    try {
      send(200, { ok: true, ...(await runControl(o as Json, target)) });
    } catch (e) {
      send(400, { ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }

  function tick(): void {
    chain.advanceTo(BigInt(Math.floor(Date.now() / 1000)));
  }

  function startTicking(intervalMs = realtime?.intervalMs ?? 250): void {
    stopTicking();
    tick();
    ticker = setInterval(tick, intervalMs);
    ticker.unref();
  }

  function stopTicking(): void {
    if (ticker !== undefined) clearInterval(ticker);
    ticker = undefined;
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? "127.0.0.1";
  const base = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const urls: ChainServerUrls = {
    base,
    l1: base + ENDPOINTS.l1,
    l2: base + ENDPOINTS.l2,
    rollup: base + ENDPOINTS.rollup,
    sequencerL2: base + ENDPOINTS["sequencer-l2"],
    sequencerRollup: base + ENDPOINTS["sequencer-rollup"],
    control: base + CONTROL_PATH,
  };
  const target: ControlTarget = {
    get chain() {
      return chain;
    },
    urls,
    faults,
    stats,
    get ticking() {
      return ticker !== undefined;
    },
    reset: (o) => void reset(o),
    startTicking,
    stopTicking,
  };
  if (realtime) startTicking();

  return {
    urls,
    port,
    faults,
    get chain() {
      return chain;
    },
    advance: (s) => void chain.advance(s),
    advanceBlocks: (n) => void chain.advanceBlocks(n),
    reset,
    startTicking,
    stopTicking,
    close: () =>
      new Promise<void>((resolve) => {
        stopTicking();
        for (const r of hanging) r.destroy();
        hanging.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
