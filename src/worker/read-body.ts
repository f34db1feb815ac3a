// The ingest request's body (a gossip message, up to 10 MiB) read into one buffer of its declared
// length. `Request.arrayBuffer()` in workerd gathers the body in parts and then joins them: for a
// moment the message is held twice (measured: 2-3× a 10 MB body in peak RSS, against 1.1× read
// this way; bench/README.md "Big blocks inside workerd").
import { readExactly } from "../durable/stream-bytes.ts";

/**
 * The body's bytes. With a Content-Length up to `max` (the route's body limit has refused larger
 * ones), read into one buffer of that size; otherwise (none, chunked) as `arrayBuffer()` does.
 */
export async function readBody(req: Request, max: number): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (!req.body || !Number.isSafeInteger(declared) || declared <= 0 || declared > max) return new Uint8Array(await req.arrayBuffer());
  return readExactly(req.body, declared);
}
