import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeFunctionData, hexToBigInt, keccak256 as viemKeccak, parseAbi, sliceHex, toFunctionSelector, type Hex as VHex } from "viem";
import { getSourceHash, parseTransaction, serializeTransaction } from "viem/op-stack";
import "../../src/node/keccak.ts";
import { resolveChainConfig, type ChainConfig } from "../../src/protocol/chain-config.ts";
import { fromHex, toHex } from "../../src/protocol/hex.ts";
import { keccak256 } from "../../src/protocol/keccak/index.ts";
import { rlpEncode, rlpUint, type RlpItem } from "../../src/protocol/rlp.ts";
import {
  decodeDepositTx,
  decodeL1InfoCalldata,
  decodeL1InfoDeposit,
  encodeDepositTx,
  encodeL1InfoCalldata,
  invalidatedBlockSourceHash,
  L1_BLOCK_ADDRESS,
  L1_INFO_DEPOSITOR,
  L1_INFO_LENGTHS,
  L1_INFO_SELECTORS,
  l1InfoDeposit,
  l1InfoDepositSourceHash,
  l1InfoFormatAt,
  upgradeDepositSourceHash,
  userDepositSourceHash,
  type DepositTx,
  type L1Info,
  type L1InfoFormat,
  type Result,
} from "../../src/protocol/l1-info.ts";

function must<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`expected ok, got: ${r.reason}`);
  return r.value;
}
function reason<T>(r: Result<T>): string {
  if (r.ok) throw new Error("expected an error");
  return r.reason;
}

// ---------------------------------------------------------------------------------------------
// Real data. Sources:
//  UNICHAIN  test/vectors/real_block_unichain_sepolia_35535698.json payload.transactions[0]
//            (from alloy-rs/op-alloy a93a08a0 crates/rpc-types-engine/src/envelope.rs, Unichain Sepolia block 35535698)
//  BASE_SEP  Base Sepolia block 33439826, first tx of flashblock 0 in op-alloy's
//            test_from_flashblocks_base_sepolia_block, read in EspressoSystems/optimism-espresso-integration
//            @ b812d219 rust/op-alloy/crates/rpc-types-engine/src/envelope.rs
//  OPM_ECO   OP Mainnet block 118024092 tx 0x88501da5…, op-reth `sanity_l1_block_ecotone`
//            (optimism-espresso-integration @ b812d219 rust/op-reth/crates/evm/src/l1.rs; same bytes in
//            paradigmxyz/reth @ 4b41ecc3 crates/optimism/evm/src/l1.rs)
//  OPM_FJORD OP Mainnet block 124665056 calldata, op-reth `parse_l1_info_fjord` (same file)
//  BEDROCK_TX pre-Regolith Bedrock deposit, op-reth `sanity_l1_block` (same file)
//  ISTHMUS_DEVNET / JOVIAN_DEVNET op-reth `parse_l1_info_isthmus` ("from a devnet with Isthmus activated")
//            and `parse_l1_info_jovian` (the same bytes with the Jovian selector and 0xdead appended)
//  KONA_*    rust/kona/crates/protocol/protocol/src/test_utils.rs RAW_{BEDROCK,ECOTONE,ISTHMUS}_INFO_TX with the
//            values of variant.rs test_*_l1_block_info_tx_roundtrip (optimism-espresso-integration @ b812d219);
//            bedrock/ecotone carry OP Mainnet's batcher, the Isthmus one is the Ecotone one plus 0xabcd/0xdcba.
// ---------------------------------------------------------------------------------------------

const vector = JSON.parse(readFileSync(new URL("../vectors/real_block_unichain_sepolia_35535698.json", import.meta.url), "utf8")) as {
  chain_id: number;
  payload: { timestamp: number; transactions: VHex[] };
};
const UNICHAIN = vector.payload.transactions[0]!;

const BASE_SEP: VHex =
  "0x7ef90104a01c055ffd19ea027da4a8aae0a2734c6bf17c3f487d4cc22931d7dbe261409cda94deaddeaddeaddeaddeaddeaddeaddeaddead00019442000000000000000000000000000000000000158080830f424080b8b0098999be0000044d000a118b000000000000000400000000690fde3c00000000009252e3000000000000000000000000000000000000000000000000000000000000000a00000000000000000000000000000000000000000000000000000000000000014f1595c3798e3082aa093e433bd5cbd102a11f9619d20e6e821c1a30fb56b12b000000000000000000000000fc56e7272eebbba5bc6c544e159483c4a38f8ba3000000000000000000000000";

const OPM_ECO: VHex =
  "0x7ef8f8a0a539eb753df3b13b7e386e147d45822b67cb908c9ddc5618e3dbaa22ed00850b94deaddeaddeaddeaddeaddeaddeaddeaddead00019442000000000000000000000000000000000000158080830f424080b8a4440a5e2000000558000c5fc50000000000000000000000006605a89f00000000012a10d90000000000000000000000000000000000000000000000000000000af39ac3270000000000000000000000000000000000000000000000000000000d5ea528d24e582fa68786f080069bdbfe06a43f8e67bfd31b8e4d8a8837ba41da9a82a54a0000000000000000000000006887246668a3b87f54deb3b94ba47a6f63f32985";

const OPM_FJORD: VHex =
  "0x440a5e200000146b000f79c500000000000000040000000066d052e700000000013ad8a3000000000000000000000000000000000000000000000000000000003ef1278700000000000000000000000000000000000000000000000000000000000000012fdf87b89884a61e74b322bbcf60386f543bfae7827725efaaf0ab1de2294a590000000000000000000000006887246668a3b87f54deb3b94ba47a6f63f32985";

const BEDROCK_TX: VHex =
  "0x7ef9015aa044bae9d41b8380d781187b426c6fe43df5fb2fb57bd4466ef6a701e1f01e015694deaddeaddeaddeaddeaddeaddeaddeaddead000194420000000000000000000000000000000000001580808408f0d18001b90104015d8eb900000000000000000000000000000000000000000000000000000000008057650000000000000000000000000000000000000000000000000000000063d96d10000000000000000000000000000000000000000000000000000000000009f35273d89754a1e0387b89520d989d3be9c37c1f32495a88faf1ea05c61121ab0d1900000000000000000000000000000000000000000000000000000000000000010000000000000000000000002d679b567db6187c0c8323fa982cfb88b74dbcc7000000000000000000000000000000000000000000000000000000000000083400000000000000000000000000000000000000000000000000000000000f4240";

const ISTHMUS_DEVNET: VHex =
  "0x098999be00000558000c5fc500000000000000030000000067a9f765000000000000002900000000000000000000000000000000000000000000000000000000006a6d09000000000000000000000000000000000000000000000000000000000000000172fcc8e8886636bdbe96ba0e4baab67ea7e7811633f52b52e8cf7a5123213b6f000000000000000000000000d3f2c5afb2d76f5579f326b0cd7da5f5a4126c3500004e2000000000000001f4";
const JOVIAN_DEVNET: VHex = `0x3db6be2b${ISTHMUS_DEVNET.slice(10)}dead`;

const KONA_BEDROCK: VHex =
  "0x015d8eb9000000000000000000000000000000000000000000000000000000000117c4eb0000000000000000000000000000000000000000000000000000000065280377000000000000000000000000000000000000000000000000000000026d05d953392012032675be9f94aae5ab442de73c5f4fb1bf30fa7dd0d2442239899a40fc00000000000000000000000000000000000000000000000000000000000000040000000000000000000000006887246668a3b87f54deb3b94ba47a6f63f3298500000000000000000000000000000000000000000000000000000000000000bc00000000000000000000000000000000000000000000000000000000000a6fe0";
const KONA_ECOTONE: VHex =
  "0x440a5e2000000558000c5fc5000000000000000500000000661c277300000000012bec20000000000000000000000000000000000000000000000000000000026e9f109900000000000000000000000000000000000000000000000000000000000000011c4c84c50740386c7dc081efddd644405f04cde73e30a2e381737acce9f5add30000000000000000000000006887246668a3b87f54deb3b94ba47a6f63f32985";
const KONA_ISTHMUS: VHex = `0x098999be${KONA_ECOTONE.slice(10)}0000abcd000000000000dcba`;

const OP_BATCHER = "0x6887246668a3b87f54deb3b94ba47a6f63f32985";

/** Reads the packed (Ecotone+) layout with viem at the byte offsets of the specs' tables, independently of our decoder. */
function specRead(data: VHex) {
  const at = (start: number, end: number) => hexToBigInt(sliceHex(data, start, end));
  return {
    baseFeeScalar: at(4, 8),
    blobBaseFeeScalar: at(8, 12),
    sequenceNumber: at(12, 20),
    l1Timestamp: at(20, 28),
    l1Number: at(28, 36),
    l1BaseFee: at(36, 68),
    blobBaseFee: at(68, 100),
    l1BlockHash: sliceHex(data, 100, 132),
    batcherHash: sliceHex(data, 132, 164),
  };
}

function expectMatchesSpecRead(info: L1Info, data: VHex): void {
  const s = specRead(data);
  expect(info.baseFeeScalar).toBe(Number(s.baseFeeScalar));
  expect(info.blobBaseFeeScalar).toBe(Number(s.blobBaseFeeScalar));
  expect(info.sequenceNumber).toBe(s.sequenceNumber);
  expect(info.l1Timestamp).toBe(s.l1Timestamp);
  expect(info.l1Number).toBe(s.l1Number);
  expect(info.l1BaseFee).toBe(s.l1BaseFee);
  expect(info.blobBaseFee).toBe(s.blobBaseFee);
  expect(info.l1BlockHash).toBe(s.l1BlockHash);
  expect(info.batcherHash).toBe(s.batcherHash);
}

describe("selectors and lengths", () => {
  it("match keccak256 of op-node's function signatures (viem, independent)", () => {
    expect(L1_INFO_SELECTORS.bedrock).toBe(toFunctionSelector("setL1BlockValues(uint64,uint64,uint256,bytes32,uint64,bytes32,uint256,uint256)"));
    expect(L1_INFO_SELECTORS.ecotone).toBe(toFunctionSelector("setL1BlockValuesEcotone()"));
    expect(L1_INFO_SELECTORS.isthmus).toBe(toFunctionSelector("setL1BlockValuesIsthmus()"));
    expect(L1_INFO_SELECTORS.jovian).toBe(toFunctionSelector("setL1BlockValuesJovian()"));
  });
  it("have the specs' lengths", () => {
    expect(L1_INFO_LENGTHS).toEqual({ bedrock: 260, ecotone: 164, isthmus: 176, jovian: 178 });
  });
});

describe("real Unichain Sepolia block 35535698, first transaction", () => {
  const tx = fromHex(UNICHAIN);
  const { info, deposit } = must(decodeL1InfoDeposit(tx));

  it("decodes as an Isthmus L1 info deposit with the values read by hand", () => {
    expect(info).toEqual({
      format: "isthmus",
      baseFeeScalar: 2000, // 0x000007d0
      blobBaseFeeScalar: 900000, // 0x000dbba0
      sequenceNumber: 8n,
      l1Timestamp: 1762388040n, // 0x690be848
      l1Number: 9569326n, // 0x0092042e
      l1BaseFee: 9n,
      blobBaseFee: 1n,
      l1BlockHash: "0x0ffd7e2fb2c36e5f27c015872ce733a7b4f3fc0f4ee668d7469c557c48f8250f",
      batcherHash: "0x0000000000000000000000004ab3387810ef500bfe05a49dc53a44c222cbab3e",
      batcherAddress: "0x4ab3387810ef500bfe05a49dc53a44c222cbab3e",
      operatorFeeScalar: 0,
      operatorFeeConstant: 0n,
    } satisfies L1Info);
    expect(deposit).toMatchObject({
      sourceHash: "0x35dd2ec802504a143048c7830f8f570e0d6cf5147217af869939c6b4ba710a36",
      from: L1_INFO_DEPOSITOR,
      to: L1_BLOCK_ADDRESS,
      mint: 0n,
      value: 0n,
      gas: 1_000_000n,
      isSystemTx: false,
    });
    expect(deposit.data.length).toBe(176);
  });

  it("agrees with viem's OP Stack deposit parser and a by-offset read of the calldata", () => {
    const v = parseTransaction(UNICHAIN as `0x7e${string}`);
    expect(v.type).toBe("deposit");
    if (v.type !== "deposit") return;
    expect(v.sourceHash).toBe(deposit.sourceHash);
    expect(v.from.toLowerCase()).toBe(deposit.from);
    expect(v.to?.toLowerCase()).toBe(deposit.to);
    expect(v.gas).toBe(deposit.gas);
    expect(v.mint ?? 0n).toBe(0n);
    expect(v.value ?? 0n).toBe(0n);
    expect(v.isSystemTx ?? false).toBe(false);
    expect(v.data).toBe(toHex(deposit.data));
    expectMatchesSpecRead(info, toHex(deposit.data));
    expect(hexToBigInt(sliceHex(toHex(deposit.data), 164, 168))).toBe(0n);
    expect(hexToBigInt(sliceHex(toHex(deposit.data), 168, 176))).toBe(0n);
  });

  it("its source hash is the L1 info source hash of (l1BlockHash, sequenceNumber), also per viem", () => {
    expect(l1InfoDepositSourceHash(info.l1BlockHash, info.sequenceNumber)).toBe(deposit.sourceHash);
    expect(getSourceHash({ domain: "l1InfoDeposit", l1BlockHash: info.l1BlockHash, sequenceNumber: Number(info.sequenceNumber) })).toBe(deposit.sourceHash);
  });

  it("scalars and batcher match the registry's genesis SystemConfig for Unichain Sepolia", () => {
    // superchain-registry 8336d2ae superchain/configs/sepolia/unichain.toml [genesis.system_config]:
    // batcherAddress 0x4AB3387810eF500bfe05a49dc53A44C222cbab3e, scalar 0x01…000dbba0000007d0
    // (version 1: blobBaseFeeScalar 0x0dbba0, baseFeeScalar 0x07d0).
    expect(info.batcherAddress).toBe("0x4AB3387810eF500bfe05a49dc53A44C222cbab3e".toLowerCase());
    expect(info.blobBaseFeeScalar).toBe(0x0dbba0);
    expect(info.baseFeeScalar).toBe(0x07d0);
  });

  it("has the format op-node expects at the block's timestamp", () => {
    const cfg = resolveChainConfig(vector.chain_id);
    const ts = BigInt(vector.payload.timestamp);
    expect(l1InfoFormatAt(cfg, ts)).toBe("isthmus");
    expect(must(decodeL1InfoDeposit(tx, l1InfoFormatAt(cfg, ts))).info).toEqual(info);
    expect(reason(decodeL1InfoDeposit(tx, "jovian"))).toMatch(/expected jovian.*found isthmus/);
  });

  it("re-encodes byte for byte (deposit, calldata, and op-node's construction)", () => {
    expect(toHex(encodeDepositTx(deposit))).toBe(UNICHAIN);
    expect(toHex(encodeL1InfoCalldata(info))).toBe(toHex(deposit.data));
    expect(toHex(encodeDepositTx(l1InfoDeposit(info)))).toBe(UNICHAIN);
  });
});

describe("real Base Sepolia block 33439826 (Isthmus)", () => {
  it("decodes, agrees with a by-offset read, and round-trips", () => {
    const { info, deposit } = must(decodeL1InfoDeposit(fromHex(BASE_SEP)));
    expect(info.format).toBe("isthmus");
    expectMatchesSpecRead(info, toHex(deposit.data));
    expect(info).toMatchObject({ baseFeeScalar: 0x44d, blobBaseFeeScalar: 0xa118b, sequenceNumber: 4n, l1Timestamp: 0x690fde3cn, l1Number: 0x9252e3n, l1BaseFee: 10n, blobBaseFee: 1n });
    expect(info.batcherAddress).toBe("0xfc56e7272eebbba5bc6c544e159483c4a38f8ba3");
    expect(l1InfoDepositSourceHash(info.l1BlockHash, info.sequenceNumber)).toBe(deposit.sourceHash);
    // Timestamp 0x690fdf84: after Base Sepolia's Isthmus, before its Jovian (registry 5b055be4).
    expect(l1InfoFormatAt(resolveChainConfig("base-sepolia"), 0x690fdf84n)).toBe("isthmus");
    expect(toHex(encodeDepositTx(deposit))).toBe(BASE_SEP);
  });
});

describe("real OP Mainnet data (op-reth fixtures)", () => {
  it("block 118024092: Ecotone deposit, values asserted by op-reth, tx hash and source hash", () => {
    const bytes = fromHex(OPM_ECO);
    // The tx hash of a typed tx is keccak256 of its bytes: this is the real transaction.
    expect(toHex(keccak256(bytes))).toBe("0x88501da5d5ca990347c2193be90a07037af1e3820bb40774c8154871c7669150");
    const { info, deposit } = must(decodeL1InfoDeposit(bytes));
    expect(info.format).toBe("ecotone");
    expect(info.l1BaseFee).toBe(47036678951n);
    expect(info.baseFeeScalar).toBe(1368);
    expect(info.blobBaseFee).toBe(57422457042n);
    expect(info.blobBaseFeeScalar).toBe(810949);
    expect(info.batcherAddress).toBe(OP_BATCHER);
    expectMatchesSpecRead(info, toHex(deposit.data));
    expect(l1InfoDepositSourceHash(info.l1BlockHash, info.sequenceNumber)).toBe(deposit.sourceHash);
    expect(l1InfoFormatAt(resolveChainConfig("op-mainnet"), 1711603765n)).toBe("ecotone");
    expect(toHex(encodeDepositTx(deposit))).toBe(OPM_ECO);
  });

  it("block 124665056: Fjord-era Ecotone calldata, values asserted by op-reth", () => {
    const info = must(decodeL1InfoCalldata(fromHex(OPM_FJORD)));
    expect(info).toMatchObject({ format: "ecotone", l1BaseFee: 1055991687n, baseFeeScalar: 5227, blobBaseFee: 1n, blobBaseFeeScalar: 1014213 });
    expectMatchesSpecRead(info, OPM_FJORD);
    expect(toHex(encodeL1InfoCalldata(info))).toBe(OPM_FJORD);
  });

  it("pre-Regolith Bedrock deposit: values asserted by op-reth, ABI-decoded by viem", () => {
    const { info, deposit } = must(decodeL1InfoDeposit(fromHex(BEDROCK_TX)));
    expect(deposit.isSystemTx).toBe(true);
    expect(deposit.gas).toBe(150_000_000n);
    expect(info).toMatchObject({ format: "bedrock", l1BaseFee: 652_114n, l1FeeOverhead: 2100n, l1FeeScalar: 1_000_000n });
    const abi = parseAbi(["function setL1BlockValues(uint64,uint64,uint256,bytes32,uint64,bytes32,uint256,uint256)"]);
    const { args } = decodeFunctionData({ abi, data: toHex(deposit.data) });
    expect(args).toEqual([info.l1Number, info.l1Timestamp, info.l1BaseFee, info.l1BlockHash, info.sequenceNumber, info.batcherHash, info.l1FeeOverhead, info.l1FeeScalar]);
    expect(l1InfoDepositSourceHash(info.l1BlockHash, info.sequenceNumber)).toBe(deposit.sourceHash);
    expect(toHex(encodeDepositTx(deposit))).toBe(BEDROCK_TX);
  });

  it("devnet Isthmus and Jovian calldata: values asserted by op-reth", () => {
    const isthmus = must(decodeL1InfoCalldata(fromHex(ISTHMUS_DEVNET)));
    expect(isthmus).toMatchObject({ format: "isthmus", l1BaseFee: 6974729n, baseFeeScalar: 1368, blobBaseFee: 1n, blobBaseFeeScalar: 810949, operatorFeeScalar: 20000, operatorFeeConstant: 500n });
    const jovian = must(decodeL1InfoCalldata(fromHex(JOVIAN_DEVNET)));
    expect(jovian).toEqual({ ...isthmus, format: "jovian", daFootprintGasScalar: 0xdead });
    expect(toHex(encodeL1InfoCalldata(isthmus))).toBe(ISTHMUS_DEVNET);
    expect(toHex(encodeL1InfoCalldata(jovian))).toBe(JOVIAN_DEVNET);
  });
});

describe("kona fixtures (OP Mainnet batcher)", () => {
  it("bedrock", () => {
    const info = must(decodeL1InfoCalldata(fromHex(KONA_BEDROCK)));
    expect(info).toEqual({
      format: "bedrock",
      l1Number: 18334955n,
      l1Timestamp: 1697121143n,
      l1BaseFee: 10419034451n,
      l1BlockHash: "0x392012032675be9f94aae5ab442de73c5f4fb1bf30fa7dd0d2442239899a40fc",
      sequenceNumber: 4n,
      batcherHash: `0x000000000000000000000000${OP_BATCHER.slice(2)}`,
      batcherAddress: OP_BATCHER,
      l1FeeOverhead: 0xbcn,
      l1FeeScalar: 0xa6fe0n,
    } satisfies L1Info);
    expect(toHex(encodeL1InfoCalldata(info))).toBe(KONA_BEDROCK);
  });
  it("ecotone and isthmus", () => {
    const base = { l1Number: 19655712n, l1Timestamp: 1713121139n, l1BaseFee: 10445852825n, l1BlockHash: "0x1c4c84c50740386c7dc081efddd644405f04cde73e30a2e381737acce9f5add3", sequenceNumber: 5n, batcherAddress: OP_BATCHER, blobBaseFee: 1n, blobBaseFeeScalar: 810949, baseFeeScalar: 1368 };
    const eco = must(decodeL1InfoCalldata(fromHex(KONA_ECOTONE)));
    expect(eco).toMatchObject({ format: "ecotone", ...base });
    expect(toHex(encodeL1InfoCalldata(eco))).toBe(KONA_ECOTONE);
    const ist = must(decodeL1InfoCalldata(fromHex(KONA_ISTHMUS)));
    expect(ist).toMatchObject({ format: "isthmus", ...base, operatorFeeScalar: 0xabcd, operatorFeeConstant: 0xdcban });
    expect(toHex(encodeL1InfoCalldata(ist))).toBe(KONA_ISTHMUS);
    // the same fields re-encoded in another layout
    expect(toHex(encodeL1InfoCalldata(ist, "ecotone"))).toBe(KONA_ECOTONE);
  });
});

describe("source hashes (op-node deposit_source_test.go vectors)", () => {
  it("L1 info", () => {
    expect(l1InfoDepositSourceHash("0xc00e5d67c2755389aded7d8b151cbd5bcdf7ed275ad5e028b664880fc7581c77", 4n)).toBe(
      "0x0586c503340591999b8b38bc9834bb16aec7d5bc00eb5587ab139c9ddab81977",
    );
  });
  it("upgrade", () => {
    expect(upgradeDepositSourceHash("Ecotone: L1 Block Proxy Update")).toBe("0x18acb38c5ff1c238a7460ebc1b421fa49ec4874bdf1e0a530d234104e5e67dbc");
    expect(upgradeDepositSourceHash("Ecotone: beacon block roots contract deployment")).toBe("0x69b763c48478b9dc2f65ada09b3d92133ec592ea715ec65ad6e7f3dc519dc00c");
  });
  it("invalidated block", () => {
    expect(invalidatedBlockSourceHash("0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8")).toBe(
      "0x4a62bcfa03cf778234ae28fa39c9e0748f11099997b19fef9bb3fffc154fe456",
    );
  });
  it("user deposit agrees with viem", () => {
    const h = "0xa539eb753df3b13b7e386e147d45822b67cb908c9ddc5618e3dbaa22ed00850b";
    for (const i of [0, 1, 255, 70000]) {
      expect(userDepositSourceHash(h, BigInt(i))).toBe(getSourceHash({ domain: "userDeposit", l1BlockHash: h, l1LogIndex: i }));
    }
    // domain 0 and domain 1 differ for the same inputs
    expect(userDepositSourceHash(h, 3n)).not.toBe(l1InfoDepositSourceHash(h, 3n));
  });
});

describe("deposit transactions", () => {
  // kona rust/kona/crates/protocol/hardforks/src/bytecode/ecotone_tx_2.hex (optimism-espresso-integration @ b812d219):
  // the Ecotone "L1 Block Proxy Update" upgrade deposit, from 0x0, calling upgradeTo on the L1Block proxy.
  const ECOTONE_TX_2: VHex =
    "0x7ef876a018acb38c5ff1c238a7460ebc1b421fa49ec4874bdf1e0a530d234104e5e67dbc940000000000000000000000000000000000000000944200000000000000000000000000000000000015808082c35080a43659cfe600000000000000000000000007dbe8500fc591d1852b76fee44d5a05e13097ff";

  it("decodes a real upgrade deposit and its source hash is the upgrade source hash of its intent", () => {
    const d = must(decodeDepositTx(fromHex(ECOTONE_TX_2)));
    expect(d).toMatchObject({
      sourceHash: upgradeDepositSourceHash("Ecotone: L1 Block Proxy Update"),
      from: "0x0000000000000000000000000000000000000000",
      to: L1_BLOCK_ADDRESS,
      mint: 0n,
      value: 0n,
      gas: 50_000n,
      isSystemTx: false,
    });
    expect(toHex(d.data.subarray(0, 4))).toBe(toFunctionSelector("upgradeTo(address)"));
    expect(toHex(encodeDepositTx(d))).toBe(ECOTONE_TX_2);
  });

  const sample: DepositTx = {
    sourceHash: "0x35dd2ec802504a143048c7830f8f570e0d6cf5147217af869939c6b4ba710a36",
    from: "0x1111111111111111111111111111111111111111",
    to: null,
    mint: 10n ** 18n,
    value: 12345n,
    gas: 21000n,
    isSystemTx: true,
    data: Uint8Array.from([0x60, 0x80, 0x00]),
  };

  it("round-trips contract creation, mint and system flag, byte-identical to viem's serializer", () => {
    const bytes = encodeDepositTx(sample);
    expect(must(decodeDepositTx(bytes))).toEqual(sample);
    const viemBytes = serializeTransaction({
      type: "deposit",
      sourceHash: sample.sourceHash,
      from: sample.from,
      mint: sample.mint,
      value: sample.value,
      gas: sample.gas,
      isSystemTx: true,
      data: toHex(sample.data),
    });
    expect(toHex(bytes)).toBe(viemBytes);
    for (const variant of [
      { ...sample, to: L1_BLOCK_ADDRESS, mint: 0n, value: 0n, isSystemTx: false, data: new Uint8Array(0) },
      { ...sample, mint: (1n << 256n) - 1n, gas: (1n << 64n) - 1n, data: new Uint8Array(100_000).fill(7) },
    ]) {
      expect(must(decodeDepositTx(encodeDepositTx(variant)))).toEqual(variant);
    }
  });

  it("rejects malformed deposits with a reason and never throws", () => {
    const good = encodeDepositTx(sample);
    const cases: [string, Uint8Array, RegExp][] = [
      ["empty", new Uint8Array(0), /empty/],
      ["wrong type", Uint8Array.of(0x02, ...good.subarray(1)), /type 0x02/],
      ["type only", Uint8Array.of(0x7e), /RLP/],
      ["truncated", good.subarray(0, good.length - 1), /RLP/],
      ["trailing byte", Uint8Array.of(...good, 0), /RLP.*trailing/],
      ["not a list", Uint8Array.of(0x7e, 0x82, 1, 2), /not a list/],
      ["7 fields", rlpTx((f) => f.slice(0, 7)), /7 fields/],
      ["9 fields", rlpTx((f) => [...f, new Uint8Array(0)]), /9 fields/],
      ["short source hash", rlpTx((f) => [new Uint8Array(31), ...f.slice(1)]), /sourceHash/],
      ["short from", rlpTx((f) => [f[0]!, new Uint8Array(19), ...f.slice(2)]), /from/],
      ["bad to", rlpTx((f) => [f[0]!, f[1]!, new Uint8Array(5), ...f.slice(3)]), /to must/],
      ["mint leading zero", rlpTx((f) => replace(f, 3, Uint8Array.of(0, 1))), /mint.*leading zero/],
      ["mint 33 bytes", rlpTx((f) => replace(f, 3, new Uint8Array(33).fill(1))), /mint.*33 bytes/],
      ["gas 9 bytes", rlpTx((f) => replace(f, 5, new Uint8Array(9).fill(1))), /gas.*9 bytes/],
      ["bool 2", rlpTx((f) => replace(f, 6, Uint8Array.of(2))), /isSystemTx/],
      ["bool 0x00", rlpTx((f) => replace(f, 6, Uint8Array.of(0))), /RLP|isSystemTx/],
      ["data list", rlpTx((f) => replace(f, 7, [] as never)), /data is a list/],
    ];
    for (const [name, bytes, re] of cases) {
      const r = decodeDepositTx(bytes);
      expect(r.ok, name).toBe(false);
      expect(reason(r), name).toMatch(re);
    }
  });

  it("encodeDepositTx refuses out-of-range fields", () => {
    expect(() => encodeDepositTx({ ...sample, gas: 1n << 64n })).toThrow(/gas/);
    expect(() => encodeDepositTx({ ...sample, mint: -1n })).toThrow(/mint/);
    expect(() => encodeDepositTx({ ...sample, from: "0x12" })).toThrow(/from/);
    expect(() => encodeDepositTx({ ...sample, sourceHash: "0x00" })).toThrow(/sourceHash/);
  });
});

// Builds 0x7E ‖ rlp(fields) from the sample's fields after a transformation (malformed-input tests).
function rlpTx(edit: (fields: RlpItem[]) => RlpItem[]): Uint8Array {
  const fields: RlpItem[] = [new Uint8Array(32), new Uint8Array(20), new Uint8Array(0), rlpUint(1n), rlpUint(2n), rlpUint(3n), new Uint8Array(0), Uint8Array.of(1, 2)];
  return Uint8Array.of(0x7e, ...rlpEncode(edit(fields)));
}
function replace(f: RlpItem[], i: number, v: RlpItem): RlpItem[] {
  const out = f.slice();
  out[i] = v;
  return out;
}

describe("L1 info decoding errors never throw", () => {
  const eco = fromHex(KONA_ECOTONE);
  it("reports short, unknown, mis-sized and mis-padded calldata", () => {
    expect(reason(decodeL1InfoCalldata(new Uint8Array(3)))).toMatch(/shorter than a selector/);
    expect(reason(decodeL1InfoCalldata(fromHex("0xdeadbeef")))).toMatch(/unknown L1 info selector 0xdeadbeef/);
    expect(reason(decodeL1InfoCalldata(eco.subarray(0, 163)))).toMatch(/ecotone L1 info must be 164 bytes, got 163/);
    expect(reason(decodeL1InfoCalldata(Uint8Array.of(...eco, 0)))).toMatch(/must be 164 bytes, got 165/);
    const badPad = eco.slice();
    badPad[140] = 1; // inside the 12 zero bytes before the batcher address
    expect(reason(decodeL1InfoCalldata(badPad))).toMatch(/batcherHash padding/);
    const bed = fromHex(KONA_BEDROCK).slice();
    bed[4] = 1; // high byte of the uint64 number word
    expect(reason(decodeL1InfoCalldata(bed))).toMatch(/number does not fit in uint64/);
    expect(reason(decodeL1InfoCalldata(eco, "isthmus"))).toMatch(/expected isthmus/);
  });

  it("decodeL1InfoDeposit checks sender and target", () => {
    const dep = must(decodeDepositTx(fromHex(OPM_ECO)));
    expect(reason(decodeL1InfoDeposit(encodeDepositTx({ ...dep, from: "0x0000000000000000000000000000000000000001" })))).toMatch(/from 0x0+1, expected/);
    expect(reason(decodeL1InfoDeposit(encodeDepositTx({ ...dep, to: null })))).toMatch(/contract creation/);
    expect(reason(decodeL1InfoDeposit(fromHex("0x02f8")))).toMatch(/not a deposit/);
  });

  it("survives random bytes", () => {
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed & 0xff);
    for (let n = 0; n < 2000; n++) {
      const len = rnd() % 200;
      const b = Uint8Array.from({ length: len }, rnd);
      if (n % 3 === 0 && len > 0) b[0] = 0x7e;
      expect(() => decodeDepositTx(b)).not.toThrow();
      expect(() => decodeL1InfoDeposit(b)).not.toThrow();
      expect(() => decodeL1InfoCalldata(b)).not.toThrow();
    }
    // mutations of a real deposit
    const real = fromHex(UNICHAIN);
    for (let i = 0; i < real.length; i++) {
      const m = real.slice();
      m[i] = m[i]! ^ 0xff;
      expect(() => decodeL1InfoDeposit(m)).not.toThrow();
    }
  });
});

describe("encodeL1InfoCalldata", () => {
  const info = must(decodeL1InfoCalldata(fromHex(KONA_ISTHMUS)));
  it("needs the fields of the target layout", () => {
    expect(() => encodeL1InfoCalldata({ ...info, daFootprintGasScalar: undefined }, "jovian")).toThrow(/jovian needs daFootprintGasScalar/);
    expect(() => encodeL1InfoCalldata(info, "bedrock")).toThrow(/bedrock needs l1FeeOverhead/);
    expect(() => encodeL1InfoCalldata({ ...info, baseFeeScalar: 2 ** 32 })).toThrow(/uint32/);
    expect(() => encodeL1InfoCalldata({ ...info, batcherHash: `0x${"11".repeat(32)}` })).toThrow(/batcherHash/);
  });
  it("round-trips every format", () => {
    const full = { ...info, l1FeeOverhead: 0xbcn, l1FeeScalar: 0xa6fe0n, daFootprintGasScalar: 400 };
    for (const f of ["bedrock", "ecotone", "isthmus", "jovian"] as L1InfoFormat[]) {
      const bytes = encodeL1InfoCalldata(full, f);
      expect(bytes.length).toBe(L1_INFO_LENGTHS[f]);
      const back = must(decodeL1InfoCalldata(bytes, f));
      expect(back.format).toBe(f);
      expect(toHex(encodeL1InfoCalldata(back))).toBe(toHex(bytes));
    }
  });
});

describe("l1InfoFormatAt (op-node: a fork's layout starts the block after its activation block)", () => {
  const cfg: ChainConfig = {
    chainId: 901n,
    blockTime: 2,
    hardforks: { canyon: 0n, delta: 0n, ecotone: 100n, fjord: 100n, granite: 100n, holocene: 100n, isthmus: 200n, jovian: 300n },
    systemConfig: "0x0000000000000000000000000000000000000001",
    eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
  };
  it.each([
    [98n, "bedrock"],
    [100n, "bedrock"], // Ecotone activation block
    [102n, "ecotone"],
    [200n, "ecotone"], // Isthmus activation block
    [202n, "isthmus"],
    [300n, "isthmus"], // Jovian activation block
    [302n, "jovian"],
  ] as const)("t=%s → %s", (t, f) => {
    expect(l1InfoFormatAt(cfg, t)).toBe(f);
  });
  it("a fork active at genesis uses its layout from the first block", () => {
    const g: ChainConfig = { ...cfg, hardforks: { ...cfg.hardforks, ecotone: 0n, isthmus: 0n, jovian: 0n } };
    expect(l1InfoFormatAt(g, 2n)).toBe("jovian");
  });
  it("presets: Jovian chains are on the Jovian layout now", () => {
    expect(l1InfoFormatAt(resolveChainConfig("op-mainnet"), 1_770_000_000n)).toBe("jovian");
    expect(l1InfoFormatAt(resolveChainConfig("unichain"), 1_764_691_201n)).toBe("isthmus"); // its Jovian activation block
    expect(l1InfoFormatAt(resolveChainConfig("unichain"), 1_764_691_202n)).toBe("jovian");
  });
});

// keep viem's keccak referenced as an independent check of our keccak on one input
it("our keccak agrees with viem's", () => {
  expect(toHex(keccak256(fromHex(UNICHAIN)))).toBe(viemKeccak(UNICHAIN));
});
