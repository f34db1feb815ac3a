// Writing a small state file so that a crash or a power loss leaves the old or the new contents,
// never half of them: a uniquely named temp file in the same directory, fsync, rename (then fsync
// the directory, so the rename itself is durable). Used for the publisher's state and the relay's bans.
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

export async function writeFileAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 }); // state folders hold keys too: private, as op-node's
  // unique per call: two writers (two nodes in a process, two containers that are both pid 1) never share it
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const fh = await open(tmp, "w", mode);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  const d = await open(dir, "r").catch(() => undefined); // not every platform opens directories
  if (d) await d.sync().catch(() => {}).finally(() => d.close());
}
