// JSON Schemas (2020-12, OpenAPI 3.1's dialect) of every body the Worker's routes answer with,
// written from the presenters that build them (../api-json.ts, ../ingest-answer.ts, ../routes/*).
// Objects are closed (additionalProperties: false) so a field added without documenting it fails
// the conformance test (test/worker/openapi.test.ts); /healthz alone stays open (see Health).
import type { EventKind } from "../../durable/types.ts";
import type { UnsafeEvent } from "../../durable/unsafe-types.ts";
import { SYNC_STATUS_L1_FIELDS, SYNC_STATUS_L2_FIELDS } from "../../protocol/sync-status.ts";

export type Schema = { [keyword: string]: unknown };

export type SchemaName =
  | "Error"
  | "L1BlockRef"
  | "L2BlockRef"
  | "CrossSafeHead"
  | "UnsafeHead"
  | "Event"
  | "Pending"
  | "Alarm"
  | "StatusEvidence"
  | "Status"
  | "Peers"
  | "EvidenceSummary"
  | "EvidencePage"
  | "IngestResponse"
  | "IngestRetry"
  | "Health"
  | "SyncStatus"
  | "JsonRpcResponse"
  | "ClearAlarmResult"
  | "PurgePeersResult"
  | "RefreshResult";

export const ref = (name: SchemaName): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: "null" }] });
const arrayOf = (s: Schema): Schema => ({ type: "array", items: s });

/** A closed object; every property required unless listed in `optional`. */
function obj(properties: Record<string, Schema>, optional: string[] = [], description?: string): Schema {
  return {
    type: "object",
    ...(description ? { description } : {}),
    properties,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    additionalProperties: false,
  };
}

const hash: Schema = { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" };
const blockNumber: Schema = { type: "integer", minimum: 0, description: "A block number: a JSON number, as op-node's L2BlockRef has it." };
const atMs: Schema = { type: "integer", minimum: 0, description: "A time the Worker recorded: milliseconds since the Unix epoch." };
const count: Schema = { type: "integer", minimum: 0 };
const text: Schema = { type: "string" };
const orNull = (type: string): Schema => ({ type: [type, "null"] });

const l1Ref = {
  hash,
  number: blockNumber,
  parentHash: hash,
  timestamp: { type: "integer", minimum: 0, description: "The block's timestamp: unix seconds (op-node's `Time`)." },
};
const l2Ref = { ...l1Ref, l1origin: obj({ hash, number: blockNumber }), sequenceNumber: count };

/** Every event kind either object records; the type check below fails when a kind is added to one. */
const EVENT_KINDS = ["advanced", "replaced", "duplicate", "ignored", "rejected", "pending", "promoted", "rewound", "equivocation", "alarm-cleared", "peers-purged", "stale", "unsafe-reorg"] as const;
type Missing = Exclude<EventKind | UnsafeEvent["kind"], (typeof EVENT_KINDS)[number]>;
const _allKinds: [Missing] extends [never] ? true : Missing = true;
void _allKinds;

// /healthz (src/worker/health.ts, src/durable/rpc-health.ts)
const healthStatus: Schema = { enum: ["ok", "degraded", "failing"] };
function healthReason(withChain: boolean): Schema {
  const r = { code: { type: "string", description: "e.g. alarm-raised, rpc-down:l2, rpc-failing:rollup, rpc-errors:l1, head-stalled, durable-object-unavailable, configuration" }, status: { enum: ["degraded", "failing"] }, detail: text };
  return withChain ? obj({ chainId: text, ...r }, ["chainId"]) : obj(r);
}
const rpcEndpointHealth = obj({
  lastSuccessAtMs: nullable(atMs),
  lastError: nullable(obj({ atMs, reason: { type: "string", description: "<code>:<endpoint>, e.g. rpc-timeout:l2" } })),
  downSinceAtMs: nullable({ ...atMs, description: "The first fault since the last success, while the endpoint is failing." }),
  errors: { type: "object", description: "Faults by reason.", additionalProperties: count },
});
const chainHealth = obj({
  status: healthStatus,
  reasons: arrayOf(healthReason(false)),
  rpc: nullable(obj({ l1: rpcEndpointHealth, l2: rpcEndpointHealth, rollup: rpcEndpointHealth })),
  alarm: nullable(obj({ raisedAtMs: atMs, number: blockNumber, evidenceId: count })),
  head: nullable(blockNumber),
  headMovedAtMs: nullable(atMs),
  headAgeMs: nullable({ type: "integer", description: "ms since the head last moved" }),
  localSafe: nullable(blockNumber),
  lag: nullable({ type: "integer", description: "local-safe − head, in blocks" }),
  stalledMs: { ...count, description: "ms local-safe has been ahead of a head that did not move" },
});

export const SCHEMAS: Record<SchemaName, Schema> = {
  Error: obj({ error: text, message: text, reason: text }, ["message", "reason"], "Every non-2xx JSON answer: a stable `error` code, and a `message` or `reason` saying more."),
  L1BlockRef: obj(l1Ref, [], "op-node's L1BlockRef JSON (op-service/eth/id.go)."),
  L2BlockRef: obj(l2Ref, [], "op-node's L2BlockRef JSON (op-service/eth/id.go)."),
  CrossSafeHead: obj(
    { ...l2Ref, updatedAtMs: atMs, replaced: { type: "boolean" }, replacement: { enum: ["spec", "op-node", null], description: "Which deposits-only replacement rule matched, or null." } },
    [],
    "The cross-safe head: op-node's L2BlockRef, when it was set, and whether it replaced the follower's block (deposits-only).",
  ),
  UnsafeHead: obj(
    { ...l2Ref, receivedAtMs: atMs, delayMs: { type: "integer", description: "receivedAtMs minus the block's timestamp, in ms (negative: clock skew)." } },
    [],
    "The unsafe head from the blocks topics: op-node's L2BlockRef, when a relay received it and how late.",
  ),
  Event: obj({ atMs, kind: { enum: [...EVENT_KINDS] }, number: blockNumber, hash, peer: text, reason: text }, ["number", "hash", "peer", "reason"]),
  Pending: obj({ number: blockNumber, hash, messageId: text, peer: text, relay: text, receivedAtMs: atMs, reason: text, attempts: count, addedAtMs: atMs }),
  Alarm: obj({ kind: { const: "equivocation" }, raisedAtMs: atMs, number: blockNumber, hashes: arrayOf(hash), evidenceId: count }),
  StatusEvidence: obj({ id: count, atMs, number: blockNumber, existing: hash, conflicting: hash, peer: text }),
  Status: obj({
    chainId: { type: "string", pattern: "^[0-9]+$", description: "Decimal chain id." },
    name: orNull("string"),
    head: nullable(ref("CrossSafeHead")),
    localSafe: nullable(ref("L2BlockRef")),
    lag: orNull("integer"),
    pending: arrayOf(ref("Pending")),
    events: { ...arrayOf(ref("Event")), description: "Newest first, at most 50." },
    alarm: nullable(ref("Alarm")),
    evidence: { ...arrayOf(ref("StatusEvidence")), description: "The newest 50; GET …/evidence pages them all." },
    unsafe: nullable(ref("UnsafeHead")),
    unsafeEvents: arrayOf(ref("Event")),
    heads: obj({ unsafe: orNull("integer"), localSafe: orNull("integer"), crossSafe: orNull("integer") }),
    gaps: obj({ unsafeToLocalSafe: orNull("integer"), localSafeToCrossSafe: orNull("integer"), unsafeToCrossSafe: orNull("integer") }),
  }),
  Peers: obj({
    graylistThreshold: { type: "number" },
    peers: arrayOf(obj({ peerId: text, score: { type: "number" }, accepted: count, rejected: count, updatedAtMs: atMs, graylisted: { type: "boolean" } })),
  }),
  EvidenceSummary: obj({
    id: count,
    atMs,
    number: blockNumber,
    existing: obj({ hash, messageId: text, bytes: orNull("integer"), message: { type: ["string", "null"], description: "Path of the raw message; null when it was not kept." } }),
    conflicting: obj({ hash, messageId: text, peer: text, bytes: count, message: { type: "string", description: "Path of the raw message." } }),
  }),
  EvidencePage: obj({ evidence: arrayOf(ref("EvidenceSummary")), next: { type: ["integer", "null"], description: "The `cursor` of the next page; null after the last." } }),
  IngestResponse: obj(
    {
      verdict: { enum: ["accept", "reject", "ignore"] },
      reason: text,
      messageId: { type: "string", description: "op-node's message id (0x hex), or \"\" when the message was not read." },
      number: blockNumber,
      blockHash: hash,
      detail: { type: "string", description: "What the operator can do about this verdict (and the facts behind it); only for verdicts with such a fix." },
    },
    ["number", "blockHash", "detail"],
    "The verdict a relay reports to gossipsub for the message.",
  ),
  IngestRetry: obj(
    {
      retry: { const: true },
      retryAfterMs: { type: "integer", minimum: 0, description: "When to send the message again (a new request, a new nonce)." },
      reason: { const: "claimed-by-another-request" },
      messageId: { type: "string", description: "op-node's message id (0x hex)." },
      number: blockNumber,
      blockHash: hash,
    },
    [],
    "Not a verdict: another relay's copy of this block is being checked (src/durable/claims.ts). Keep the message's validation pending and send it again.",
  ),
  Health: {
    type: "object",
    description:
      "The Worker's health by the rules in README \"Health\" (src/worker/health.ts): `status` ok/degraded (200) or failing (503; also for a configuration error, then with `error` and `message`), the reasons, and per chain its RPC endpoints, alarm, head and lag. Open: fields may be added.",
    properties: {
      ok: { type: "boolean", description: "false exactly when `status` is failing" },
      status: healthStatus,
      reasons: arrayOf(healthReason(true)),
      atMs,
      keccak: text,
      secp256k1: text,
      chains: arrayOf(text),
      health: { type: "object", description: "By chain id.", additionalProperties: chainHealth },
      error: text,
      message: text,
    },
    required: ["ok", "status", "reasons", "atMs", "keccak", "secp256k1"],
  },
  SyncStatus: obj(
    {
      ...Object.fromEntries(SYNC_STATUS_L1_FIELDS.map((k) => [k, ref("L1BlockRef")])),
      ...Object.fromEntries(SYNC_STATUS_L2_FIELDS.map((k) => [k, ref("L2BlockRef")])),
    },
    [],
    "op-node's SyncStatus (op-service/eth/sync_status.go, v1.19): exactly its fields. finalized_l2 and the L1 fields are zero refs (README, optimism_syncStatus).",
  ),
  JsonRpcResponse: {
    oneOf: [
      obj({ jsonrpc: { const: "2.0" }, id: {}, result: ref("SyncStatus") }),
      obj({ jsonrpc: { const: "2.0" }, id: {}, error: obj({ code: { type: "integer" }, message: text }) }),
    ],
  },
  ClearAlarmResult: obj({ cleared: { type: "boolean", description: "false when there was no alarm." } }),
  PurgePeersResult: obj({ purged: count }),
  RefreshResult: obj({ refreshed: { const: true } }),
};
