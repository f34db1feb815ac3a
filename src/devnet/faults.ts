// Fault injection for the chain server, per endpoint and per method, toggled at run time (TS API or
// POST /__control). A rule matches an HTTP request when its endpoint and method match (for a batch:
// when any call in it matches); the first matching rule wins. Faults that shape the whole HTTP
// response (status, malformed body, hang) apply to the whole batch; the others apply per call.
import type { EndpointName } from "./endpoints.ts";

export type Fault =
  /** Only the delay (delayMs) applies. */
  | { kind: "none" }
  /** Reply with this HTTP status (e.g. 500, 502, 503) and a text body. */
  | { kind: "http-status"; status: number; body?: string }
  /** 200 with a body that is not valid JSON ("truncated" cuts the real answer in half). */
  | { kind: "malformed"; style?: "truncated" | "html" | "garbage" }
  /** Never answer; the socket stays open until the client gives up or the server closes. */
  | { kind: "hang" }
  /** A JSON-RPC error object instead of the result. */
  | { kind: "rpc-error"; code: number; message: string; data?: unknown }
  /** eth_chainId / net_version / optimism_rollupConfig report this chain id instead. */
  | { kind: "wrong-chain-id"; chainId: number | string }
  /** A null result (e.g. "block not found"). */
  | { kind: "null-result" };

export interface FaultRule {
  /** Endpoint (default "*": all). */
  endpoint?: EndpointName | "*";
  /** JSON-RPC method (default "*": all). */
  method?: string;
  fault?: Fault;
  /** Added latency before answering (or before the fault takes effect). */
  delayMs?: number;
  /** Apply to this many matching HTTP requests, then remove itself. Default: until removed. */
  times?: number;
}

export interface ActiveFault extends FaultRule {
  id: string;
  /** Requests this rule has matched so far. */
  hits: number;
}

export const HTTP_LEVEL = new Set<Fault["kind"]>(["http-status", "malformed", "hang"]);

export class FaultController {
  private rules: ActiveFault[] = [];
  private next = 1;

  add(rule: FaultRule): string {
    validate(rule);
    const id = `f${this.next++}`;
    this.rules.push({ ...rule, id, hits: 0 });
    return id;
  }

  remove(id: string): boolean {
    const n = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== n;
  }

  clear(): void {
    this.rules = [];
  }

  list(): readonly ActiveFault[] {
    return this.rules;
  }

  /**
   * The rule that applies to each method of one HTTP request (undefined where none); counts the
   * request once against every rule that matched and retires rules whose `times` ran out.
   */
  match(endpoint: EndpointName, methods: readonly (string | undefined)[]): (ActiveFault | undefined)[] {
    const out = methods.map((m) => this.rules.find((r) => ((r.endpoint ?? "*") === "*" || r.endpoint === endpoint) && methodMatches(r, m)));
    for (const r of new Set(out)) {
      if (!r) continue;
      r.hits++;
      if (r.times !== undefined && r.hits >= r.times) this.remove(r.id);
    }
    return out;
  }
}

function methodMatches(r: FaultRule, method: string | undefined): boolean {
  const m = r.method ?? "*";
  return m === "*" || m === method;
}

function validate(rule: FaultRule): void {
  const f = rule.fault;
  if (rule.delayMs !== undefined && (!Number.isFinite(rule.delayMs) || rule.delayMs < 0)) throw new Error("fault: delayMs must be a non-negative number");
  if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times < 1)) throw new Error("fault: times must be a positive integer");
  if (!f) return;
  switch (f.kind) {
    case "http-status":
      if (!Number.isInteger(f.status) || f.status < 100 || f.status > 599) throw new Error("fault: http-status needs a status 100-599");
      return;
    case "rpc-error":
      if (!Number.isInteger(f.code) || typeof f.message !== "string") throw new Error("fault: rpc-error needs an integer code and a message");
      return;
    case "wrong-chain-id":
      if (f.chainId === undefined) throw new Error("fault: wrong-chain-id needs chainId");
      return;
    case "none":
    case "malformed":
    case "hang":
    case "null-result":
      return;
    default:
      throw new Error(`fault: unknown kind ${(f as { kind: string }).kind}`);
  }
}
