// Minimal JSON-RPC 2.0 over HTTP (fetch) for the sequencer's nodes: one call per request, a timeout,
// and errors that say which endpoint and method failed. No retries here: the publish loop polls.
export class RpcError extends Error {
  override name = "RpcError";
  readonly endpoint: string;
  readonly method: string;
  /** JSON-RPC error code, when the node answered with one. */
  readonly code: number | undefined;
  constructor(endpoint: string, method: string, message: string, code?: number) {
    super(`${endpoint} ${method}: ${message}`);
    this.endpoint = endpoint;
    this.method = method;
    this.code = code;
  }
}

export interface RpcClient {
  readonly name: string;
  call<T = unknown>(method: string, params?: unknown[]): Promise<T>;
}

let nextId = 1;

export function rpcClient(name: string, url: string, timeoutMs: number, fetchImpl: typeof fetch = fetch): RpcClient {
  return {
    name,
    async call<T>(method: string, params: unknown[] = []): Promise<T> {
      const id = nextId++;
      let res: Response;
      try {
        res = await fetchImpl(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (e) {
        const err = e as Error;
        const why = err.name === "TimeoutError" ? `timed out after ${timeoutMs} ms` : `unreachable (${(err.cause as Error | undefined)?.message ?? err.message})`;
        throw new RpcError(name, method, why);
      }
      const text = await res.text().catch(() => "");
      if (!res.ok) throw new RpcError(name, method, `HTTP ${res.status}${text ? `: ${text.slice(0, 200).trim()}` : ""}`);
      let body: { result?: unknown; error?: { code?: unknown; message?: unknown } };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        throw new RpcError(name, method, `response is not JSON: ${JSON.stringify(text.slice(0, 120))}`);
      }
      if (typeof body !== "object" || body === null) throw new RpcError(name, method, "response is not a JSON-RPC object");
      if (body.error) {
        const code = typeof body.error.code === "number" ? body.error.code : undefined;
        throw new RpcError(name, method, `error ${code ?? "?"}: ${String(body.error.message ?? "unknown")}`, code);
      }
      if (!("result" in body)) throw new RpcError(name, method, "response has neither result nor error");
      return body.result as T;
    },
  };
}
