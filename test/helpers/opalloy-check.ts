// Runs test/interop/opalloy-check (op-alloy's OpNetworkPayloadEnvelope decoder, the one kona uses) over
// gossip messages. Built with cargo on first use exactly as test/interop/build.sh builds every crate
// there (`cargo build --release --locked`, target dir ~/.cache/op-follow/cargo-target, XDG_CACHE_HOME
// respected), so after .ci/run's build step, or any earlier run, the build here is a no-op check.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { decodeEnvelope, MIN_ENVELOPE_SIZE } from "../../src/protocol/envelope.ts";
import { toHex } from "../../src/protocol/hex.ts";
import { payloadHash, recoverSigner, signingHash } from "../../src/protocol/signature.ts";
import { MAX_GOSSIP_SIZE, snappyDecode } from "../../src/protocol/snappy.ts";
import type { BlockVersion } from "../../src/protocol/types.ts";
import { PROJECT_ROOT } from "./vectors.ts";

export const OPALLOY_CRATE = join(PROJECT_ROOT, "test/interop/opalloy-check");
const CARGO_TARGET_DIR = join(process.env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "op-follow", "cargo-target");
export const OPALLOY_BIN = join(CARGO_TARGET_DIR, "release", "opalloy-check");

/** The signing domain the checker applies: op-alloy's own `signature_message` (domain 0), or 0x00…01. */
export type CheckDomain = "blocks" | "cross-safe";

export interface CheckInput {
  version: BlockVersion;
  chainId: bigint;
  domain: CheckDomain;
  /** message.data as on the wire (snappy block format). */
  message: Uint8Array;
}

/** What the checker prints for one message: every integer as a decimal string, bytes as 0x hex. */
export type CheckOutput =
  | {
      ok: true;
      version: number;
      payloadHash: string;
      signingHash: string;
      signature: string;
      yParity: number;
      signer?: string;
      signerError?: string;
      parentBeaconBlockRoot: string | null;
      txCount: number;
      payload: Record<string, unknown>;
    }
  | { ok: false; error: string };

function haveCargo(): boolean {
  return spawnSync("cargo", ["--version"], { stdio: "ignore" }).status === 0;
}

/** Whether the checker can run here: cargo to build it, or a binary built earlier. */
export function opalloyCheckRunnable(): boolean {
  return haveCargo() || existsSync(OPALLOY_BIN);
}

/**
 * Makes sure the binary is there and current: with cargo, `cargo build --release --locked` (a no-op when fresh);
 * without cargo, a binary built earlier is used as is. Returns why it cannot run, or undefined. Once per process.
 */
export function ensureOpalloyCheck(): string | undefined {
  return (ensured ??= { why: build() }).why;
}
let ensured: { why: string | undefined } | undefined;

function build(): string | undefined {
  if (!haveCargo()) return existsSync(OPALLOY_BIN) ? undefined : "cargo not found (install Rust to run the op-alloy cross-check)";
  execFileSync("cargo", ["build", "--release", "--locked", "--quiet", "--manifest-path", join(OPALLOY_CRATE, "Cargo.toml")], {
    env: { ...process.env, CARGO_TARGET_DIR },
    stdio: ["ignore", "inherit", "inherit"],
  });
  return undefined;
}

/** Decodes every message in one run of the checker; outputs are in input order. */
export function runOpalloyCheck(inputs: readonly CheckInput[]): CheckOutput[] {
  const stdin = inputs.map((i) => `${i.version} ${i.chainId} ${i.domain} ${toHex(i.message).slice(2)}\n`).join("");
  const r = spawnSync(OPALLOY_BIN, [], { input: stdin, encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`opalloy-check exited with ${r.status}: ${r.stderr}`);
  const lines = r.stdout.split("\n").filter((l) => l !== "");
  if (lines.length !== inputs.length) throw new Error(`opalloy-check answered ${lines.length} lines for ${inputs.length} messages`);
  return lines.map((l) => JSON.parse(l) as CheckOutput);
}

/**
 * The same view of a message from op-follow's own codec (snappy.ts, envelope.ts, signature.ts), in the
 * checker's output format, so the two compare with one toEqual.
 */
export function decodeOurs(input: CheckInput, domainBytes: Uint8Array): CheckOutput {
  const d = snappyDecode(input.message, MAX_GOSSIP_SIZE);
  if (!d.ok) return { ok: false, error: d.error };
  if (d.data.length < MIN_ENVELOPE_SIZE) return { ok: false, error: "too-short" };
  const e = decodeEnvelope(d.data, input.version);
  if (!e.ok) return { ok: false, error: e.error };
  const { payload: p, signature, signedBytes, parentBeaconBlockRoot } = e.envelope;
  const ph = payloadHash(signedBytes);
  const sh = signingHash(input.chainId, ph, domainBytes);
  const signer = recoverSigner(signature, sh);
  const payload: Record<string, unknown> = {
    parentHash: toHex(p.parentHash),
    feeRecipient: toHex(p.feeRecipient),
    stateRoot: toHex(p.stateRoot),
    receiptsRoot: toHex(p.receiptsRoot),
    logsBloom: toHex(p.logsBloom),
    prevRandao: toHex(p.prevRandao),
    blockNumber: String(p.blockNumber),
    gasLimit: String(p.gasLimit),
    gasUsed: String(p.gasUsed),
    timestamp: String(p.timestamp),
    extraData: toHex(p.extraData),
    baseFeePerGas: String(p.baseFeePerGas),
    blockHash: toHex(p.blockHash),
    transactions: p.transactions.map((t) => toHex(t)),
  };
  if (p.withdrawals)
    payload["withdrawals"] = p.withdrawals.map((w) => ({ index: String(w.index), validatorIndex: String(w.validatorIndex), address: toHex(w.address), amount: String(w.amount) }));
  if (p.blobGasUsed !== undefined) payload["blobGasUsed"] = String(p.blobGasUsed);
  if (p.excessBlobGas !== undefined) payload["excessBlobGas"] = String(p.excessBlobGas);
  if (p.withdrawalsRoot) payload["withdrawalsRoot"] = toHex(p.withdrawalsRoot);
  return {
    ok: true,
    version: input.version,
    payloadHash: toHex(ph),
    signingHash: toHex(sh),
    signature: toHex(signature),
    yParity: signature[64]!,
    ...(signer ? { signer } : { signerError: "not recoverable" }),
    parentBeaconBlockRoot: parentBeaconBlockRoot ? toHex(parentBeaconBlockRoot) : null,
    txCount: p.transactions.length,
    payload,
  };
}
