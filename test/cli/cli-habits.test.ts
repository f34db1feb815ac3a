// CLI habits shared by the commands: --version, chain ids in decimal or hex, environment names by one
// rule (old names still read, with a warning), inspect telling what it waits for, config errors at
// file:line:col, and verdict hints.
import "../../src/node/keccak.ts";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJsonConfig } from "../../src/flags/config-file.ts";
import { envNameOf, parseChainId } from "../../src/flags/flags.ts";
import { runInspect, type InspectIo } from "../../src/cli/inspect.ts";
import { lineCol, locateJson } from "../../src/flags/json-locate.ts";
import { parseChainConfigJson } from "../../src/protocol/chain-config.ts";
import { hintFor } from "../../src/protocol/verdict-hints.ts";
import { REASONS } from "../../src/protocol/verdict.ts";
import { parsePublishArgs, publishUsage } from "../../src/publisher/cli.ts";
import { parseRelayArgs, relayUsage } from "../../src/relay/cli.ts";
import { ANVIL, PROJECT_ROOT, readVectorHex, readVectorJson, vectorPath, type GossipVector } from "../helpers/vectors.ts";
import { SECRET } from "../helpers/relay-nodes.ts";

const BIN = join(PROJECT_ROOT, "bin/op-follow");
const UNI = "synthetic_v4_unichain_sepolia_35535698_valid";
const uni = readVectorJson<GossipVector>(UNI);
const KEY = "0x" + "11".repeat(32);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "op-follow-habits-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function bin(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function inspect(args: string[], io: Partial<InspectIo> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runInspect(args, { stdin: () => new Uint8Array(), stdinIsTty: false, out: (s) => (out += s), err: (s) => (err += s), ...io });
  return { code, out, err };
}

describe("--version", () => {
  it("op-follow --version, and per command", async () => {
    const want = /^op-follow \d+\.\d+\.\d+ \(node v\d+\.\d+\.\d+\)\n$/;
    for (const args of [["--version"], ["-V"], ["relay", "--version"], ["publish", "--chain-id", "1", "--version"], ["devnet", "--version"], ["inspect", "--version"]]) {
      const r = await bin(args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stdout, args.join(" ")).toMatch(want);
    }
    // inspect's --version v1..v4 stays the topic version
    expect((await inspect(["--chain-id", "1301", "--version", "v4", "--signer", ANVIL[5].address, "--now", String(uni.timestamp), vectorPath(`${UNI}.hex`)])).out).toContain('"reason":"valid"');
  });
});

describe("chain ids in decimal or hex, everywhere", () => {
  it("parseChainId", () => {
    expect([parseChainId("901"), parseChainId("0x385"), parseChainId("0X385"), parseChainId(" 10 "), parseChainId("0xffffffffffffffff")]).toEqual([901n, 901n, 901n, 10n, 2n ** 64n - 1n]);
    for (const bad of ["0", "0x0", "-1", "0x", "1e3", "abc", "18446744073709551616", "0x10000000000000000", "01"]) expect(parseChainId(bad), bad).toBeUndefined();
  });

  it("relay, publish and inspect take 0x385", async () => {
    const r = await parseRelayArgs(["--chain-id", "0x385", "--chain-id", "901", "--worker-url", "http://127.0.0.1:1", "--relay-id", "r", "--data-dir", dir], { OP_FOLLOW_RELAY_SECRET: SECRET });
    expect(!r.help && r.config.chainIds).toEqual([901n]);
    const p = await parsePublishArgs(["--chain-id", "0x385", "--l2-rpc", "http://x", "--rollup-rpc", "http://y", "--data-dir", dir], { OP_FOLLOW_PUBLISH_SIGNER_KEY: KEY });
    expect(!p.help && p.config.chainId).toBe(901n);
    await expect(parseRelayArgs(["--chain-id", "0xzz"], {})).rejects.toThrow(/"0xzz" is not a chain id \(a positive decimal like 901 or hex like 0x385/);
    const raw = readVectorHex(UNI);
    expect((await inspect(["--chain-id", "0x515", "--signer", ANVIL[5].address, "--now", String(uni.timestamp)], { stdin: () => raw })).out).toContain('"reason":"valid"');
  });
});

describe("environment variables follow one rule", () => {
  it("every flag of relay and publish is OP_FOLLOW_<COMMAND>_<FLAG>", () => {
    for (const [usage, prefix] of [[relayUsage(), "OP_FOLLOW_RELAY_"], [publishUsage(), "OP_FOLLOW_PUBLISH_"]] as const) {
      const flags = [...usage.matchAll(/^ {2}--([a-z0-9-]+)(?: |$)/gm)].map((m) => m[1]!).filter((f) => f !== "version" && f !== "help");
      const envs = [...usage.matchAll(/^ {6}env: (\S+)$/gm)].map((m) => m[1]!);
      expect(flags.length).toBeGreaterThan(10);
      expect(envs).toEqual(flags.map((f) => envNameOf(prefix, f)));
    }
  });

  it("old names that broke the rule are read, with a warning", async () => {
    const env = { OP_FOLLOW_RELAY_ID: "old-name", OP_FOLLOW_RELAY_SECRET: SECRET, OP_FOLLOW_RELAY_PEERS: "" };
    const r = await parseRelayArgs(["--chain-id", "10", "--worker-url", "http://127.0.0.1:1", "--data-dir", dir], env);
    if (r.help) throw new Error("help");
    expect(r.config.relayId).toBe("old-name");
    expect(r.warnings).toEqual(["OP_FOLLOW_RELAY_ID is deprecated: use OP_FOLLOW_RELAY_RELAY_ID"]);
    const n = await parseRelayArgs(["--chain-id", "10", "--worker-url", "http://127.0.0.1:1", "--data-dir", dir], { ...env, OP_FOLLOW_RELAY_RELAY_ID: "new-name" });
    expect(!n.help && [n.config.relayId, n.warnings]).toEqual(["new-name", undefined]);
  });
});

describe("inspect", () => {
  it("says when it waits on a terminal, and 'no input' for empty input", async () => {
    const raw = readVectorHex(UNI);
    const ok = await inspect(["--chain-id", "1301", "--signer", ANVIL[5].address, "--now", String(uni.timestamp)], { stdinIsTty: true, stdin: () => raw });
    expect(ok.err).toBe("op-follow inspect: reading the message from the terminal: paste it (hex) and press Ctrl-D, or give a FILE\n");
    expect(ok.code).toBe(0);
    const piped = await inspect(["--chain-id", "1301"], { stdin: () => new TextEncoder().encode("\n") });
    expect([piped.code, piped.out, piped.err]).toEqual([2, "", "op-follow inspect: no input: stdin is empty\n"]);
    const f = join(dir, "empty.hex");
    await writeFile(f, "");
    expect((await inspect(["--chain-id", "1301", f])).err).toBe(`op-follow inspect: no input: ${f} is empty\n`);
  });

  it("a broken --config names file:line:col", async () => {
    const f = join(dir, "rollup.json");
    await writeFile(f, '{\n  "l2_chain_id": 1301,\n  "block_time": 2\n  "isthmus_time": 0\n}\n');
    expect((await inspect(["--config", f, vectorPath(`${UNI}.hex`)])).err).toBe(`op-follow inspect: ${f}:4:3: not valid JSON: unexpected "\\""\n`);
    await writeFile(f, '{\n  "l2_chain_id": 1301,\n  "block_time": "soon"\n}\n');
    const bad = await inspect(["--config", f, vectorPath(`${UNI}.hex`)]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(new RegExp(`^op-follow inspect: ${f}:3:3: chain config: field "block_time": `));
  });
});

describe("json-locate and config files", () => {
  it("finds where the text goes wrong, where JSON.parse gives no position too", () => {
    const cases: Array<[string, number]> = [
      ['{"a": x}', 6],
      ['{"a": 1,\n "b": }', 15],
      ['{"a": 1\n "b": 2}', 9],
      ['{"a": tru', 6],
      ['{"a": "x', 8],
      ["", 0],
      ['{"a":1}}', 7],
      ["[1,]", 3],
      ['{"a": 01}', 7],
      ['{"a": "\\q"}', 8],
    ];
    for (const [text, at] of cases) {
      expect(() => JSON.parse(text)).toThrow();
      expect(locateJson(text).errorAt, text).toBe(at);
    }
    expect(locateJson('{"a": [1, {"b": true}], "c": {"d": null}}')).toEqual({ keys: new Map([["a", 1], ["a.b", 11], ["c", 24], ["c.d", 30]]) });
    expect(lineCol("ab\ncd\n", 4)).toEqual({ line: 2, col: 2 });
  });

  it("names the file, and the key's line for a bad value", async () => {
    const f = join(dir, "chain.json");
    await writeFile(f, '{\n  "chainId": 901,\n  "blockTime": 2,\n  "hardforks": {\n    "isthmus": "later"\n  }\n}\n');
    expect(() => readJsonConfig(f, parseChainConfigJson)).toThrow(new RegExp(`^${f}:5:5: chain config: field "hardforks.isthmus"`));
    expect(() => readJsonConfig(join(dir, "nope.json"), parseChainConfigJson)).toThrow(`${join(dir, "nope.json")}: cannot read: ENOENT`);
  });
});

describe("verdict hints", () => {
  it("every verdict with a fix on the user's side carries one; a bad message none", () => {
    const withFix = ["no-signer-configured", "wrong-signer", "block-domain-signature", "timestamp-too-old", "timestamp-in-future", "blob-gas-used-nonzero", "ssz-invalid"];
    for (const r of Object.keys(REASONS)) expect(hintFor(r, "inspect") !== undefined, r).toBe(withFix.includes(r));
    expect(hintFor("no-signer-configured", "inspect")).toContain("pass --signer");
    for (const r of ["chain-not-served", "signer-unavailable:rpc-timeout", "rpc-timeout:l1", "rpc-wrong-chain:l2", "halted-equivocation", "block-over-limit"]) expect(hintFor(r, "relay"), r).toBeDefined();
    for (const r of ["signature-invalid", "duplicate", "at-or-below-head", "consolidation-mismatch:stateRoot"]) expect(hintFor(r, "relay"), r).toBeUndefined();
  });

  it("inspect appends the hint to the rule's own detail", async () => {
    const later = ["--chain-id", "1301", "--signer", ANVIL[5].address, "--now", String(uni.timestamp + 3600), vectorPath(`${UNI}.hex`)];
    const v = JSON.parse((await inspect(later)).out) as { reason: string; detail: string };
    expect(v.reason).toBe("timestamp-too-old");
    expect(v.detail).toMatch(/^block time \d+, now \d+; the blocks topics drop blocks older than 60 s: pass --now/);
  });
});
