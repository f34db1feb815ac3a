// Every route of the Worker (src/worker/index.ts and routes/): methods, parameters, auth, and each
// answer with its body's schema. test/worker/openapi.test.ts checks that this list and the Hono
// app's routes are the same, and produces each documented answer against the real Worker.
import { EVIDENCE_PAGE } from "../../durable/evidence-page.ts";
import { AUTH_WINDOW_SECONDS, H } from "../../protocol/ingest-auth.ts";
import { MAX_GOSSIP_SIZE } from "../../protocol/snappy.ts";
import { ref, type Schema, type SchemaName } from "./schemas.ts";

export interface Response {
  description: string;
  headers?: Record<string, { description: string; schema: Schema }>;
  content?: Record<string, { schema: Schema }>;
}

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  description: string;
  schema: Schema;
}

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Parameter[];
  requestBody?: { required: boolean; description?: string; content: Record<string, { schema: Schema }> };
  responses: Record<string, Response>;
}

export type PathItem = Partial<Record<"get" | "post", Operation>>;

const json = (description: string, schema: SchemaName | Schema): Response => ({
  description,
  content: { "application/json": { schema: typeof schema === "string" ? ref(schema) : schema } },
});
const error = (description: string) => json(description, "Error");
const plain = (description: string, type: string): Response => ({ description, content: { [type]: { schema: { type: "string" } } } });

const chainId: Parameter = {
  name: "chainId",
  in: "path",
  required: true,
  description: "A chain this deployment serves (CHAINS), decimal or 0x hex.",
  schema: { type: "string", pattern: "^(0x[0-9a-fA-F]+|[0-9]{1,20})$" },
};

/** The answers every /v1/chains/{chainId}/… route can give besides its own. */
const perChain: Record<string, Response> = {
  "404": error("`not-found`: the chain id is malformed or not served here (or the route's record does not exist)."),
  "500": error("`configuration`: the Worker's settings are invalid; `message` names the setting."),
  "503": error("`unavailable`: a Durable Object failed (e.g. being reset); retry."),
};

const read = (operationId: string, summary: string, ok: Response, extra: Record<string, Response> = {}, parameters: Parameter[] = []): PathItem => ({
  get: { operationId, summary, tags: ["read"], parameters: [chainId, ...parameters], responses: { "200": ok, ...perChain, ...extra } },
});

const admin = (operationId: string, summary: string, result: SchemaName, parameters: Parameter[] = []): PathItem => ({
  post: {
    operationId,
    summary,
    tags: ["admin"],
    security: [{ adminBearer: [] }],
    parameters: [chainId, ...parameters],
    responses: { "200": json("Done.", result), "401": error("`unauthorized`: no token, a wrong one, or no ADMIN_TOKEN set (the reason is logged, not answered)."), ...perChain },
  },
});

const evidenceId: Parameter = { name: "id", in: "path", required: true, description: "An evidence record's id.", schema: { type: "string", pattern: "^[0-9]{1,15}$" } };

export const PATHS: Record<string, PathItem> = {
  "/": { get: { operationId: "statusPage", summary: "The status page (HTML reading the public JSON API).", tags: ["ops"], responses: { "200": plain("The page.", "text/html") } } },
  "/openapi.json": { get: { operationId: "openapi", summary: "This document.", tags: ["ops"], responses: { "200": json("OpenAPI 3.1.", { type: "object", required: ["openapi", "info", "paths"] }) } } },
  "/healthz": {
    get: {
      operationId: "health",
      summary: "Health: per chain RPC reachability, alarm, head age and lag; ok, degraded or failing with the reasons (README \"Health\").",
      tags: ["ops"],
      responses: {
        "200": json("ok or degraded.", "Health"),
        "503": json("failing: a chain is (an alarm, an endpoint down, the head stalled), or the Worker is misconfigured (`error` \"configuration\" and `message`).", "Health"),
      },
    },
  },
  "/livez": {
    get: {
      operationId: "live",
      summary: "Liveness only: the isolate answers; nothing else is asked.",
      tags: ["ops"],
      responses: { "200": json("Always `{ok: true}`.", { type: "object", properties: { ok: { const: true } }, required: ["ok"], additionalProperties: false }) },
    },
  },
  "/metrics": {
    get: {
      operationId: "metrics",
      summary: "Prometheus text exposition, every chain's counters and gauges.",
      tags: ["ops"],
      responses: { "200": plain("Metrics (text format 0.0.4).", "text/plain"), "503": plain("A comment naming the configuration error.", "text/plain") },
    },
  },
  "/v1/ingest": {
    post: {
      operationId: "ingest",
      summary: "A relay forwards one raw gossip message; the answer is the verdict it reports to gossipsub.",
      description: `Authenticated by HMAC-SHA256 over the method, path, ${H.timestamp} (within ${AUTH_WINDOW_SECONDS} s), ${H.nonce} (single use), the ${H.relay}, ${H.topic}, ${H.peer} and ${H.received} headers and the body's SHA-256 (src/protocol/ingest-auth.ts), in ${H.signature}.`,
      tags: ["ingest"],
      security: [{ relayHmac: [] }],
      requestBody: { required: true, description: `The gossip message as received (snappy block format), at most ${MAX_GOSSIP_SIZE} bytes.`, content: { "application/octet-stream": { schema: { type: "string", contentMediaType: "application/octet-stream" } } } },
      responses: {
        "200": json("A verdict (also for a chain not served here, and a block over MAX_BLOCK_BYTES: IGNORE `block-over-limit`).", "IngestResponse"),
        "202": {
          ...json("Retry: another relay's copy of this block owns its check (the Durable Object held this request up to 4 s for it). The answer to a later request is the owner's verdict, or that request takes the check over if the owner failed.", "IngestRetry"),
          headers: { "Retry-After": { description: "Seconds (retryAfterMs rounded up, at least 1); retryAfterMs is the precise wait.", schema: { type: "string" } } },
        },
        "400": error(`\`bad-peer-id\`: ${H.peer} is not a libp2p peer id.`),
        "401": error("`unauthorized`: a bad signature, an unknown relay, a stale time or a replayed nonce (the reason is logged, not answered)."),
        "413": error(`\`too-large\`: the body exceeds ${MAX_GOSSIP_SIZE} bytes.`),
        "500": error("`configuration`: the Worker's settings are invalid."),
        "503": {
          ...error("`unavailable`: nothing was decided, retry after Retry-After (`reason`: `durable-object-failed` or `nonce-table-full`)."),
          headers: { "Retry-After": { description: "Seconds.", schema: { type: "string" } } },
        },
      },
    },
  },
  "/v1/chains/{chainId}/cross-safe": read("crossSafe", "The cross-safe head.", json("The head.", "CrossSafeHead")),
  "/v1/chains/{chainId}/unsafe": read("unsafe", "The unsafe head (blocks topics).", json("The head.", "UnsafeHead")),
  "/v1/chains/{chainId}/status": read("status", "Heads, gaps, pending blocks, recent events, alarm and evidence.", json("The chain's status.", "Status")),
  "/v1/chains/{chainId}/peers": read("peers", "Peer scores, lowest first.", json("The scores.", "Peers")),
  "/v1/chains/{chainId}/evidence": read("evidencePage", "Equivocation evidence, a page at a time.", json("A page.", "EvidencePage"), { "400": error("`bad-request`: a malformed `cursor` or `limit`.") }, [
    { name: "cursor", in: "query", required: false, description: "The `next` of the previous page (default 0: from the start).", schema: { type: "string", pattern: "^[0-9]{1,15}$" } },
    { name: "limit", in: "query", required: false, description: `Records per page, 1…${EVIDENCE_PAGE.max} (default ${EVIDENCE_PAGE.default}).`, schema: { type: "string", pattern: "^[0-9]{1,3}$" } },
  ]),
  "/v1/chains/{chainId}/evidence/{id}": read("evidence", "One evidence record.", json("The record.", "EvidenceSummary"), {}, [evidenceId]),
  "/v1/chains/{chainId}/evidence/{id}/messages/{role}": read("evidenceMessage", "One of a record's gossip messages, as received (snappy; `op-follow inspect` reads it).", plain("The raw message.", "application/octet-stream"), {}, [
    evidenceId,
    { name: "role", in: "path", required: true, description: "The block that was cross-safe, or the one conflicting with it.", schema: { enum: ["existing", "conflicting"] } },
  ]),
  "/v1/chains/{chainId}/rpc": {
    post: {
      operationId: "rpc",
      summary: "JSON-RPC: optimism_syncStatus in op-node's exact shape (single calls and batches of at most 100).",
      tags: ["read"],
      parameters: [chainId],
      requestBody: { required: true, content: { "application/json": { schema: { type: ["object", "array"] } } } },
      responses: {
        "200": json("A JSON-RPC answer, or an array of them for a batch (errors included: -32700, -32600, -32601).", { anyOf: [ref("JsonRpcResponse"), { type: "array", items: ref("JsonRpcResponse") }] }),
        "413": json("The body exceeds 64 KiB: a JSON-RPC error.", "JsonRpcResponse"),
        ...perChain,
      },
    },
  },
  "/v1/chains/{chainId}/admin/clear-alarm": admin("clearAlarm", "Clears an equivocation alarm so the head may move again.", "ClearAlarmResult", [
    { name: "note", in: "query", required: false, description: "Recorded in the event (at most 200 characters).", schema: { type: "string" } },
  ]),
  "/v1/chains/{chainId}/admin/purge-peers": admin("purgePeers", "Forgets every peer's score, or one's.", "PurgePeersResult", [
    { name: "peer", in: "query", required: false, description: "Only this peer id.", schema: { type: "string" } },
  ]),
  "/v1/chains/{chainId}/admin/refresh": admin("refresh", "Forgets this isolate's cached signer and RPC chain-id checks.", "RefreshResult"),
};
