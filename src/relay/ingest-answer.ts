// The Worker's answers to POST /v1/ingest (src/worker/routes/ingest.ts), checked against the
// contract in protocol/ingest-auth.ts before the forwarder acts on them.
import type { IngestResponse } from "../protocol/ingest-auth.ts";
import type { Verdict } from "../protocol/verdict.ts";

const VERDICTS: ReadonlySet<string> = new Set(["accept", "reject", "ignore"]);

/** The wait a 202 answer asks for (protocol/ingest-auth.ts IngestRetry), or null for another body. */
export function parseRetryAnswer(body: unknown): number | null {
  if (typeof body !== "object" || body === null) return null;
  const b = body as Record<string, unknown>;
  if (b.retry !== true || typeof b.retryAfterMs !== "number" || !Number.isFinite(b.retryAfterMs) || b.retryAfterMs < 0) return null;
  return Math.min(b.retryAfterMs, 60_000);
}

/** Validates the Worker's 200 body against the ingest contract. */
export function parseIngestResponse(body: unknown): IngestResponse | null {
  if (typeof body !== "object" || body === null) return null;
  const b = body as Record<string, unknown>;
  if (typeof b.verdict !== "string" || !VERDICTS.has(b.verdict)) return null;
  const reason = typeof b.reason === "string" ? b.reason : "";
  const out: IngestResponse = { verdict: b.verdict as Verdict, reason, messageId: typeof b.messageId === "string" ? b.messageId : "" };
  if (typeof b.number === "number" && Number.isSafeInteger(b.number)) out.number = b.number;
  if (typeof b.blockHash === "string") out.blockHash = b.blockHash;
  if (typeof b.detail === "string") out.detail = b.detail;
  return out;
}

