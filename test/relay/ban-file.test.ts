// Bans survive a restart (as op-node's do, in its peerstore): the ban file is read defensively,
// written atomically and coalesced, and a restarted relay still refuses the banned peer.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { BAN_FILE_VERSION, BanFileWriter, MAX_BAN_FILE_BYTES, readBanFile, writeBanFile } from "../../src/relay/ban-file.ts";
import { crossSafeTopic } from "../../src/protocol/topic.ts";
import { parseRelayArgs } from "../../src/relay/cli.ts";
import { startStub, waitFor } from "../helpers/relay-ingest-stub.ts";
import { CHAIN_ID, gossipPeer, launchRelay, RELAY_ID, SECRET, stopAll, tcpAddr } from "../helpers/relay-nodes.ts";

const TOPIC = crossSafeTopic(CHAIN_ID);
const dirs: string[] = [];
const cleanup: Array<{ stop(): Promise<void> } | undefined> = [];
afterEach(async () => {
  await stopAll(...cleanup.splice(0));
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "op-follow-bans-"));
  dirs.push(d);
  return d;
}
async function peerIds(n: number): Promise<string[]> {
  return Promise.all(Array.from({ length: n }, async () => peerIdFromPrivateKey(await generateKeyPair("secp256k1")).toString()));
}

describe("ban file", () => {
  it("round-trips unexpired bans, leaves no temp file, and a missing file is no bans", async () => {
    const dir = await tempDir();
    const path = join(dir, "sub", "bans.json");
    expect(await readBanFile(path)).toEqual({ bans: [] });
    const [a, b, c] = await peerIds(3);
    const now = Date.now();
    await writeBanFile(path, [
      [b!, now + 60_000],
      [a!, now + 120_000],
      [c!, now - 1], // expired
    ]);
    expect(await readdir(join(dir, "sub"))).toEqual(["bans.json"]);
    expect(JSON.parse(await readFile(path, "utf8"))).toMatchObject({ version: BAN_FILE_VERSION });
    expect((await readBanFile(path, now)).bans.sort()).toEqual([
      [a, now + 120_000],
      [b, now + 60_000],
    ].sort());
  });

  it("never throws on bad content: it says what it skipped (a file that is not a regular file throws: test/node/bounded-file.test.ts)", async () => {
    const dir = await tempDir();
    const path = join(dir, "bans.json");
    const [good] = await peerIds(1);
    const later = Date.now() + 60_000;
    const cases: [string, RegExp][] = [
      ["{not json", /not JSON/],
      ["[]", /expected \{"version":1/],
      [JSON.stringify({ version: 2, bans: {} }), /expected \{"version":1/],
      [JSON.stringify({ version: 1, bans: [] }), /expected \{"version":1/],
    ];
    for (const [text, warning] of cases) {
      await writeFile(path, text);
      const r = await readBanFile(path);
      expect(r.bans).toEqual([]);
      expect(r.warning).toMatch(warning);
    }
    await writeFile(path, JSON.stringify({ version: 1, bans: { [good!]: later, "not-a-peer-id": later, [`${good}x`]: later, other: "soon" } }));
    expect(await readBanFile(path)).toEqual({ bans: [[good, later]], warning: expect.stringMatching(/skipped 3 invalid entries/) });
    await mkdir(join(dir, "a-directory"));
    await expect(readBanFile(join(dir, "a-directory"))).rejects.toThrow(/ban file .*a-directory: is a directory, not a regular file/);
  });

  it("two writers of one file never leave it unreadable, and a file too large to be ours stops the relay", async () => {
    const dir = await tempDir();
    const path = join(dir, "bans.json");
    const [a, b] = await peerIds(2);
    const later = Date.now() + 60_000;
    await Promise.all(Array.from({ length: 40 }, (_, i) => writeBanFile(path, [[i % 2 ? a! : b!, later + i]]).catch(() => undefined)));
    const r = await readBanFile(path);
    expect(r.warning).toBeUndefined();
    expect(r.bans).toHaveLength(1);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    await writeFile(path, " ".repeat(MAX_BAN_FILE_BYTES + 1));
    await expect(readBanFile(path)).rejects.toThrow(/more than the 8388608/);
  });

  it("coalesces a burst of bans into one write, flushes at once on demand, and reports write errors instead of throwing", async () => {
    const dir = await tempDir();
    const path = join(dir, "bans.json");
    const [p] = await peerIds(1);
    let snapshots = 0;
    const entries = new Map<string, number>();
    const errors: Error[] = [];
    const w = new BanFileWriter(path, () => (snapshots++, entries), (e) => errors.push(e), 100);
    for (let i = 0; i < 20; i++) {
      entries.set(p!, Date.now() + 60_000 + i);
      w.changed();
    }
    await waitFor(() => snapshots === 1, 2_000, "one coalesced write");
    await new Promise((r) => setTimeout(r, 200));
    expect(snapshots).toBe(1);
    expect((await readBanFile(path)).bans).toEqual([[p, entries.get(p!)]]);
    await w.flush(); // nothing changed: no write
    expect(snapshots).toBe(1);
    entries.clear();
    w.changed();
    await w.flush();
    expect(snapshots).toBe(2);
    expect((await readBanFile(path)).bans).toEqual([]);

    const broken = new BanFileWriter(join(dir, "bans.json", "cannot-be-under-a-file"), () => entries, (e) => errors.push(e), 10);
    broken.changed();
    await broken.flush();
    expect(errors).toHaveLength(1);
  });
});

describe("a relay with a ban file", () => {
  it("keeps refusing a banned peer after a restart; --ban-file defaults to <data-dir>/bans.json, off = in memory", async () => {
    const dir = await tempDir();
    const banFile = join(dir, "relay-bans.json");
    const stub = await startStub({ secrets: { [RELAY_ID]: SECRET } });
    const peer = await gossipPeer([TOPIC]);
    cleanup.push(stub, peer);
    const relay = await launchRelay(stub.url, { peers: [tcpAddr(peer)], banFile }, { redialMs: 100 });
    await waitFor(() => relay.node.connectedPeers().includes(peer.peerId), 5_000, "connected");
    await relay.node.ban(peer.peerId, "test", 3_600_000);
    await relay.stop();
    expect((await readBanFile(banFile)).bans.map(([p]) => p)).toEqual([peer.peerId]);

    const again = await launchRelay(stub.url, { peers: [tcpAddr(peer)], banFile }, { redialMs: 100 });
    cleanup.push(again);
    expect(again.node.bans.isBanned(peer.peerId)).toBe(true);
    // neither side can connect: the relay does not dial it, and refuses it dialling in
    await peer.libp2p.dial(again.node.libp2p.getMultiaddrs().find((m) => m.toString().includes("/tcp/") && !m.toString().includes("/ws"))!).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    expect(again.node.connectedPeers()).not.toContain(peer.peerId);

    const config = async (...more: string[]) => {
      const r = await parseRelayArgs(["--chain-id", "901", "--worker-url", "http://127.0.0.1:1", "--relay-id", "r", ...more], { OP_FOLLOW_RELAY_SECRET: "s".repeat(32) });
      if (r.help) throw new Error("help");
      return r.config;
    };
    expect(await config()).toMatchObject({ banFile: join(homedir(), ".op-follow", "relay", "bans.json") });
    expect(await config("--data-dir", dir)).toMatchObject({ banFile: join(dir, "bans.json") });
    expect(await config("--ban-file", banFile)).toMatchObject({ banFile });
    expect(await config("--ban-file", "off")).not.toHaveProperty("banFile");
  });
});
