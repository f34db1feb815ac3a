// JSON-RPC to the follower's L1 node, L2 execution node (op-geth) and rollup node (op-node), via
// viem's HTTP transport with bounded timeouts and no hidden retries. Every failure becomes an
// RpcFault with a stable code: the pipeline turns those into IGNORE (the peer did nothing wrong).
import { createClient, http, type Client } from "viem";
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

function classify(err: unknown, name: string): RpcFault {
  if (err instanceof RpcFault) return err;
  const e = err as { name?: string; status?: number; shortMessage?: string; message?: string; code?: number; details?: string };
  const msg = e.shortMessage ?? e.message ?? String(err);
  switch (e.name) {
    case "ResponseBodyTooLargeError":
      return new RpcFault("rpc-too-large", name, `reply over ${RPC_MAX_RESPONSE_BYTES} bytes`);
    case "TimeoutError":
      return new RpcFault("rpc-timeout", name, msg);
    case "HttpRequestError":
      if (e.status && e.status >= 400) return new RpcFault("rpc-http-error", name, `HTTP ${e.status}`);
      // viem reports an unparseable body and a refused connection as HttpRequestError without status.
      if (/json|unexpected token|parse/i.test(`${e.details ?? ""} ${msg}`)) return new RpcFault("rpc-bad-response", name, msg);
      return new RpcFault("rpc-unreachable", name, msg);
  }
  if (typeof e.code === "number") return new RpcFault("rpc-error", name, `${e.code}: ${msg}`);
  if (err instanceof SyntaxError) return new RpcFault("rpc-bad-response", name, msg);
  return new RpcFault("rpc-bad-response", name, msg);
}

export function rpcEndpoint(name: string, url: string, timeoutMs: number, observer?: RpcObserver): RpcEndpoint {
  const client: Client = createClient({ transport: http(url, { timeout: timeoutMs, retryCount: 0, batch: false, maxResponseBodySize: RPC_MAX_RESPONSE_BYTES }) });
  return {
    name,
    url,
    async request<T>(method: string, params: unknown[] = []): Promise<T> {
      let out: T;
      try {
        out = (await client.request({ method, params } as never)) as T;
      } catch (err) {
        const f = classify(err, name);
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
