// The settle call as it crosses from the Worker to the chain's Durable Object: the check's raw gossip
// message (up to 10 MiB) travels beside the call as a stream of small chunks, not inside it.
//
// Workers RPC serializes a call's arguments into one message. A 10 MiB Uint8Array there costs the
// Worker the serializer's buffer and the message built from it (≈ 2× the envelope, on top of the
// request body and its decompressed copy), and the object the message and its deserialized copy.
// Streamed, each side holds the bytes once: the Worker its request body, the object the buffer it
// reads them into (bench/README.md "Big blocks inside workerd" has the measured copies).
import { MAX_GOSSIP_SIZE } from "../protocol/snappy.ts";
import { checkRaw, type SettleCheck, type SettleRequest } from "./ingest-steps.ts";
import { readExactly } from "./stream-bytes.ts";

/** What one stream chunk holds: small against the envelope, large enough to keep the chunks few. */
export const RAW_CHUNK_BYTES = 64 * 1024;

/** A settle request on the wire: `check` without its raw message, which `raw` streams. */
export interface SettleCall extends SettleRequest {
  raw?: { length: number; stream: ReadableStream<Uint8Array> };
}

const EMPTY = new Uint8Array(0);

/**
 * The raw message the object keeps: a held block's (re-checked from it) and a consolidated one's (the
 * head's envelope, evidence if the height is ever equivocated). A mismatch is REJECTed and recorded
 * by hash, its bytes never read (machine.ts decide): they are not sent.
 */
function keptRawOf(c: SettleCheck): Uint8Array | undefined {
  return c.kind === "outcome" && c.outcome.kind === "mismatch" ? undefined : checkRaw(c);
}

/** The check with `raw` in the place its raw message goes. */
function withRaw(c: SettleCheck, raw: Uint8Array): SettleCheck {
  if (c.kind === "hold") return { ...c, pending: { ...c.pending, raw } };
  if (c.kind === "outcome") return { ...c, outcome: c.outcome.kind === "consolidated" ? { ...c.outcome, candidate: { ...c.outcome.candidate, raw } } : { ...c.outcome, raw } };
  return c;
}

/** A stream over `raw` in RAW_CHUNK_BYTES views of it: no copy is made here. */
function chunks(raw: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (at >= raw.length) return ctl.close();
      ctl.enqueue(raw.subarray(at, at + RAW_CHUNK_BYTES));
      at += RAW_CHUNK_BYTES;
    },
  });
}

/** The Worker's side: the request with its check's raw message moved into a stream (or left out: keptRawOf). */
export function toSettleCall(req: SettleRequest & { check: SettleCheck }): SettleCall {
  if (!checkRaw(req.check)?.length) return req;
  const check = withRaw(req.check, EMPTY);
  const raw = keptRawOf(req.check);
  return raw ? { ...req, check, raw: { length: raw.length, stream: chunks(raw) } } : { ...req, check };
}

/**
 * The object's side: the request as the ingest steps take it, the streamed raw message read back
 * into its check (one buffer of the announced length). A call without a stream is returned as is.
 */
export async function fromSettleCall(call: SettleCall): Promise<SettleRequest> {
  const { raw, ...req } = call;
  if (!raw) return req;
  if (!req.check || keptRawOf(req.check) === undefined) {
    await raw.stream.cancel();
    throw new Error("settle: a raw message streamed for a check that has none");
  }
  if (!Number.isSafeInteger(raw.length) || raw.length < 0 || raw.length > MAX_GOSSIP_SIZE) {
    await raw.stream.cancel();
    throw new Error(`settle: bad raw message length ${raw.length}`);
  }
  const out = await readExactly(raw.stream, raw.length);
  return { ...req, check: withRaw(req.check, out) };
}
