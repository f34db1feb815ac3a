// JSON-RPC to the follower's L1 node, L2 execution node (op-geth) and rollup node (op-node): one
// plain fetch per call, with bounded timeouts, a bounded reply and no hidden retries. Every failure
// becomes an RpcFault with a stable code: the pipeline turns those into IGNORE (the peer did nothing
// wrong). It was viem's HTTP transport: profiled in workerd (bench/README.md, Many chains), its
// per-call machinery — a client per request, a streamed body read, its timers and signals — cost
// more CPU than the calls' own fetch; the faults are classified as they were.
import { MAX_GOSSIP_SIZE } from "../protocol/snappy.ts";

export type RpcFaultCode = "rpc-timeout" | "rpc-http-error" | "rpc-bad-response" | "rpc-too-large" | "rpc-error" | "rpc-unreachable" | "rpc-wrong-chain";

/**
 * The largest reply read from a node. viem's default cap (10 MiB since viem 2.4x) is what made an
 * honest block's `eth_getBlockByNumber(n, true)` (≈ 2× the block in hex, 6× for small transactions)
 * fail as a bad response from ≈ 5 MiB blocks on. The checks now read header and hashes instead
 * (consolidate-hashes.ts); the largest reply they ask for is one transaction, which at most is a
 * whole gossip-sized block in hex plus its JSON members. A reply beyond that is refused, by name.
 */
export const RPC_MAX_RESPONSE_BYTES = 2 * MAX_GOSSIP_SIZE + (1 << 20);

export class RpcFault extends Error {
  readonly code: RpcFaultCode;
  readonly endpoint: string;
  constructor(code: RpcFaultCode, endpoint: string, message: string) {
    super(`${endpoint}: ${message}`);
    this.code = code;
    this.endpoint = endpoint;
  }
}

/** Told the result of every request an endpoint makes (rpc-tally.ts): how /healthz learns reachability. */
export interface RpcObserver {
  ok(endpoint: string): void;
  fault(f: RpcFault): void;
}

export interface RpcEndpoint {
  /** "l1" | "l2" | "rollup" — named in faults and metrics. */
  name: string;
  url: string;
  request<T = unknown>(method: string, params?: unknown[]): Promise<T>;
}

const tooLarge = (name: string): RpcFault => new RpcFault("rpc-too-large", name, `reply over ${RPC_MAX_RESPONSE_BYTES} bytes`);

/**
 * The reply's text, refused past RPC_MAX_RESPONSE_BYTES. A declared length is checked before
 * anything is read (the runtime delivers no more than it declares); a reply without one (chunked)
 * is counted as it streams, so an endless one is cut off at the cap, never held whole.
 */
async function readCapped(res: Response, name: string): Promise<string> {
  const declared = res.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared)) {
    if (Number(declared) > RPC_MAX_RESPONSE_BYTES) {
      await res.body?.cancel();
      throw tooLarge(name);
    }
    return await res.text();
  }
  if (!res.body) return await res.text();
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > RPC_MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw tooLarge(name);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

interface RpcErrorBody {
  error: { code: number; message: string };
}

function isRpcError(d: unknown): d is RpcErrorBody {
  const e = (d as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof e?.code === "number" && typeof e.message === "string";
}

let nextId = 1;

/** One JSON-RPC call; throws RpcFault, classified as viem's errors were (see the module comment). */
async function call(name: string, url: string, timeoutMs: number, method: string, params: unknown[]): Promise<unknown> {
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }), signal });
    // the body is read within the timeout too: a reply that stalls after its headers cannot hang the call
    text = await readCapped(res, name);
  } catch (e) {
    if (e instanceof RpcFault) throw e;
    if (signal.aborted) throw new RpcFault("rpc-timeout", name, `no reply within ${timeoutMs} ms`);
    throw new RpcFault("rpc-unreachable", name, e instanceof Error ? e.message : String(e));
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    if (!res.ok) throw new RpcFault("rpc-http-error", name, `HTTP ${res.status}`);
    throw new RpcFault("rpc-bad-response", name, `not JSON: ${(e as Error).message}`);
  }
  // A JSON-RPC error is the node's answer, whatever the HTTP status it came with.
  if (isRpcError(data)) throw new RpcFault("rpc-error", name, `${data.error.code}: ${data.error.message}`);
  if (!res.ok) throw new RpcFault("rpc-http-error", name, `HTTP ${res.status}`);
  if (typeof data !== "object" || data === null) throw new RpcFault("rpc-bad-response", name, "reply is not a JSON-RPC object");
  if ((data as { error?: unknown }).error) throw new RpcFault("rpc-bad-response", name, "malformed JSON-RPC error");
  return (data as { result?: unknown }).result;
}

export function rpcEndpoint(name: string, url: string, timeoutMs: number, observer?: RpcObserver): RpcEndpoint {
  return {
    name,
    url,
    async request<T>(method: string, params: unknown[] = []): Promise<T> {
      let out: T;
      try {
        out = (await call(name, url, timeoutMs, method, params)) as T;
      } catch (err) {
        const f = err instanceof RpcFault ? err : new RpcFault("rpc-bad-response", name, String(err));
        observer?.fault(f);
        throw f;
      }
      observer?.ok(name);
      return out;
    },
  };
}

/** How long a successful chain-id check is trusted before the node is asked again. */
const CHAIN_ID_TTL_MS = 5 * 60_000;
/**
 * When each endpoint's chain id was last confirmed. Only results are shared between requests, never
 * an in-flight promise: in workerd a promise started by one request cannot be awaited by another
 * (it never settles once its request has ended).
 */
const verified = new Map<string, number>();

/** Verifies (then trusts for a few minutes) that the node serves the chain we think it does. */
export async function ensureChainId(ep: RpcEndpoint, expected: bigint, now = Date.now()): Promise<void> {
  const key = `${ep.name}|${ep.url}`;
  const at = verified.get(key);
  if (at !== undefined && now - at < CHAIN_ID_TTL_MS) return;
  const id = await ep.request<string>("eth_chainId");
  if (typeof id !== "string" || !/^0x[0-9a-fA-F]+$/.test(id)) throw new RpcFault("rpc-bad-response", ep.name, `eth_chainId returned ${JSON.stringify(id)}`);
  if (BigInt(id) !== expected) throw new RpcFault("rpc-wrong-chain", ep.name, `serves chain ${BigInt(id)}, expected ${expected}`);
  verified.set(key, now);
}

/** Forgets every chain-id check (tests; a config change). */
export function forgetChainIdChecks(): void {
  verified.clear();
}
