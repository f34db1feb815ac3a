// The body of an ingest verdict (IngestResponse), in the API's dialect: the block number as a JSON
// number, and a `detail` hint for every verdict whose fix is the operator's (verdict-hints.ts, the
// same hints the relay logs), after any detail of the Worker's own (e.g. the sizes behind
// `block-over-limit`). A verdict that only says the message is bad carries none.
import type { IngestResponse } from "../protocol/ingest-auth.ts";
import type { Verdict } from "../protocol/verdict.ts";
import { withHint } from "../protocol/verdict-hints.ts";

export interface VerdictFacts {
  verdict: Verdict;
  reason: string;
  messageId: string;
  number?: bigint;
  blockHash?: string;
  detail?: string;
}

export function ingestAnswer(f: VerdictFacts): IngestResponse {
  const detail = f.verdict === "accept" ? f.detail : withHint(f.detail, f.reason, "relay");
  return {
    verdict: f.verdict,
    reason: f.reason,
    messageId: f.messageId,
    ...(f.number !== undefined ? { number: Number(f.number) } : {}),
    ...(f.blockHash !== undefined ? { blockHash: f.blockHash } : {}),
    ...(detail !== undefined ? { detail } : {}),
  };
}
