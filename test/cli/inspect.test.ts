// `bin/op-follow inspect` as a user runs it: a child process reading vector files (hex, 0x-hex, raw
// bytes on stdin), printing one JSON object; exit 0 whatever the verdict, 2 for bad arguments.
import "../../src/node/keccak.ts";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { toHex } from "../../src/protocol/hex.ts";
import { decodeEnvelope } from "../../src/protocol/envelope.ts";
import { computeMessageId } from "../../src/protocol/message-id.ts";
import { signGossipMessage } from "../../src/protocol/publish.ts";
import { CROSS_SAFE_SIGNING_DOMAIN } from "../../src/protocol/signing-domain.ts";
import { snappyDecode } from "../../src/protocol/snappy.ts";
import { buildGossip, Rng, validPayload, withValidBlockHash } from "../helpers/payload-gen.ts";
import { ANVIL, type GossipVector, PROJECT_ROOT, readVectorHex, readVectorJson, vectorPath } from "../helpers/vectors.ts";

const BIN = join(PROJECT_ROOT, "bin/op-follow");
const tmp = mkdtempSync(join(tmpdir(), "op-follow-inspect-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], stdin?: Uint8Array | string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, ["inspect", ...args], { cwd: tmp, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    p.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    p.on("error", reject);
    p.on("close", (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(stdin ?? "");
  });
}

/** Runs and parses the single JSON line a verdict run prints (exit code 0 required). */
async function verdict(args: string[], stdin?: Uint8Array | string): Promise<Record<string, unknown>> {
  const r = await run(args, stdin);
  const lines = r.stdout.trim().split("\n");
  if (r.code !== 0 || lines.length !== 1) throw new Error(`exit ${r.code}, ${lines.length} lines: ${r.stdout} ${r.stderr}`);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

const UNI = "synthetic_v4_unichain_sepolia_35535698_valid";
const uni = readVectorJson<GossipVector>(UNI);
const uniArgs = ["--chain-id", "1301", "--signer", ANVIL[5].address, "--now", String(uni.timestamp)];
const expectedUni = {
  verdict: "accept",
  reason: "valid",
  version: "v4",
  number: Number(uni.block_number),
  blockHash: uni.embedded_block_hash,
  parentHash: uni.decoded_payload.parentHash,
  timestamp: Number(uni.timestamp),
  txCount: uni.decoded_payload.transactions.length,
  signer: uni.recovered_signer,
  payloadHash: uni.payload_hash,
  messageId: uni.message_id.op_node,
};

// The child processes run in parallel (the tests only wait on them), hence concurrent tests using
// the test context's expect.
describe.concurrent("op-follow inspect: verdicts (exit 0)", () => {
  it("hex file (no 0x, trailing newline): every JSON field", async ({ expect }) => {
    expect(await verdict([...uniArgs, vectorPath(`${UNI}.hex`)])).toEqual(expectedUni);
  });

  it("raw bytes on stdin, with '-' and with no file argument", async ({ expect }) => {
    const raw = readVectorHex(UNI);
    expect(await verdict([...uniArgs, "-"], raw)).toEqual(expectedUni);
    expect(await verdict(uniArgs, raw)).toEqual(expectedUni);
  });

  it("hex with 0x (file and stdin), upper case, and a hex chain id", async ({ expect }) => {
    const hex = toHex(readVectorHex(UNI));
    const f = join(tmp, "uni-0x.txt");
    writeFileSync(f, `${hex}\n`);
    expect(await verdict([...uniArgs, f])).toEqual(expectedUni);
    expect(await verdict(uniArgs, `  ${hex.toUpperCase().replace("0X", "0x")}  \n`)).toEqual(expectedUni);
    expect(await verdict(["--chain-id", "0x515", ...uniArgs.slice(2), f])).toEqual(expectedUni);
  });

  it("wrong signer → reject wrong-signer, still exit 0", async ({ expect }) => {
    const name = "synthetic_v4_unichain_sepolia_35535698_wrong_signer";
    const v = readVectorJson<GossipVector>(name);
    const out = await verdict([...uniArgs, vectorPath(`${name}.hex`)]);
    expect(out).toMatchObject({ verdict: "reject", reason: "wrong-signer", signer: v.recovered_signer, messageId: v.message_id.op_node, number: null });
  });

  it.for(["opalloy_gossip_v1", "opalloy_gossip_v2", "opalloy_gossip_v3"])("%s: version detected, accepted at its timestamp", async (name, { expect }) => {
    const v = readVectorJson<GossipVector>(name);
    const out = await verdict(["--chain-id", "100", "--signer", ANVIL[5].address, "--now", String(v.timestamp), vectorPath(`${name}.hex`)]);
    expect(out).toMatchObject({ verdict: "accept", reason: "valid", version: v.topic_version.replace("blocks", ""), messageId: v.message_id.op_node, payloadHash: v.payload_hash });
  });

  it("opalloy_gossip_v4 with its chain-100 signer → reject block-hash-mismatch", async ({ expect }) => {
    const v = readVectorJson<GossipVector>("opalloy_gossip_v4");
    const out = await verdict(["--chain-id", "100", "--signer", v.recovered_signer_by_chain_id!["100"]!, "--now", String(v.timestamp), vectorPath("opalloy_gossip_v4.hex")]);
    expect(out).toMatchObject({ verdict: "reject", reason: "block-hash-mismatch", version: "v4", blockHash: v.embedded_block_hash, messageId: v.message_id.op_node });
  });

  it("--version override: a v4 envelope read as v3 → reject ssz-invalid, id on the v3 topic", async ({ expect }) => {
    const raw = readVectorHex(UNI);
    const out = await verdict([...uniArgs, "--version", "v3", vectorPath(`${UNI}.hex`)]);
    expect(out).toMatchObject({ verdict: "reject", reason: "ssz-invalid", version: "v3", number: null, signer: ANVIL[5].address });
    expect(out.messageId).toBe(toHex(await computeMessageId("/optimism/1301/2/blocks", raw)).slice(2));
    expect(await verdict([...uniArgs, "--version", "4", vectorPath(`${UNI}.hex`)])).toEqual(expectedUni);
  });

  it("--topic cross-safe: the unsafe-topic vector is no attestation (the borrowed-signature finding, protocol notes §8.8)", async ({ expect }) => {
    const later = ["--chain-id", "1301", "--signer", ANVIL[5].address, "--now", String(uni.timestamp + 3 * 3600), vectorPath(`${UNI}.hex`)];
    expect(await verdict([...later, "--topic", "cross-safe"])).toMatchObject({ verdict: "reject", reason: "block-domain-signature" });
    // the design doc's literal scheme, only on request and with its risk stated
    const r = await run([...later, "--topic", "cross-safe", "--attestation-domain", "block"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: "accept", reason: "valid" });
    expect(r.stderr).toMatch(/warning: attestation domain 'block' lets anyone relay a public unsafe block/);
    expect((await run([...later, "--attestation-domain", "nope"])).code).toBe(2);
  });

  it("--topic cross-safe: the same block attested in the cross-safe domain is accepted three hours later (no past window); on a blocks topic it is no unsafe block", async ({ expect }) => {
    const raw = readVectorHex(UNI);
    const d = snappyDecode(raw);
    if (!d.ok) throw new Error(d.error);
    const e = decodeEnvelope(d.data, 4);
    if (!e.ok) throw new Error(e.error);
    const att = signGossipMessage(e.envelope.payload, 4, e.envelope.parentBeaconBlockRoot, 1301n, ANVIL[5].key, CROSS_SAFE_SIGNING_DOMAIN).message;
    const f = join(tmp, "attestation.bin");
    writeFileSync(f, att);
    const later = ["--chain-id", "1301", "--signer", ANVIL[5].address, "--now", String(uni.timestamp + 3 * 3600), f];
    const cs = await verdict([...later, "--topic", "cross-safe"]);
    const { payloadHash: _ph, ...rest } = expectedUni;
    expect(cs).toMatchObject({ ...rest, messageId: toHex(await computeMessageId("/optimism/1301/0/cross-safe-blocks", att)).slice(2) });
    expect(await verdict(later)).toMatchObject({ verdict: "reject", reason: "wrong-signer" });
    expect(await verdict([...later, "--topic", "blocks"])).toMatchObject({ verdict: "reject", reason: "wrong-signer" });
    expect(await verdict([...later.slice(0, -1), vectorPath(`${UNI}.hex`)])).toMatchObject({ verdict: "reject", reason: "timestamp-too-old" });
  });

  it("--jovian-time allows a non-zero blobGasUsed from its activation on", async ({ expect }) => {
    const now = 1_770_000_000;
    const pbr = new Uint8Array(32).fill(3);
    const p = withValidBlockHash(validPayload(new Rng(8), 4, { timestamp: BigInt(now), blobGasUsed: 5000n }), pbr);
    const f = join(tmp, "jovian.bin");
    writeFileSync(f, buildGossip(p, 4, 10n, ANVIL[5].key, pbr).raw);
    const args = ["--chain-id", "10", "--signer", ANVIL[5].address, "--now", String(now), f];
    expect(await verdict(args)).toMatchObject({ verdict: "reject", reason: "blob-gas-used-nonzero" });
    expect(await verdict([...args, "--jovian-time", String(now)])).toMatchObject({ verdict: "accept", reason: "valid" });
    expect(await verdict([...args, "--jovian-time", String(now + 1)])).toMatchObject({ verdict: "reject", reason: "blob-gas-used-nonzero" });
  });

  it("no --signer → ignore no-signer-configured, with what to do; garbage input → a snappy rejection; both exit 0", async ({ expect }) => {
    expect(await verdict(["--chain-id", "1301", "--now", String(uni.timestamp), vectorPath(`${UNI}.hex`)])).toMatchObject({
      verdict: "ignore",
      reason: "no-signer-configured",
      detail: expect.stringContaining("pass --signer <address>"),
      signer: null,
      payloadHash: uni.payload_hash,
    });
    expect(await verdict(uniArgs, "not hex at all \x00\xff")).toMatchObject({ verdict: "reject", reason: expect.stringMatching(/^snappy-/) });
  });

  it("empty input: \"no input\", exit 2, no verdict", async ({ expect }) => {
    for (const input of ["", " \n"]) {
      const r = await run(uniArgs, input);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe("op-follow inspect: no input: stdin is empty\n");
    }
  });
});

describe.concurrent("op-follow inspect: bad arguments (exit 2, usage on stderr, nothing on stdout)", () => {
  const file = vectorPath(`${UNI}.hex`);
  it.for<[string, string[]]>([
    ["missing --chain-id", ["--signer", ANVIL[5].address, file]],
    ["non-numeric --chain-id", ["--chain-id", "abc", file]],
    ["bad --signer", ["--chain-id", "1", "--signer", "0x1234", file]],
    ["bad --topic", ["--chain-id", "1", "--topic", "unsafe", file]],
    ["bad --version", ["--chain-id", "1", "--version", "v5", file]],
    ["cross-safe with a non-v4 version", ["--chain-id", "1", "--topic", "cross-safe", "--version", "v3", file]],
    ["bad --now", ["--chain-id", "1", "--now", "yesterday", file]],
    ["bad --jovian-time", ["--chain-id", "1", "--jovian-time", "-5", file]],
    ["two input files", ["--chain-id", "1", file, file]],
    ["missing input file", ["--chain-id", "1", join(tmp, "does-not-exist")]],
    ["unknown option", ["--chain-id", "1", "--bogus", file]],
  ])("%s", async ([, args], { expect }) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/usage: op-follow inspect/);
  });

  it("--help prints usage and exits 0", async ({ expect }) => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/usage: op-follow inspect/);
  });
});

describe("inspect with chain presets and config files", () => {
  const unichain = vectorPath("synthetic_v4_unichain_sepolia_35535698_valid.hex");

  it("--network takes the chain id and the registry's signer: the synthetic vector is not signed by Unichain Sepolia's sequencer", async ({ expect }) => {
    const v = await verdict(["--network", "unichain-sepolia", "--now", "1762388130", unichain]);
    expect(v).toMatchObject({ verdict: "reject", reason: "wrong-signer", signer: ANVIL[5].address });
  });

  it("--signer overrides the preset's signer", async ({ expect }) => {
    const v = await verdict(["--network", "unichain-sepolia", "--signer", ANVIL[5].address, "--now", "1762388130", unichain]);
    expect(v).toMatchObject({ verdict: "accept", reason: "valid", number: 35535698 });
  });

  it("--config reads a chain config JSON (op-node's rollup.json shape too)", async ({ expect }) => {
    const cfg = join(tmp, "rollup.json");
    writeFileSync(cfg, JSON.stringify({ l2_chain_id: 1301, block_time: 1, l1_system_config_address: "0xaee94b9ab7752d3f7704bde212c0c6a0b701571d", isthmus_time: 0, canyon_time: 0, delta_time: 0, ecotone_time: 0, fjord_time: 0, granite_time: 0, holocene_time: 0 }));
    const v = await verdict(["--config", cfg, "--signer", ANVIL[5].address, "--now", "1762388130", unichain]);
    expect(v).toMatchObject({ verdict: "accept", reason: "valid" });
  });

  it("an unknown preset, a bad config file, or both at once are usage errors", async ({ expect }) => {
    expect((await run(["--network", "nowhere", unichain])).code).toBe(2);
    expect((await run(["--config", join(tmp, "missing.json"), unichain])).code).toBe(2);
    expect((await run(["--network", "op-mainnet", "--config", "x", unichain])).code).toBe(2);
  });
});
