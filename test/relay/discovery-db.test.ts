// The discovery node database (--discovery-db): read defensively (a bad file or entry is skipped with a
// warning, never thrown), bounded, written atomically; and the sequence number a restart signs with.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DISCOVERY_DB_VERSION, MAX_DB_BYTES, MAX_DB_NODES, readDiscoveryDb, startSeq, writeDiscoveryDb } from "../../src/relay/discovery-db.ts";
import { OP_NODE_DEFAULT_BOOTNODES } from "../../src/relay/bootnodes.ts";

const ENRS = OP_NODE_DEFAULT_BOOTNODES.filter((r) => r.startsWith("enr:"));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "discovery-db-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("discovery node database", () => {
  it("round-trips the sequence number and the records; a missing file is an empty database", async () => {
    const path = join(dir, "a", "db.json"); // the directory is created
    expect(await readDiscoveryDb(path)).toEqual({ nodes: [] });
    await writeDiscoveryDb(path, { seq: 1_764_000_000_123n, nodes: [...ENRS, ENRS[0]!] });
    expect(await readDiscoveryDb(path)).toEqual({ seq: 1_764_000_000_123n, nodes: ENRS });
    expect(JSON.parse(await readFile(path, "utf8"))).toMatchObject({ version: DISCOVERY_DB_VERSION, seq: "1764000000123" });
    expect((await readdir(join(dir, "a"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("writes at most MAX_DB_NODES records", async () => {
    const path = join(dir, "many.json");
    const nodes = Array.from({ length: MAX_DB_NODES + 10 }, (_, i) => `${ENRS[0]}${i}`);
    await writeDiscoveryDb(path, { seq: 5n, nodes });
    expect((await readDiscoveryDb(path)).nodes).toHaveLength(MAX_DB_NODES);
  });

  it("starts afresh, with a warning, from a file that is not one", async () => {
    const cases: Array<[string, string, RegExp]> = [
      ["not-json", "{ nope", /is not JSON/],
      ["wrong-version", JSON.stringify({ version: 2, seq: "1", nodes: [] }), /is not \{"version":1/],
      ["no-seq", JSON.stringify({ version: 1, nodes: [] }), /is not \{"version":1/],
      ["seq-not-decimal", JSON.stringify({ version: 1, seq: "0x10", nodes: [] }), /is not \{"version":1/],
      ["seq-too-large", JSON.stringify({ version: 1, seq: "18446744073709551615", nodes: [] }), /is not \{"version":1/],
      ["nodes-not-array", JSON.stringify({ version: 1, seq: "1", nodes: {} }), /is not \{"version":1/],
      ["array", "[]", /is not \{"version":1/],
      ["null", "null", /is not \{"version":1/],
    ];
    for (const [name, text, warning] of cases) {
      const path = join(dir, `${name}.json`);
      await writeFile(path, text);
      const r = await readDiscoveryDb(path);
      expect(r.nodes, name).toEqual([]);
      expect(r.seq, name).toBeUndefined();
      expect(r.warning, name).toMatch(warning);
      expect(r.warning, name).toContain("starting afresh");
    }
  });

  it("refuses a file larger than MAX_DB_BYTES, or one that is not a regular file (test/node/bounded-file.test.ts)", async () => {
    const big = join(dir, "big.json");
    await writeFile(big, " ".repeat(MAX_DB_BYTES + 1));
    await expect(readDiscoveryDb(big)).rejects.toThrow(`discovery database ${big}: is ${MAX_DB_BYTES + 1} bytes, more than`);
    await expect(readDiscoveryDb(dir)).rejects.toThrow(/is a directory, not a regular file/);
  });

  it("skips invalid entries and those over the limit, keeping the rest", async () => {
    const path = join(dir, "mixed.json");
    const long = `enr:${"A".repeat(600)}`;
    const nodes = [ENRS[0], 42, "enode://x", long, ENRS[0], ENRS[1], ...Array.from({ length: MAX_DB_NODES }, (_, i) => `${ENRS[2]}${i}`)];
    await writeFile(path, JSON.stringify({ version: 1, seq: "7", nodes }));
    const r = await readDiscoveryDb(path);
    expect(r.seq).toBe(7n);
    expect(r.nodes).toHaveLength(MAX_DB_NODES);
    expect(r.nodes.slice(0, 2)).toEqual([ENRS[0], ENRS[1]]);
    expect(r.warning).toBe(`discovery database ${path}: skipped 4 invalid entries and 2 over the limit of ${MAX_DB_NODES}`);
  });

  it("signs a restart with one more than the saved sequence number, a fresh database with the time (geth's localSeq)", () => {
    expect(startSeq(41n)).toBe(42n);
    expect(startSeq(undefined, 1_764_000_000_000)).toBe(1_764_000_000_000n);
  });
});
