// A byte stream of known length (an ingest request's body, a settle call's raw message) read into
// one buffer of that length. A BYOB reader writes the bytes straight into it: no chunk is allocated
// on the way, where a default reader (or `arrayBuffer()`, which also joins its parts) makes garbage
// the size of the message before the next GC. Messages are up to 10 MiB in a 128 MB isolate.

/** The stream's bytes; it must hold exactly `length` (anything else throws). */
export async function readExactly(stream: ReadableStream<Uint8Array>, length: number): Promise<Uint8Array> {
  let byob: ReadableStreamBYOBReader;
  try {
    byob = stream.getReader({ mode: "byob" });
  } catch {
    return readChunks(stream.getReader(), length); // not a byte stream (one made in JS)
  }
  try {
    // Each read transfers the buffer it filled: continue in the one it hands back.
    let buf = new ArrayBuffer(length);
    let at = 0;
    while (at < length) {
      const { done, value } = await byob.read(new Uint8Array(buf, at, length - at));
      if (!value) throw new Error("stream: a read returned no buffer");
      buf = value.buffer as ArrayBuffer;
      if (done) throw new Error(`stream ended at ${at} of ${length} bytes`);
      at += value.byteLength;
    }
    if (!(await byob.read(new Uint8Array(1))).done) throw new Error(`stream longer than ${length} bytes`);
    return new Uint8Array(buf, 0, length);
  } catch (e) {
    await byob.cancel().catch(() => {});
    throw e;
  }
}

async function readChunks(reader: ReadableStreamDefaultReader<Uint8Array>, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let at = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.length > length - at) throw new Error(`stream longer than ${length} bytes`);
      out.set(value, at);
      at += value.length;
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  }
  if (at !== length) throw new Error(`stream ended at ${at} of ${length} bytes`);
  return out;
}
