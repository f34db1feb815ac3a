// L1 blocks of the devnet: post-Prague execution headers (withdrawals, blob gas, parent beacon
// root, requestsHash = sha256("") as no EIP-7685 requests are made), real beacon withdrawals, and
// EIP-1559 transactions from dev accounts that call OptimismPortal.depositTransaction, each emitting
// the TransactionDeposited log op-node derives user deposits from (optimism
// packages/contracts-bedrock OptimismPortal2: opaqueData = abi.encodePacked(msg.value, _value,
// _gasLimit, _isCreation, _data); op-node op-node/rollup/derive/deposit_log.go reads it back).
import { bigintToBytes, concatBytes } from "../protocol/bytes.ts";
import { withdrawalsRootOf } from "../protocol/header.ts";
import { fromHex, toHex } from "../protocol/hex.ts";
import { keccak256 } from "../protocol/keccak/index.ts";
import type { Address, Hash, Withdrawal } from "../protocol/types.ts";
import { intrinsicGas, nextBaseFee, receiptsOf, seal, type L1Block, type L1Deposit, type UserTxRecord } from "./block.ts";
import { DEV_ACCOUNTS } from "./dev-accounts.ts";
import type { Rng } from "./rng.ts";
import { signDynamicFeeTx } from "./tx.ts";

const enc = new TextEncoder();
const selector = (sig: string): Uint8Array => keccak256(enc.encode(sig)).slice(0, 4);

export const DEPOSIT_TRANSACTION_SELECTOR = selector("depositTransaction(address,uint256,uint64,bool,bytes)");
/** topic0 of `TransactionDeposited(address indexed from, address indexed to, uint256 indexed version, bytes opaqueData)`. */
export const TRANSACTION_DEPOSITED_TOPIC: Hash = toHex(keccak256(enc.encode("TransactionDeposited(address,address,uint256,bytes)")));

export const L1_GAS_LIMIT = 36_000_000n;
/** EIP-1559 on L1: elasticity 2, denominator 8. */
const L1_FEE_PARAMS = { denominator: 8n, elasticity: 2n };
export const L1_GENESIS_BASE_FEE = 1_000_000_000n;
const L1_EXTRA_DATA = enc.encode("op-follow devnet");
const ZERO_HASH = new Uint8Array(32);
const GWEI = 1_000_000_000n;

export interface L1Params {
  chainId: bigint;
  genesisTime: bigint;
  blockTime: number;
  portal: Address;
  /** Indexes into DEV_ACCOUNTS of the accounts that make deposits. */
  depositors: readonly number[];
  /** Indexes into DEV_ACCOUNTS that receive deposits on L2. */
  recipients: readonly number[];
  /** Probability that an L1 block carries user deposits (1–2 of them). */
  depositChance: number;
}

const word = (v: bigint): Uint8Array => bigintToBytes(v, 32);
const addrWord = (a: Address): Uint8Array => concatBytes(new Uint8Array(12), fromHex(a));

function depositCalldata(to: Address, value: bigint, gasLimit: bigint, data: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.ceil(data.length / 32) * 32);
  padded.set(data);
  return concatBytes(DEPOSIT_TRANSACTION_SELECTOR, addrWord(to), word(value), word(gasLimit), word(0n), word(0xa0n), word(BigInt(data.length)), padded);
}

/** abi.encode(bytes opaqueData) of the TransactionDeposited event. */
function depositLogData(d: Omit<L1Deposit, "logIndex" | "from" | "to">): Uint8Array {
  const opaque = concatBytes(word(d.mint), word(d.value), bigintToBytes(d.gasLimit, 8), Uint8Array.of(0), d.data);
  const padded = new Uint8Array(Math.ceil(opaque.length / 32) * 32);
  padded.set(opaque);
  return concatBytes(word(0x20n), word(BigInt(opaque.length)), padded);
}

function withdrawalsFor(rng: Rng, number: bigint, salt: number, firstIndex: bigint): Withdrawal[] {
  if (number === 0n) return [];
  return [0, 1].map((i) => ({
    index: firstIndex + BigInt(i),
    validatorIndex: rng.int(1_000_000n, "l1-withdrawal-validator", number, salt, i),
    address: rng.bytes(20, "l1-withdrawal-address", number, salt, i),
    amount: 10_000_000n + rng.int(10_000_000n, "l1-withdrawal-amount", number, salt, i),
  }));
}

function nextWithdrawalIndex(parent: L1Block | undefined): bigint {
  const ws = parent?.payload.withdrawals ?? [];
  return ws.length ? ws[ws.length - 1]!.index + 1n : 0n;
}

/** Builds L1 block `parent.number + 1` (or the genesis block when parent is undefined). */
export function buildL1Block(rng: Rng, p: L1Params, parent: L1Block | undefined, salt: number): L1Block {
  const number = parent ? parent.number + 1n : 0n;
  const timestamp = p.genesisTime + number * BigInt(p.blockTime);
  const baseFee = parent ? nextBaseFee({ ...parent.payload }, L1_FEE_PARAMS) : L1_GENESIS_BASE_FEE;
  const nonces = new Map(parent?.nonces ?? []);
  const txs: UserTxRecord[] = [];
  const deposits: L1Deposit[] = [];
  if (parent && rng.chance(p.depositChance, "l1-deposits", number, salt)) {
    const n = rng.range(1, 2, "l1-deposit-count", number, salt);
    for (let i = 0; i < n; i++) {
      const sender = DEV_ACCOUNTS[p.depositors[(Number(number) + i) % p.depositors.length]!]!;
      const to = DEV_ACCOUNTS[p.recipients[Number(rng.int(BigInt(p.recipients.length), "l1-deposit-to", number, salt, i))]!]!.address;
      const mint = (1n + rng.int(1000n, "l1-deposit-mint", number, salt, i)) * 1_000_000_000_000_000n; // 0.001–1 ETH
      const dep = { mint, value: mint, gasLimit: 100_000n, data: new Uint8Array(0) };
      const key = sender.address.toLowerCase();
      const nonce = nonces.get(key) ?? 0n;
      nonces.set(key, nonce + 1n);
      const input = depositCalldata(to, dep.value, dep.gasLimit, dep.data);
      const tip = GWEI;
      const signed = signDynamicFeeTx({ chainId: p.chainId, nonce, maxPriorityFeePerGas: tip, maxFeePerGas: baseFee * 2n + tip, gas: 200_000n, to: p.portal, value: mint, input }, sender.privateKey);
      const log = {
        address: p.portal,
        topics: [TRANSACTION_DEPOSITED_TOPIC, toHex(addrWord(sender.address)), toHex(addrWord(to)), toHex(word(0n))] as Hash[],
        data: depositLogData(dep),
      };
      txs.push({ ...signed, gasUsed: intrinsicGas(input) + 60_000n, logs: [log] });
      deposits.push({ logIndex: BigInt(i), from: sender.address, to, ...dep });
    }
  }
  const withdrawals = withdrawalsFor(rng, number, salt, nextWithdrawalIndex(parent));
  const r = receiptsOf(txs);
  const transactions = txs.map((t) => t.raw);
  const sealed = seal(
    {
      parentHash: parent ? fromHex(parent.hash) : ZERO_HASH,
      feeRecipient: rng.bytes(20, "l1-fee-recipient"),
      stateRoot: rng.bytes32("l1-state", number, salt),
      receiptsRoot: r.receiptsRoot,
      logsBloom: r.logsBloom,
      prevRandao: rng.bytes32("l1-randao", number, salt),
      blockNumber: number,
      gasLimit: L1_GAS_LIMIT,
      gasUsed: r.gasUsed,
      timestamp,
      extraData: L1_EXTRA_DATA,
      baseFeePerGas: baseFee,
      transactions,
      withdrawals,
      blobGasUsed: 0n,
      excessBlobGas: 0n,
      withdrawalsRoot: withdrawalsRootOf(withdrawals),
    },
    number === 0n ? ZERO_HASH : rng.bytes32("l1-beacon-root", number, salt),
  );
  return {
    layer: "l1",
    hash: sealed.hash,
    number,
    parentHash: parent ? parent.hash : toHex(ZERO_HASH),
    timestamp,
    payload: sealed.payload,
    parentBeaconBlockRoot: number === 0n ? ZERO_HASH : rng.bytes32("l1-beacon-root", number, salt),
    transactionsRoot: sealed.transactionsRoot,
    size: sealed.size,
    txs,
    nonces,
    deposits,
    salt,
  };
}
