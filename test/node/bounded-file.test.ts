// Files read at startup (issue 10): a state, key, ban, discovery-database or secret file that is a FIFO or /dev/zero once
// hung the process or read ~512 MB, and a publisher cursor beyond 64 bits was accepted and then
// failed every poll. Each is now refused at once with an error naming the file.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBoundedFile } from "../../src/node/bounded-file.ts";
import { loadState, MAX_STATE_FILE_BYTES } from "../../src/publisher/state.ts";
import { parsePublishArgs } from "../../src/publisher/cli.ts";
import { MAX_BAN_FILE_BYTES, readBanFile } from "../../src/relay/ban-file.ts";
import { parseRelayArgs } from "../../src/relay/cli.ts";
import { readDiscoveryDb } from "../../src/relay/discovery-db.ts";
import { loadOrCreatePeerKey, MAX_KEY_FILE_BYTES } from "../../src/relay/peer-key.ts";

let dir: string;
let fifo: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "op-follow-files-"));
  fifo = join(dir, "fifo");
  execFileSync("mkfifo", [fifo]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Fails instead of hanging: the old readers never returned on a FIFO. */
function soon<T>(p: Promise<T>, ms = 5_000): Promise<T> {
  let t: ReturnType<typeof setTimeout>;
  return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`hung for ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

describe("readBoundedFile", () => {
  it("reads a regular file (also through a symlink), undefined when missing", async () => {
    const f = join(dir, "small");
    await writeFile(f, "hello\n", { mode: 0o640 });
    await symlink(f, join(dir, "link"));
    expect(await readBoundedFile(f, 6, "test file")).toEqual({ bytes: Buffer.from("hello\n"), mode: 0o640 });
    expect((await readBoundedFile(join(dir, "link"), 6, "test file"))?.bytes.toString()).toBe("hello\n");
    expect(await readBoundedFile(join(dir, "missing"), 6, "test file")).toBeUndefined();
    expect((await readBoundedFile(join(dir, "small"), 1 << 20, "test file"))?.bytes.length).toBe(6);
    const empty = join(dir, "empty");
    await writeFile(empty, "");
    expect((await readBoundedFile(empty, 6, "test file"))?.bytes.length).toBe(0);
  });

  it("refuses a FIFO, a device, a directory and a file over the bound, naming the file", async () => {
    await mkdir(join(dir, "a-dir"), { recursive: true });
    const big = join(dir, "big");
    await writeFile(big, "x".repeat(7));
    const cases: [string, RegExp][] = [
      [fifo, /^test file .*fifo: is a FIFO, not a regular file$/],
      ["/dev/zero", /^test file \/dev\/zero: is a character device, not a regular file$/],
      [join(dir, "a-dir"), /a-dir: is a directory, not a regular file$/],
      [big, /big: is 7 bytes, more than the 6 it can be$/],
    ];
    for (const [path, message] of cases) await expect(soon(readBoundedFile(path, 6, "test file"))).rejects.toThrow(message);
  });
});

describe("files read at startup", () => {
  it("the publisher's state file: a FIFO or /dev/zero fails at once, naming the file", async () => {
    await expect(soon(loadState(fifo))).rejects.toThrow(`state file ${fifo}: is a FIFO, not a regular file`);
    await expect(soon(loadState("/dev/zero"))).rejects.toThrow("state file /dev/zero: is a character device");
    const f = join(dir, "huge-state.json");
    await writeFile(f, " ".repeat(MAX_STATE_FILE_BYTES + 1));
    await expect(loadState(f)).rejects.toThrow(`state file ${f}: is ${MAX_STATE_FILE_BYTES + 1} bytes`);
  });

  it("the publisher's cursor (and every block number, and the chain id) must fit in 64 bits", async () => {
    const f = join(dir, "cursor.json");
    const hash = "0x" + "ab".repeat(32);
    const state = (o: Record<string, unknown>) => JSON.stringify({ version: 1, chainId: "901", cursor: { number: "18446744073709551615", hash }, published: [], inflight: null, ...o });
    await writeFile(f, state({}));
    expect((await loadState(f))?.cursor?.number).toBe(2n ** 64n - 1n);
    const bad: [Record<string, unknown>, string][] = [
      [{ cursor: { number: "18446744073709551616", hash } }, "cursor.number: 18446744073709551616 does not fit in 64 bits"],
      [{ cursor: { number: "1" + "0".repeat(30), hash } }, "cursor.number: expected a decimal string of at most 20 digits"],
      [{ inflight: { number: "99999999999999999999", hash } }, "inflight.number: 99999999999999999999 does not fit in 64 bits"],
      [{ published: [["18446744073709551616", hash]] }, "published[0].number: 18446744073709551616 does not fit in 64 bits"],
      [{ chainId: "18446744073709551616" }, "chainId: 18446744073709551616 does not fit in 64 bits"],
      [{ cursor: { number: -1, hash } }, "cursor.number: expected a decimal string"],
    ];
    for (const [o, message] of bad) {
      await writeFile(f, state(o));
      await expect(loadState(f)).rejects.toThrow(`state file ${f}: ${message}`);
    }
  });

  it("the relay's key file", async () => {
    await expect(soon(loadOrCreatePeerKey(fifo))).rejects.toThrow(`key file ${fifo}: is a FIFO, not a regular file`);
    await expect(soon(loadOrCreatePeerKey("/dev/zero"))).rejects.toThrow("key file /dev/zero: is a character device");
    const f = join(dir, "big.key");
    await writeFile(f, "ab".repeat(MAX_KEY_FILE_BYTES));
    await expect(loadOrCreatePeerKey(f)).rejects.toThrow(`key file ${f}: is ${2 * MAX_KEY_FILE_BYTES} bytes`);
  });

  it("the relay's ban file", async () => {
    await expect(soon(readBanFile(fifo))).rejects.toThrow(`ban file ${fifo}: is a FIFO, not a regular file`);
    await expect(soon(readBanFile("/dev/zero"))).rejects.toThrow("ban file /dev/zero: is a character device");
    const f = join(dir, "bans.json");
    await writeFile(f, " ".repeat(MAX_BAN_FILE_BYTES + 1));
    await expect(readBanFile(f)).rejects.toThrow(`ban file ${f}: is ${MAX_BAN_FILE_BYTES + 1} bytes`);
  });

  it("the discovery database", async () => {
    await expect(soon(readDiscoveryDb(fifo))).rejects.toThrow(`discovery database ${fifo}: is a FIFO, not a regular file`);
    await expect(soon(readDiscoveryDb("/dev/zero"))).rejects.toThrow("discovery database /dev/zero: is a character device");
  });

  it("secret files (--secret-file, --signer-key-file) are refused with the flag and the file named", async () => {
    const relay = ["--chain-id", "10", "--worker-url", "https://w.example", "--relay-id", "r"];
    for (const file of [fifo, "/dev/zero"]) {
      await expect(soon(parseRelayArgs([...relay, "--secret-file", file], {}))).rejects.toThrow(`--secret-file ${file}: is a`);
    }
    const pub = ["--chain-id", "10", "--l2-rpc", "http://127.0.0.1:1", "--rollup-rpc", "http://127.0.0.1:1", "--state-file", join(dir, "s.json")];
    await expect(soon(parsePublishArgs([...pub, "--signer-key-file", fifo], {}))).rejects.toThrow(`--signer-key-file ${fifo}: is a FIFO`);
  });
});
