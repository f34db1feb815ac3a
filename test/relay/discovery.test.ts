// Discovery between op-follow nodes alone, on 127.0.0.1 (the Go side is in test/interop): records are
// filtered by their opstack entry, a port in use is a clean error, and the node database carries the
// sequence number and the table across a restart.
import { createSocket } from "node:dgram";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDiscovery, type Discovery, type DiscoveryOptions } from "../../src/relay/discovery.ts";
import { parseNodeRecord } from "../../src/relay/enr.ts";
import { silentLogger } from "../../src/relay/log.ts";

const started: Discovery[] = [];
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "discovery-"));
});
afterAll(async () => {
  for (const d of started) await d.stop();
  await rm(dir, { recursive: true, force: true });
});

async function node(chainId: bigint, tcpPort: number, bootnodes: string[], extra: Partial<DiscoveryOptions> = {}): Promise<{ d: Discovery; peerId: string; peers: string[] }> {
  const privateKey = extra.privateKey ?? (await generateKeyPair("secp256k1"));
  const peers: string[] = [];
  const d = await startDiscovery({
    privateKey,
    chainIds: [chainId],
    bindHost: "127.0.0.1",
    udpPort: 0,
    advertiseIp: "127.0.0.1",
    tcpPort,
    bootnodes,
    onPeer: (a) => peers.push(a),
    wantsPeers: () => true,
    lookupInterval: { fastMs: 200, slowMs: 200 },
    log: silentLogger,
    ...extra,
  });
  started.push(d);
  return { d, peerId: peerIdFromPrivateKey(privateKey).toString(), peers };
}

async function until<T>(f: () => T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("discovery (op-follow nodes only)", () => {
  it("advertises ip/tcp/udp and op-node's opstack entry, and dials only records of its chain", async () => {
    const boot = await node(7n, 1000, []);
    const ours = await node(901n, 1111, [boot.d.enr()]);
    const other = await node(902n, 2222, [boot.d.enr()]);
    const me = await node(901n, 3333, [boot.d.enr()]);

    const rec = parseNodeRecord(me.d.enr());
    expect(rec).toMatchObject({ ip: "127.0.0.1", tcp: 3333, udp: me.d.udpPort, peerId: me.peerId, opstack: { chainId: 901n, version: 0n } });

    const want = `/ip4/127.0.0.1/tcp/1111/p2p/${ours.peerId}`;
    await until(() => (me.peers.includes(want) ? true : undefined));
    await until(() => (me.d.stats().otherChain >= 1 ? true : undefined));
    expect(me.peers.every((a) => a === want)).toBe(true);
    expect(me.d.stats()).toMatchObject({ noTcp: 0, invalid: 0 });
    expect(me.d.stats().noOpstack).toBe(0); // the bootnode names chain 7: otherChain
    expect(other.peers.some((a) => a.includes(ours.peerId))).toBe(false);
  });

  it("starts from an enode:// bootnode too (no signed record: pinged, its record fetched)", async () => {
    const bootKey = await generateKeyPair("secp256k1");
    const boot = await node(7n, 1000, [], { privateKey: bootKey });
    const uncompressed = secp256k1.Point.fromBytes(bootKey.publicKey.raw).toBytes(false).subarray(1);
    const enode = `enode://${Buffer.from(uncompressed).toString("hex")}@127.0.0.1:1000?discport=${boot.d.udpPort}`;
    const ours = await node(901n, 5555, [boot.d.enr()]);
    const me = await node(901n, 6666, [enode]);
    await until(() => (me.peers.includes(`/ip4/127.0.0.1/tcp/5555/p2p/${ours.peerId}`) ? true : undefined));
  });

  it("garbage datagrams are dropped; the node keeps working", async () => {
    const boot = await node(7n, 1000, []);
    const s = createSocket("udp4");
    try {
      for (let i = 0; i < 300; i++) {
        const len = [0, 1, 62, 63, 100, 1280, 1500][i % 7]!;
        const b = new Uint8Array(len);
        crypto.getRandomValues(b);
        s.send(b, boot.d.udpPort, "127.0.0.1");
      }
      const ours = await node(901n, 7777, [boot.d.enr()]);
      const me = await node(901n, 8888, [boot.d.enr()]);
      await until(() => (me.peers.includes(`/ip4/127.0.0.1/tcp/7777/p2p/${ours.peerId}`) ? true : undefined));
    } finally {
      s.close();
    }
  });

  it("a UDP port in use is a clean error, not a crash", async () => {
    const s = createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    const port = s.address().port;
    try {
      await expect(node(901n, 1, [], { udpPort: port })).rejects.toThrow(`cannot bind discovery UDP 127.0.0.1:${port}`);
    } finally {
      s.close();
    }
  });

  it("keeps its sequence number and table in the node database across a restart", async () => {
    const db = join(dir, "db.json");
    const privateKey = await generateKeyPair("secp256k1");
    const boot = await node(7n, 1000, []);
    const first = await node(901n, 4444, [boot.d.enr()], { privateKey, dbFile: db });
    const seq1 = parseNodeRecord(first.d.enr()).seq;
    await until(() => (first.d.stats().seen >= 1 ? true : undefined));
    await first.d.stop();
    const saved = JSON.parse(await readFile(db, "utf8")) as { seq: string; nodes: string[] };
    expect(BigInt(saved.seq)).toBe(seq1);
    expect(saved.nodes.map((n) => parseNodeRecord(n).peerId)).toContain(parseNodeRecord(boot.d.enr()).peerId);

    // Restarted with no bootnodes: the table comes back from the database, the record is re-signed higher.
    const second = await node(901n, 4444, [], { privateKey, dbFile: db });
    expect(parseNodeRecord(second.d.enr()).seq).toBe(seq1 + 1n);
    await until(() => (second.d.stats().seen >= 1 ? true : undefined));
  });
});
