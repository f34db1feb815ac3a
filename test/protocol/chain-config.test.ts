import { describe, expect, it } from "vitest";
import "../../src/node/keccak.ts";
import {
  blocksTopics,
  blockVersionAt,
  chainConfigToJson,
  HARDFORKS,
  isActivationBlock,
  isActive,
  parseChainConfigJson,
  resolveChainConfig,
  topicFor,
  type ChainConfig,
} from "../../src/protocol/chain-config.ts";
import { checksumAddress } from "../../src/protocol/address.ts";
import { findPreset, PRESETS } from "../../src/protocol/presets.ts";
import { parseTopic } from "../../src/protocol/topic.ts";

const cfg: ChainConfig = {
  chainId: 10n,
  blockTime: 2,
  hardforks: { canyon: 100n, delta: 100n, ecotone: 200n, fjord: 200n, granite: 200n, holocene: 200n, isthmus: 300n, jovian: 400n },
  systemConfig: "0x229047fed2591dbec1eF1118d64F7aF3dB9EB290",
  eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
};

describe("fork activation", () => {
  it("isActive: set and timestamp >= time", () => {
    expect(isActive(cfg, "isthmus", 299n)).toBe(false);
    expect(isActive(cfg, "isthmus", 300n)).toBe(true);
    expect(isActive(cfg, "karst", 10n ** 12n)).toBe(false);
    expect(isActive(cfg, "interop", 0n)).toBe(false);
  });
  it("isActivationBlock: first block with the fork active", () => {
    expect(isActivationBlock(cfg, "isthmus", 300n)).toBe(true);
    expect(isActivationBlock(cfg, "isthmus", 301n)).toBe(true); // 299 was not Isthmus (blocks need not align)
    expect(isActivationBlock(cfg, "isthmus", 302n)).toBe(false);
    expect(isActivationBlock(cfg, "isthmus", 298n)).toBe(false);
    // t < blockTime is never an activation block (op-node: l2BlockTime >= c.BlockTime)
    expect(isActivationBlock({ ...cfg, hardforks: { canyon: 0n } }, "canyon", 1n)).toBe(false);
  });
  it("blockVersionAt follows op-node publishRawSignedPayload", () => {
    expect(blockVersionAt(cfg, 99n)).toBe(1);
    expect(blockVersionAt(cfg, 100n)).toBe(2);
    expect(blockVersionAt(cfg, 200n)).toBe(3);
    expect(blockVersionAt(cfg, 300n)).toBe(4);
    expect(blockVersionAt(cfg, 400n)).toBe(4); // Jovian keeps v4
  });
});

describe("topics", () => {
  it("blocks v1..v4 and cross-safe", () => {
    expect(blocksTopics(cfg)).toEqual(["/optimism/10/0/blocks", "/optimism/10/1/blocks", "/optimism/10/2/blocks", "/optimism/10/3/blocks"]);
    expect(topicFor(cfg, "blocks", 4)).toBe("/optimism/10/3/blocks");
    expect(topicFor(cfg, "cross-safe")).toBe("/optimism/10/0/cross-safe-blocks");
    expect(topicFor(cfg, "cross-safe", 4)).toBe("/optimism/10/0/cross-safe-blocks");
    expect(topicFor(resolveChainConfig("unichain-sepolia"), "blocks", blockVersionAt(resolveChainConfig("unichain-sepolia"), 1762388126n))).toBe(
      "/optimism/1301/3/blocks",
    );
  });
  it("rejects nonsense", () => {
    expect(() => topicFor(cfg, "blocks")).toThrow(/needs a version/);
    expect(() => topicFor(cfg, "cross-safe", 3)).toThrow(/v4/);
    expect(() => topicFor(cfg, "blocks", 5 as never)).toThrow(/no blocks topic/);
  });
  it("parseTopic inverts topicFor", () => {
    for (const t of [...blocksTopics(cfg), topicFor(cfg, "cross-safe")]) {
      const p = parseTopic(t)!;
      expect(topicFor({ ...cfg, chainId: p.chainId }, p.kind, p.version)).toBe(t);
    }
    expect(parseTopic("/optimism/10/3/blocks")).toEqual({ chainId: 10n, kind: "blocks", version: 4 });
    for (const bad of ["/optimism/10/4/blocks", "/optimism/010/0/blocks", "/optimism/10/1/cross-safe-blocks", "/optimism/x/0/blocks", "/eth2/10/0/blocks", "/optimism/10/0/blocks/"]) {
      expect(parseTopic(bad), bad).toBeUndefined();
    }
  });
});

describe("presets", () => {
  it("every preset re-parses from its JSON form and passes validation", () => {
    for (const p of PRESETS) {
      const json = JSON.parse(JSON.stringify(chainConfigToJson(p.config))) as unknown;
      expect(parseChainConfigJson(json), p.name).toEqual(p.config);
    }
  });
  it("chain ids and names are unique; names and aliases resolve", () => {
    const ids = PRESETS.map((p) => p.config.chainId);
    expect(new Set(ids).size).toBe(ids.length);
    const names = PRESETS.flatMap((p) => [p.name, ...p.aliases].map((n) => n.toLowerCase()));
    expect(new Set(names).size).toBe(names.length);
    for (const p of PRESETS) {
      for (const n of [p.name, ...p.aliases, p.name.toUpperCase(), ` ${p.name} `]) expect(resolveChainConfig(n), n).toBe(p.config);
      expect(resolveChainConfig(p.config.chainId)).toBe(p.config);
      expect(resolveChainConfig(Number(p.config.chainId))).toBe(p.config);
      expect(resolveChainConfig(p.config.chainId.toString())).toBe(p.config);
      expect(resolveChainConfig(`0x${p.config.chainId.toString(16)}`)).toBe(p.config);
      expect(p.registryCommit).toMatch(/^[0-9a-f]{40}$/);
      expect(p.registryPath).toMatch(/^superchain\/configs\/(mainnet|sepolia)\/[a-z-]+\.toml$/);
    }
  });
  it("the requested chains are present", () => {
    for (const n of ["op-mainnet", "op-sepolia", "base", "base-sepolia", "unichain", "unichain-sepolia", "ink", "ink-sepolia", "soneium", "mode", "zora", "worldchain"]) {
      expect(findPreset(n), n).toBeDefined();
    }
    expect(resolveChainConfig("base-mainnet").chainId).toBe(8453n);
    expect(resolveChainConfig("mainnet/op").chainId).toBe(10n);
  });
  it("addresses are correctly checksummed; L1 ids are mainnet or Sepolia; forks are ordered", () => {
    for (const p of PRESETS) {
      const c = p.config;
      for (const a of [c.systemConfig, c.unsafeBlockSigner!, c.batchInbox!]) expect(checksumAddress(a), `${p.name} ${a}`).toBe(a);
      expect([1n, 11155111n]).toContain(c.l1ChainId);
      expect(p.registryPath.includes("/mainnet/")).toBe(c.l1ChainId === 1n);
      // every preset has Isthmus (blocks v4) scheduled; none sets interop
      expect(c.hardforks.isthmus, p.name).toBeDefined();
      expect(c.hardforks.interop).toBeUndefined();
    }
  });
  it("spot values read from the registry files", () => {
    const op = resolveChainConfig("op-mainnet");
    expect(op).toMatchObject({ chainId: 10n, blockTime: 2, l1ChainId: 1n, systemConfig: "0x229047fed2591dbec1eF1118d64F7aF3dB9EB290", unsafeBlockSigner: "0xAAAA45d9549EDA09E70937013520214382Ffc4A2" });
    expect(op.hardforks).toMatchObject({ canyon: 1704992401n, ecotone: 1710374401n, isthmus: 1746806401n, jovian: 1764691201n, karst: 1783526401n });
    const us = resolveChainConfig(1301);
    expect(us).toMatchObject({ blockTime: 1, systemConfig: "0xaeE94b9aB7752D3F7704bDE212c0C6A0b701571D", unsafeBlockSigner: "0x565B71025Ab4de80AcA33c62E51439af56301493" });
    expect(us.hardforks).toMatchObject({ canyon: 0n, holocene: 1734559200n, isthmus: 1744905600n, jovian: 1763568001n });
    expect(findPreset("base")!.caveat).toMatch(/left the superchain registry/);
  });
  it("presets are frozen", () => {
    const c = resolveChainConfig("op-mainnet");
    expect(Object.isFrozen(c) && Object.isFrozen(c.hardforks) && Object.isFrozen(c.eip1559)).toBe(true);
  });
  it("unknown names fail with the list of presets", () => {
    expect(() => resolveChainConfig("nope")).toThrow(/unknown chain "nope"; known presets: op-mainnet \(10\)/);
    expect(() => resolveChainConfig(424242)).toThrow(/unknown chain 424242/);
    expect(findPreset(-1)).toBeUndefined();
    expect(findPreset(1.5)).toBeUndefined();
  });
});

describe("parseChainConfigJson", () => {
  const good = {
    name: "devnet",
    chainId: "0x385",
    blockTime: 2,
    genesisL2Time: "1700000000",
    hardforks: { canyon: 0, delta: 0, ecotone: "0", fjord: 0, granite: 0, holocene: 0, isthmus: "0x10", jovian: null },
    systemConfig: "0x229047fed2591dbec1ef1118d64f7af3db9eb290",
    eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
  };

  it("accepts numbers, decimal and hex strings; normalises addresses to EIP-55; null means never", () => {
    const c = parseChainConfigJson(good);
    expect(c).toEqual({
      name: "devnet",
      chainId: 901n,
      blockTime: 2,
      genesisL2Time: 1700000000n,
      hardforks: { canyon: 0n, delta: 0n, ecotone: 0n, fjord: 0n, granite: 0n, holocene: 0n, isthmus: 16n },
      systemConfig: "0x229047fed2591dbec1eF1118d64F7aF3dB9EB290",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    });
    expect(parseChainConfigJson({ ...good, unsafeBlockSigner: "0xAAAA45D9549EDA09E70937013520214382FFC4A2" }).unsafeBlockSigner).toBe("0xAAAA45d9549EDA09E70937013520214382Ffc4A2");
    // a hard fork time beyond 2^53 must be a string
    expect(parseChainConfigJson({ ...good, hardforks: { ...good.hardforks, jovian: "18446744073709551615" } }).hardforks.jovian).toBe((1n << 64n) - 1n);
  });

  const bad: [string, unknown, RegExp][] = [
    ["not an object", [], /expected a JSON object/],
    ["missing chainId", { ...good, chainId: undefined }, /"chainId": is required/],
    ["zero chainId", { ...good, chainId: 0 }, /"chainId": chain id must not be 0/],
    ["negative", { ...good, chainId: -1 }, /"chainId": must not be negative/],
    ["float", { ...good, blockTime: 1.5 }, /"blockTime": expected an integer/],
    ["zero block time", { ...good, blockTime: 0 }, /"blockTime": must be at least 1/],
    ["unsafe number", { ...good, genesisL2Time: 2 ** 60 }, /"genesisL2Time": .*beyond 2\^53/],
    ["garbage string", { ...good, chainId: "ten" }, /"chainId": expected a decimal or 0x-hex integer string, got "ten"/],
    ["bool", { ...good, chainId: true }, /"chainId": expected a non-negative integer/],
    ["uint64 overflow", { ...good, hardforks: { ...good.hardforks, jovian: "0x10000000000000000" } }, /"hardforks.jovian": .* out of range/],
    ["bad address", { ...good, systemConfig: "0x1234" }, /"systemConfig": expected a 0x-prefixed 20-byte hex address/],
    ["bad checksum", { ...good, systemConfig: "0x229047fed2591dbec1eF1118d64F7aF3dB9EB291" }, /"systemConfig": bad EIP-55 checksum/],
    ["zero signer", { ...good, unsafeBlockSigner: "0x0000000000000000000000000000000000000000" }, /"unsafeBlockSigner": is the zero address/],
    ["zero system config, no signer", { ...good, systemConfig: "0x0000000000000000000000000000000000000000" }, /"systemConfig": is the zero address/],
    ["unknown field", { ...good, unsafeSigner: "0x" }, /"unsafeSigner": unknown field/],
    ["unknown fork", { ...good, hardforks: { ...good.hardforks, bedrock: 0 } }, /"hardforks.bedrock": unknown field/],
    ["fork gap", { ...good, hardforks: { canyon: 0, ecotone: 0 } }, /"hardforks.ecotone": ecotone is set \(0\) but the earlier fork delta is not/],
    ["fork order", { ...good, hardforks: { ...good.hardforks, holocene: 20 } }, /"hardforks.isthmus": isthmus \(16\) activates before the earlier fork holocene \(20\)/],
    ["missing eip1559", { ...good, eip1559: undefined }, /"eip1559": is required/],
    ["eip1559 zero", { ...good, eip1559: { elasticity: 0, denominator: 50 } }, /"eip1559.elasticity": must be at least 1/],
    ["eip1559 typo", { ...good, eip1559: { elasticity: 6, denominator: 50, denom: 1 } }, /"eip1559.denom": unknown field/],
    ["name type", { ...good, name: 5 }, /"name": expected a string/],
  ];
  it.each(bad)("%s", (_label, json, re) => {
    expect(() => parseChainConfigJson(json)).toThrow(re);
  });

  it("denominatorCanyon defaults to the denominator (op-geth OptimismConfig)", () => {
    expect(parseChainConfigJson({ ...good, eip1559: { elasticity: 6, denominator: 50 } }).eip1559.denominatorCanyon).toBe(50);
  });

  it("reads op-node's rollup.json", () => {
    const rollup = {
      genesis: { l1: { hash: "0x00", number: 1 }, l2: { hash: "0x00", number: 0 }, l2_time: 1726852428 },
      block_time: 1,
      max_sequencer_drift: 600,
      seq_window_size: 3600,
      channel_timeout: 300,
      l1_chain_id: 11155111,
      l2_chain_id: 1301,
      regolith_time: 0,
      canyon_time: 0,
      delta_time: 0,
      ecotone_time: 0,
      fjord_time: 0,
      granite_time: 0,
      holocene_time: 1734559200,
      pectra_blob_schedule_time: 1742486400,
      isthmus_time: 1744905600,
      jovian_time: 1763568001,
      batch_inbox_address: "0xff00000000000000000000000000000000001301",
      deposit_contract_address: "0x0d83dab629f0e0f9d36c0cbc89b69a489f0751bd",
      l1_system_config_address: "0xaee94b9ab7752d3f7704bde212c0c6a0b701571d",
      chain_op_config: { eip1559Elasticity: 6, eip1559Denominator: 50, eip1559DenominatorCanyon: 250 },
    };
    const c = parseChainConfigJson(rollup);
    const preset = resolveChainConfig("unichain-sepolia");
    expect(c).toEqual({ ...preset, name: undefined, unsafeBlockSigner: undefined, hardforks: { ...preset.hardforks, karst: undefined } });
    // without chain_op_config the EIP-1559 values come from the preset with that chain id, as op-node
    // loads them from its embedded registry
    const { chain_op_config: _drop, ...noOp } = rollup;
    expect(parseChainConfigJson(noOp).eip1559).toEqual(preset.eip1559);
    expect(() => parseChainConfigJson({ ...noOp, l2_chain_id: 424242 })).toThrow(/"chain_op_config": is required/);
    expect(() => parseChainConfigJson({ ...rollup, isthmus_time: 1 })).toThrow(/"isthmus_time": isthmus \(1\) activates before/);
    expect(() => parseChainConfigJson({ ...rollup, l1_system_config_address: "nope" })).toThrow(/"l1_system_config_address"/);
  });
});

describe("checksumAddress", () => {
  it("matches EIP-55 test vectors", () => {
    // EIP-55 specification examples
    for (const a of ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"]) {
      expect(checksumAddress(a.toLowerCase())).toBe(a);
    }
  });
  it("knows every fork name once, in op-node order", () => {
    expect(HARDFORKS).toEqual(["canyon", "delta", "ecotone", "fjord", "granite", "holocene", "isthmus", "jovian", "karst", "interop"]);
  });
});
