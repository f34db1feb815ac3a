// Reading a small file the process depends on at startup (state, keys, bans, secrets): it must be a
// regular file of bounded size, or the process stops with an error naming the file. A FIFO would
// block the read (and a plain open) forever and /dev/zero never ends: both once hung a relay or read
// 512 MB (issue 10). Opened non-blocking, checked with fstat on the descriptor itself (no window
// between a check and the read), and read no further than the bound even if the file grows.
import { constants, type Stats } from "node:fs";
import { open } from "node:fs/promises";

export interface BoundedFile {
  bytes: Buffer;
  /** permission bits */
  mode: number;
}

function kind(st: Stats): string {
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isDirectory()) return "a directory";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * The contents of `path`, or undefined when it does not exist. Throws an Error naming the file
 * (`<what> <path>: …`) when it is not a regular file, holds more than `maxBytes`, or cannot be read.
 */
export async function readBoundedFile(path: string, maxBytes: number, what: string): Promise<BoundedFile | undefined> {
  let fh;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new Error(`${what} ${path}: cannot open (${code ?? (e as Error).message})`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`${what} ${path}: is ${kind(st)}, not a regular file`);
    if (st.size > maxBytes) throw new Error(`${what} ${path}: is ${st.size} bytes, more than the ${maxBytes} it can be`);
    let buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > maxBytes) throw new Error(`${what} ${path}: grew past the ${maxBytes} bytes it can be while being read`);
      if (n === buf.length) buf = Buffer.concat([buf, Buffer.alloc(Math.min(buf.length, maxBytes + 1 - buf.length))]);
    }
    return { bytes: buf.subarray(0, n), mode: st.mode & 0o777 };
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(`${what} ${path}:`)) throw e;
    throw new Error(`${what} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    await fh.close();
  }
}
