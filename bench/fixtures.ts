// Deterministic, realistic signed cross-safe envelopes (blocksv4 encoding) for benchmarks, tests and
// the devnet. Everything derives from a seed: the block fields, the senders' keys, the calldata; ECDSA
// signing is RFC 6979, so the same seed always yields the same bytes.
//
// A block is what an OP chain (Isthmus+) actually carries: the L1-info deposit (type 0x7e) first,
// then EIP-1559 transactions signed by a pool of senders, with a mix of plain transfers, ERC-20 calls,
// DEX-style swaps and a tail of large calls (≈ 500 bytes per transaction on average, so ~10, ~200 and
// ~2,000 transactions give ≈ 5 KB, ≈ 100 KB and ≈ 1 MB decompressed). The header fields make the
// payload's block hash correct (computeBlockHash), and the envelope is signed like op-node's sequencer
// signs it: signHash(signingHash(chainId, payloadHash(signedBytes), CROSS_SAFE_SIGNING_DOMAIN)).
import { bigintToBytes } from "../src/protocol/bytes.ts";
import { encodeEnvelope, encodeSignedBytes } from "../src/protocol/envelope.ts";
import { computeBlockHash } from "../src/protocol/header.ts";
import { fromHex } from "../src/protocol/hex.ts";
import { keccak256 } from "../src/protocol/keccak/index.ts";
import { rlpEncode, rlpUint, type RlpItem } from "../src/protocol/rlp.ts";
import { addressOfPrivateKey, CROSS_SAFE_SIGNING_DOMAIN, payloadHash, signHash, signingHash } from "../src/protocol/signature.ts";
import { snappyEncode } from "../src/protocol/snappy.ts";
import { crossSafeTopic } from "../src/protocol/topic.ts";
import type { Address, ExecutionPayload } from "../src/protocol/types.ts";

/** The public anvil dev key #5 (the key the shared test vectors are signed with). Never use it for real funds. */
export const DEFAULT_SEQUENCER_KEY = fromHex("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");

export interface EnvelopeFixtureOptions {
  /** Total transactions, the L1-info deposit included (≥ 1). */
  txCount: number;
  /** Any string; equal seeds give byte-identical fixtures. The default ("bench") lands near the sizes. */
  seed?: string;
  chainId?: bigint;
  sequencerKey?: Uint8Array;
  blockNumber?: bigint;
  /** Unix seconds. */
  timestamp?: bigint;
}

export interface EnvelopeFixture {
  txCount: number;
  chainId: bigint;
  /** Address of the sequencer key (the unsafe-block signer to configure). */
  signer: Address;
  topic: string;
  /** The gossip message: snappy(signature ‖ parentBeaconBlockRoot ‖ SSZ v4 payload). */
  raw: Uint8Array;
  /** The uncompressed envelope. */
  decompressed: Uint8Array;
  payload: ExecutionPayload;
  parentBeaconBlockRoot: Uint8Array;
  blockHash: Uint8Array;
  /** A clock for validation: ten minutes after the block (cross-safe blocks are minutes old). */
  now: number;
}

/** xoshiro128** seeded from keccak256(seed): fast, deterministic, not cryptographic. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  constructor(seed: string) {
    const h = keccak256(new TextEncoder().encode(seed));
    const dv = new DataView(h.buffer, h.byteOffset, 32);
    this.s0 = dv.getUint32(0) | 1;
    this.s1 = dv.getUint32(4);
    this.s2 = dv.getUint32(8);
    this.s3 = dv.getUint32(12);
  }
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }
  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + (this.u32() % (hi - lo + 1));
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const x = this.u32();
      for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (x >>> (8 * k)) & 0xff;
    }
    return out;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.u32() % xs.length]!;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A 32-byte ABI word holding a right-aligned value of `n` random bytes (addresses, amounts, ids). */
function word(rng: Rng, n: number): Uint8Array {
  const w = new Uint8Array(32);
  w.set(rng.bytes(n), 32 - n);
  return w;
}

/** A pool of well-known contracts the transactions call, so `to` and calldata addresses repeat as in real blocks. */
function contractPool(rng: Rng, n: number): Uint8Array[] {
  return Array.from({ length: n }, () => rng.bytes(20));
}

/** Calldata shaped like ABI calls: a selector, then words mixing addresses, amounts, small ints and blobs. */
function abiCall(rng: Rng, selector: Uint8Array, words: number, addresses: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(4 + 32 * words);
  out.set(selector, 0);
  for (let i = 0; i < words; i++) {
    const kind = rng.int(0, 9);
    let w: Uint8Array;
    if (kind < 3) {
      w = new Uint8Array(32);
      w.set(rng.pick(addresses), 12); // an address argument
    } else if (kind < 6) {
      w = word(rng, rng.int(6, 16)); // an amount
    } else if (kind < 8) {
      w = word(rng, 1); // a small int, offset or length
    } else {
      w = rng.bytes(32); // a hash, a signature part, packed path data
    }
    out.set(w, 4 + 32 * i);
  }
  return out;
}

interface Sender {
  key: Uint8Array;
  address: Uint8Array;
  nonce: bigint;
}

const ERC20_TRANSFER = fromHex("0xa9059cbb");
const ERC20_APPROVE = fromHex("0x095ea7b3");
const SWAP_SELECTORS = ["0x3593564c", "0x5ae401dc", "0x414bf389", "0x38ed1739", "0x12aa3caf"].map((s) => fromHex(s));
const BIG_SELECTORS = ["0xac9650d8", "0x1fad948c", "0x765e827f", "0x0d5bb8e0"].map((s) => fromHex(s));

/** One signed EIP-1559 transaction: 0x02 ‖ rlp([chainId, nonce, tip, maxFee, gas, to, value, data, accessList, yParity, r, s]). */
function signedEip1559(rng: Rng, chainId: bigint, from: Sender, contracts: Uint8Array[], baseFee: bigint): { tx: Uint8Array; gas: bigint } {
  const roll = rng.int(0, 99);
  let to: Uint8Array;
  let value = 0n;
  let data: Uint8Array;
  let gas: bigint;
  if (roll < 25) {
    to = rng.bytes(20); // plain ETH transfer
    value = BigInt(rng.int(1, 1 << 30)) * 1_000_000_000n;
    data = new Uint8Array(0);
    gas = 21_000n;
  } else if (roll < 60) {
    to = rng.pick(contracts);
    data = abiCall(rng, roll < 52 ? ERC20_TRANSFER : ERC20_APPROVE, 2, contracts);
    gas = BigInt(rng.int(35_000, 65_000));
  } else if (roll < 90) {
    to = rng.pick(contracts);
    data = abiCall(rng, rng.pick(SWAP_SELECTORS), rng.int(8, 28), contracts);
    gas = BigInt(rng.int(120_000, 400_000));
  } else {
    to = rng.pick(contracts);
    data = abiCall(rng, rng.pick(BIG_SELECTORS), rng.int(30, 90), contracts);
    gas = BigInt(rng.int(300_000, 1_500_000));
  }
  const accessList: RlpItem[] = [];
  if (rng.int(0, 9) === 0) {
    for (let i = rng.int(1, 2); i > 0; i--) accessList.push([rng.pick(contracts), [rng.bytes(32), rng.bytes(32)]]);
  }
  const tip = BigInt(rng.int(1, 2_000_000));
  const fields: RlpItem[] = [rlpUint(chainId), rlpUint(from.nonce++), rlpUint(tip), rlpUint(baseFee * 2n + tip), rlpUint(gas), to, rlpUint(value), data, accessList];
  const sigHash = keccak256(typed(2, rlpEncode(fields)));
  const sig = signHash(sigHash, from.key); // r ‖ s ‖ yParity, low-s
  const signedFields = [...fields, rlpUint(sig[64]!), stripZeros(sig.subarray(0, 32)), stripZeros(sig.subarray(32, 64))];
  return { tx: typed(2, rlpEncode(signedFields)), gas };
}

function typed(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length);
  out[0] = type;
  out.set(body, 1);
  return out;
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  return b.subarray(i);
}

/**
 * The L1-info deposit (type 0x7e): [sourceHash, from, to, mint, value, gas, isSystemTx, data] with
 * Isthmus `setL1BlockValuesIsthmus` calldata (176 bytes, selector 0x098999be), as op-node derives it.
 */
function l1InfoDeposit(rng: Rng, seq: number, l1Number: bigint, l1Time: bigint): Uint8Array {
  const data = new Uint8Array(176);
  const dv = new DataView(data.buffer);
  data.set(fromHex("0x098999be"), 0);
  dv.setUint32(4, 2000); // baseFeeScalar
  dv.setUint32(8, 900_000); // blobBaseFeeScalar
  dv.setBigUint64(12, BigInt(seq)); // sequenceNumber
  dv.setBigUint64(20, l1Time); // L1 timestamp
  dv.setBigUint64(28, l1Number); // L1 number
  data.set(word(rng, 5), 36); // L1 basefee
  data.set(word(rng, 1), 68); // blob basefee
  data.set(rng.bytes(32), 100); // L1 block hash
  data.set(word(rng, 20), 132); // batcher hash (versioned address)
  dv.setUint32(164, 0); // operatorFeeScalar
  dv.setBigUint64(168, 0n); // operatorFeeConstant
  const depositor = fromHex("0xdeaddeaddeaddeaddeaddeaddeaddeaddead0001");
  const l1Block = fromHex("0x4200000000000000000000000000000000000015");
  return typed(0x7e, rlpEncode([rng.bytes(32), depositor, l1Block, rlpUint(0), rlpUint(0), rlpUint(1_000_000), rlpUint(0), data]));
}

/** Builds one signed v4 envelope with `txCount` transactions (deterministic in the options). */
export function buildEnvelopeFixture(opts: EnvelopeFixtureOptions): EnvelopeFixture {
  const { txCount } = opts;
  if (!Number.isInteger(txCount) || txCount < 1) throw new RangeError("txCount must be a positive integer");
  const chainId = opts.chainId ?? 10n;
  const sequencerKey = opts.sequencerKey ?? DEFAULT_SEQUENCER_KEY;
  const rng = new Rng(`${opts.seed ?? "bench"}/${txCount}`);
  const blockNumber = opts.blockNumber ?? 140_000_000n + BigInt(txCount);
  const timestamp = opts.timestamp ?? 1_760_000_000n + 2n * BigInt(txCount);
  const baseFee = BigInt(rng.int(50, 5_000_000));

  const contracts = contractPool(rng, 40);
  const senders: Sender[] = Array.from({ length: Math.max(1, Math.min(64, txCount >> 2)) }, () => {
    let key = rng.bytes(32);
    key[0] = (key[0]! & 0x7f) | 0x01; // below the curve order, never zero
    const address = fromHex(addressOfPrivateKey(key));
    return { key, address, nonce: BigInt(rng.int(0, 50_000)) };
  });

  const transactions = [l1InfoDeposit(rng, rng.int(0, 5), 23_000_000n + BigInt(txCount), timestamp - 24n)];
  let gasUsed = 50_000n; // the deposit
  for (let i = 1; i < txCount; i++) {
    const { tx, gas } = signedEip1559(rng, chainId, rng.pick(senders), contracts, baseFee);
    transactions.push(tx);
    gasUsed += (gas * BigInt(rng.int(60, 100))) / 100n;
  }

  // A busy block's bloom is dense, a quiet one's sparse.
  const logsBloom = new Uint8Array(256);
  for (let i = 0; i < Math.min(2048, txCount * 6); i++) {
    const bit = rng.int(0, 2047);
    logsBloom[bit >> 3]! |= 1 << (bit & 7);
  }
  // Holocene/Jovian extraData: version 1, denominator 250, elasticity 6, min base fee.
  const extraData = new Uint8Array(17);
  extraData.set([0x01, 0, 0, 0, 250, 0, 0, 0, 6]);
  extraData.set(bigintToBytes(1_000_000n, 8), 9);

  const payload: ExecutionPayload = {
    parentHash: rng.bytes(32),
    feeRecipient: fromHex("0x4200000000000000000000000000000000000011"),
    stateRoot: rng.bytes(32),
    receiptsRoot: rng.bytes(32),
    logsBloom,
    prevRandao: rng.bytes(32),
    blockNumber,
    gasLimit: gasUsed > 60_000_000n ? gasUsed + 10_000_000n : 60_000_000n,
    gasUsed,
    timestamp,
    extraData,
    baseFeePerGas: baseFee,
    blockHash: new Uint8Array(32),
    transactions,
    withdrawals: [],
    blobGasUsed: 0n,
    excessBlobGas: 0n,
    withdrawalsRoot: rng.bytes(32), // Isthmus: the L2ToL1MessagePasser storage root
  };
  const parentBeaconBlockRoot = rng.bytes(32);
  payload.blockHash = computeBlockHash(payload, parentBeaconBlockRoot);

  const signedBytes = encodeSignedBytes(payload, 4, parentBeaconBlockRoot);
  const signature = signHash(signingHash(chainId, payloadHash(signedBytes), CROSS_SAFE_SIGNING_DOMAIN), sequencerKey);
  const decompressed = encodeEnvelope({ version: 4, signature, payload, parentBeaconBlockRoot });
  return {
    txCount,
    chainId,
    signer: addressOfPrivateKey(sequencerKey),
    topic: crossSafeTopic(chainId),
    raw: snappyEncode(decompressed),
    decompressed,
    payload,
    parentBeaconBlockRoot,
    blockHash: payload.blockHash,
    now: Number(timestamp) + 600,
  };
}

/** The benchmark's three sizes (≈ 5 KB, ≈ 100 KB, ≈ 1 MB decompressed). */
export const BENCH_CASES = [
  { name: "small", txCount: 10 },
  { name: "medium", txCount: 200 },
  { name: "large", txCount: 2000 },
] as const;
