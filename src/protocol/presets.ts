// Presets for well-known OP Stack chains, selectable by name. Every value is copied from
// ethereum-optimism/superchain-registry (no value here is invented; what the registry does not
// publish is left out):
//
//   registry commit 8336d2aedd19b87a57b01ae36ba4afef8ea377d0 (2026-08-04, "validation: add sepolia
//   standard versions for op-contracts/v8.0.0-pcdtest (#1302)") for every chain except Base;
//   Base and Base Sepolia from 5b055be4d294ce43814a44c8839d89b2436dc8aa (2026-04-27), the parent of
//   0d9aefc4 "superchain: remove base-mainnet|sepolia|sepolia-dev-0 (#1212)".
//
// Field sources, per chain:
//   chainId, blockTime, genesisL2Time, batchInbox   superchain/configs/<superchain>/<chain>.toml
//                                                   (chain_id, block_time, genesis.l2_time, batch_inbox_addr)
//   hardforks                                       same file, [hardforks] <fork>_time. Since registry 2.0
//                                                   (#816) the superchain-wide times are written into each
//                                                   chain file ("what you see is what you get",
//                                                   docs/hardfork-activation-inheritance.md). A fork absent
//                                                   there is absent here (never active).
//   eip1559                                         same file, [optimism] eip1559_*
//   systemConfig                                    same file, [addresses] SystemConfigProxy (equal to the
//                                                   generated superchain/extra/addresses/addresses.json)
//   unsafeBlockSigner                               superchain/extra/addresses/addresses.json, key
//                                                   "UnsafeBlockSigner" (the registry's daily codegen reads it
//                                                   on chain; the chain TOMLs dropped [roles] beyond
//                                                   ProxyAdminOwner in #1103)
//   l1ChainId                                       superchain/configs/<superchain>/superchain.toml [l1] chain_id
//
// Not taken: pectra_blob_schedule_time (an L1-origin rule for computing blobBaseFee, which the
// follower reads from blocks rather than computes), keep_karst_upgrade_gas, and interop (no chain in
// the registry sets an interop time). The signer is a snapshot: op-node reads it from the SystemConfig
// at run time and so should a follower that can; a rotation makes the preset value stale.
import type { ChainConfig } from "./chain-config.ts";

export const REGISTRY_REPO = "ethereum-optimism/superchain-registry";
const REGISTRY_COMMIT = "8336d2aedd19b87a57b01ae36ba4afef8ea377d0";
const BASE_REMOVAL_PARENT = "5b055be4d294ce43814a44c8839d89b2436dc8aa";

const CAVEAT_BASE =
  "Base left the superchain registry on 2026-04-27 (#1212); these are its last registry values. " +
  "Later Base upgrades (e.g. any Karst activation) and signer rotations are not reflected.";
const CAVEAT_WORLDCHAIN =
  "World Chain has no superchain_time, so it does not inherit superchain-wide forks; its file sets " +
  "Isthmus and Jovian explicitly and no Karst.";
const CAVEAT_TBN = "Binary uses a custom gas-paying token (irrelevant to gossip and signatures).";

export interface ChainPreset {
  /** Primary name, e.g. "op-mainnet", "unichain-sepolia". */
  name: string;
  /** Other accepted names: op-node's `<chain>-<superchain>` network name and the registry id `<superchain>/<chain>`. */
  aliases: readonly string[];
  /** File the values were read from, in REGISTRY_REPO at registryCommit. */
  registryPath: string;
  registryCommit: string;
  /** Something a user of this preset should know. */
  caveat?: string;
  config: ChainConfig;
}

const presets: ChainPreset[] = [
  {
    name: "op-mainnet",
    aliases: ["mainnet/op", "optimism", "op"],
    registryPath: "superchain/configs/mainnet/op.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "OP Mainnet",
      chainId: 10n,
      l1ChainId: 1n,
      blockTime: 2,
      genesisL2Time: 1686068903n,
      hardforks: { canyon: 1704992401n, delta: 1708560000n, ecotone: 1710374401n, fjord: 1720627201n, granite: 1726070401n, holocene: 1736445601n, isthmus: 1746806401n, jovian: 1764691201n, karst: 1783526401n },
      systemConfig: "0x229047fed2591dbec1eF1118d64F7aF3dB9EB290",
      unsafeBlockSigner: "0xAAAA45d9549EDA09E70937013520214382Ffc4A2",
      batchInbox: "0xFF00000000000000000000000000000000000010",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "op-sepolia",
    aliases: ["sepolia/op"],
    registryPath: "superchain/configs/sepolia/op.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "OP Sepolia Testnet",
      chainId: 11155420n,
      l1ChainId: 11155111n,
      blockTime: 2,
      genesisL2Time: 1691802540n,
      hardforks: { canyon: 1699981200n, delta: 1703203200n, ecotone: 1708534800n, fjord: 1716998400n, granite: 1723478400n, holocene: 1732633200n, isthmus: 1744905600n, jovian: 1763568001n, karst: 1781712001n },
      systemConfig: "0x034edD2A225f7f429A63E0f1D2084B9E0A93b538",
      unsafeBlockSigner: "0x57CACBB0d30b01eb2462e5dC940c161aff3230D3",
      batchInbox: "0xff00000000000000000000000000000011155420",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "base",
    aliases: ["base-mainnet", "mainnet/base"],
    registryPath: "superchain/configs/mainnet/base.toml",
    registryCommit: BASE_REMOVAL_PARENT,
    caveat: CAVEAT_BASE,
    config: {
      name: "Base",
      chainId: 8453n,
      l1ChainId: 1n,
      blockTime: 2,
      genesisL2Time: 1686789347n,
      hardforks: { canyon: 1704992401n, delta: 1708560000n, ecotone: 1710374401n, fjord: 1720627201n, granite: 1726070401n, holocene: 1736445601n, isthmus: 1746806401n, jovian: 1764691201n },
      systemConfig: "0x73a79Fab69143498Ed3712e519A88a918e1f4072",
      unsafeBlockSigner: "0xAf6E19BE0F9cE7f8afd49a1824851023A8249e8a",
      batchInbox: "0xFf00000000000000000000000000000000008453",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "base-sepolia",
    aliases: ["sepolia/base"],
    registryPath: "superchain/configs/sepolia/base.toml",
    registryCommit: BASE_REMOVAL_PARENT,
    caveat: CAVEAT_BASE,
    config: {
      name: "Base Sepolia Testnet",
      chainId: 84532n,
      l1ChainId: 11155111n,
      blockTime: 2,
      genesisL2Time: 1695768288n,
      hardforks: { canyon: 1699981200n, delta: 1703203200n, ecotone: 1708534800n, fjord: 1716998400n, granite: 1723478400n, holocene: 1732633200n, isthmus: 1744905600n, jovian: 1763568001n },
      systemConfig: "0xf272670eb55e895584501d564AfEB048bEd26194",
      unsafeBlockSigner: "0xb830b99c95Ea32300039624Cb567d324D4b1D83C",
      batchInbox: "0xfF00000000000000000000000000000000084532",
      eip1559: { elasticity: 10, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "unichain",
    aliases: ["unichain-mainnet", "mainnet/unichain"],
    registryPath: "superchain/configs/mainnet/unichain.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "Unichain",
      chainId: 130n,
      l1ChainId: 1n,
      blockTime: 1,
      genesisL2Time: 1730748359n,
      hardforks: { canyon: 0n, delta: 0n, ecotone: 0n, fjord: 0n, granite: 0n, holocene: 1736445601n, isthmus: 1746806401n, jovian: 1764691201n, karst: 1783526401n },
      systemConfig: "0xc407398d063f942feBbcC6F80a156b47F3f1BDA6",
      unsafeBlockSigner: "0x833C6f278474A78658af91aE8edC926FE33a230e",
      batchInbox: "0xFf00000000000000000000000000000000000130",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "unichain-sepolia",
    aliases: ["sepolia/unichain"],
    registryPath: "superchain/configs/sepolia/unichain.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "Unichain Sepolia Testnet",
      chainId: 1301n,
      l1ChainId: 11155111n,
      blockTime: 1,
      genesisL2Time: 1726852428n,
      hardforks: { canyon: 0n, delta: 0n, ecotone: 0n, fjord: 0n, granite: 0n, holocene: 1734559200n, isthmus: 1744905600n, jovian: 1763568001n, karst: 1781712001n },
      systemConfig: "0xaeE94b9aB7752D3F7704bDE212c0C6A0b701571D",
      unsafeBlockSigner: "0x565B71025Ab4de80AcA33c62E51439af56301493",
      batchInbox: "0xFf00000000000000000000000000000000001301",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "ink",
    aliases: ["ink-mainnet", "mainnet/ink"],
    registryPath: "superchain/configs/mainnet/ink.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "Ink",
      chainId: 57073n,
      l1ChainId: 1n,
      blockTime: 1,
      genesisL2Time: 1733498411n,
      hardforks: { canyon: 0n, delta: 0n, ecotone: 0n, fjord: 0n, granite: 0n, holocene: 1742396400n, isthmus: 1746806401n, jovian: 1764691201n, karst: 1783526401n },
      systemConfig: "0x62C0a111929fA32ceC2F76aDba54C16aFb6E8364",
      unsafeBlockSigner: "0x7b322282DF45E537E5de76D60E1432Db3cF3F8E1",
      batchInbox: "0x005969bf0EcbF6eDB6C47E5e94693b1C3651Be97",
      eip1559: { elasticity: 6, denominator: 250, denominatorCanyon: 250 },
    },
  },
  {
    name: "ink-sepolia",
    aliases: ["sepolia/ink"],
    registryPath: "superchain/configs/sepolia/ink.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "Ink Sepolia",
      chainId: 763373n,
      l1ChainId: 11155111n,
      blockTime: 1,
      genesisL2Time: 1729003296n,
      hardforks: { canyon: 1699981200n, delta: 1703203200n, ecotone: 1708534800n, fjord: 1716998400n, granite: 1723478400n, holocene: 1732633200n, isthmus: 1744905600n, jovian: 1763568001n, karst: 1781712001n },
      systemConfig: "0x05C993e60179f28bF649a2Bb5b00b5F4283bD525",
      unsafeBlockSigner: "0x900C36E0CcAC26F9F49ECa6bbD748e347531864b",
      batchInbox: "0x004De1914F4f17aC234f5A5Bc8a4072a231d44BF",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "soneium",
    aliases: ["soneium-mainnet", "mainnet/soneium"],
    registryPath: "superchain/configs/mainnet/soneium.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "Soneium",
      chainId: 1868n,
      l1ChainId: 1n,
      blockTime: 2,
      genesisL2Time: 1733134751n,
      hardforks: { canyon: 0n, delta: 0n, ecotone: 0n, fjord: 0n, granite: 0n, holocene: 1738573200n, isthmus: 1746806401n, jovian: 1764691201n, karst: 1783526401n },
      systemConfig: "0x7A8Ed66B319911A0F3E7288BDdAB30d9c0C875c3",
      unsafeBlockSigner: "0x7c2Bd59ee2a2C7391c9A240132f26071e9546262",
      batchInbox: "0x008dC74CecC9dedA8595B2Fe210cE5979F0BfA8e",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "soneium-minato",
    aliases: ["soneium-minato-sepolia", "sepolia/soneium-minato"],
    registryPath: "superchain/configs/sepolia/soneium-minato.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "Soneium Testnet Minato",
      chainId: 1946n,
      l1ChainId: 11155111n,
      blockTime: 2,
      genesisL2Time: 1723194336n,
      hardforks: { canyon: 0n, delta: 0n, ecotone: 0n, fjord: 1730106000n, granite: 1730106000n, holocene: 1734685200n, isthmus: 1744905600n, jovian: 1763568001n, karst: 1781712001n },
      systemConfig: "0x4Ca9608Fef202216bc21D543798ec854539bAAd3",
      unsafeBlockSigner: "0x55930859CD7003F32A2ba171297408476532E535",
      batchInbox: "0x00Ca81E019a5312d404aE7fe8367D30DE4c11365",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "mode",
    aliases: ["mode-mainnet", "mainnet/mode"],
    registryPath: "superchain/configs/mainnet/mode.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "Mode",
      chainId: 34443n,
      l1ChainId: 1n,
      blockTime: 2,
      genesisL2Time: 1700167583n,
      hardforks: { canyon: 1704992401n, delta: 1708560000n, ecotone: 1710374401n, fjord: 1720627201n, granite: 1726070401n, holocene: 1736445601n, isthmus: 1746806401n, jovian: 1764691201n, karst: 1783526401n },
      systemConfig: "0x5e6432F18Bc5d497B1Ab2288a025Fbf9D69E2221",
      unsafeBlockSigner: "0xa7fA9CA4ac88686A542C0f830d7378eAB4A0278F",
      batchInbox: "0x24E59d9d3Bd73ccC28Dc54062AF7EF7bFF58Bd67",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "mode-sepolia",
    aliases: ["sepolia/mode"],
    registryPath: "superchain/configs/sepolia/mode.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "Mode Testnet",
      chainId: 919n,
      l1ChainId: 11155111n,
      blockTime: 2,
      genesisL2Time: 1687867932n,
      hardforks: { canyon: 1703203200n, delta: 1703203200n, ecotone: 1708534800n, fjord: 1716998400n, granite: 1723478400n, holocene: 1732633200n, isthmus: 1744905600n, jovian: 1763568001n, karst: 1781712001n },
      systemConfig: "0x15cd4f6e0CE3B4832B33cB9c6f6Fe6fc246754c2",
      unsafeBlockSigner: "0x93A14E6894eEB4FF6a373E1Ad4f498c3a207afe4",
      batchInbox: "0xcDDaE6148dA1E003C230E4527f9baEdc8a204e7E",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "zora",
    aliases: ["zora-mainnet", "mainnet/zora"],
    registryPath: "superchain/configs/mainnet/zora.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "Zora",
      chainId: 7777777n,
      l1ChainId: 1n,
      blockTime: 2,
      genesisL2Time: 1686693839n,
      hardforks: { canyon: 1704992401n, delta: 1708560000n, ecotone: 1710374401n, fjord: 1720627201n, granite: 1726070401n, holocene: 1736445601n, isthmus: 1746806401n, jovian: 1764691201n, karst: 1783526401n },
      systemConfig: "0xA3cAB0126d5F504B071b81a3e8A2BBBF17930d86",
      unsafeBlockSigner: "0x3Dc8Dfd0709C835cAd15a6A27e089FF4cF4C9228",
      batchInbox: "0x6F54Ca6F6EdE96662024Ffd61BFd18f3f4e34DFf",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "zora-sepolia",
    aliases: ["sepolia/zora"],
    registryPath: "superchain/configs/sepolia/zora.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "Zora Sepolia Testnet",
      chainId: 999999999n,
      l1ChainId: 11155111n,
      blockTime: 2,
      genesisL2Time: 1698080004n,
      hardforks: { canyon: 1699981200n, delta: 1703203200n, ecotone: 1708534800n, fjord: 1716998400n, granite: 1723478400n, holocene: 1732633200n, isthmus: 1744905600n, jovian: 1763568001n, karst: 1781712001n },
      systemConfig: "0xB54c7BFC223058773CF9b739cC5bd4095184Fb08",
      unsafeBlockSigner: "0x3609513933100689bd1f84782529A99239842344",
      batchInbox: "0xCd734290E4bd0200dAC631c7D4b9E8a33234e91f",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "worldchain",
    aliases: ["worldchain-mainnet", "mainnet/worldchain"],
    registryPath: "superchain/configs/mainnet/worldchain.toml",
    registryCommit: REGISTRY_COMMIT,
    caveat: CAVEAT_WORLDCHAIN,
    config: {
      name: "World Chain",
      chainId: 480n,
      l1ChainId: 1n,
      blockTime: 2,
      genesisL2Time: 1719335639n,
      hardforks: { canyon: 0n, delta: 0n, ecotone: 0n, fjord: 1721826000n, granite: 1727780400n, holocene: 1738238400n, isthmus: 1764072000n, jovian: 1777593600n },
      systemConfig: "0x6ab0777fD0e609CE58F939a7F70Fe41F5Aa6300A",
      unsafeBlockSigner: "0x2270d6eC8E760daA317DD978cFB98C8f144B1f3A",
      batchInbox: "0xff00000000000000000000000000000000000480",
      eip1559: { elasticity: 10, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "worldchain-sepolia",
    aliases: ["sepolia/worldchain"],
    registryPath: "superchain/configs/sepolia/worldchain.toml",
    registryCommit: REGISTRY_COMMIT,
    caveat: CAVEAT_WORLDCHAIN,
    config: {
      name: "World Chain Sepolia Testnet",
      chainId: 4801n,
      l1ChainId: 11155111n,
      blockTime: 2,
      genesisL2Time: 1720547424n,
      hardforks: { canyon: 0n, delta: 0n, ecotone: 0n, fjord: 1721739600n, granite: 1726570800n, holocene: 1737633600n, isthmus: 1761825600n, jovian: 1777161600n },
      systemConfig: "0x166F9406e79A656f12F05247fb8F5DfA6155bCBF",
      unsafeBlockSigner: "0x3241A7D28eA74E807A5087BA637fB58D8dDcd078",
      batchInbox: "0xFf00000000000000000000000000000000484752",
      eip1559: { elasticity: 10, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "lisk",
    aliases: ["lisk-mainnet", "mainnet/lisk"],
    registryPath: "superchain/configs/mainnet/lisk.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "Lisk",
      chainId: 1135n,
      l1ChainId: 1n,
      blockTime: 2,
      genesisL2Time: 1714728791n,
      hardforks: { canyon: 1704992401n, delta: 1708560000n, ecotone: 1710374401n, fjord: 1720627201n, granite: 1726070401n, holocene: 1736445601n, isthmus: 1746806401n, jovian: 1764691201n, karst: 1783526401n },
      systemConfig: "0x05f23282FFDCA8286E4738C1aF79079f3d843750",
      unsafeBlockSigner: "0xb9DE90a90c5E441C483e754FE7341100D5fbaEcA",
      batchInbox: "0xFf00000000000000000000000000000000001135",
      eip1559: { elasticity: 20, denominator: 1000, denominatorCanyon: 1000 },
    },
  },
  {
    name: "lisk-sepolia",
    aliases: ["sepolia/lisk"],
    registryPath: "superchain/configs/sepolia/lisk.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "Lisk Sepolia Testnet",
      chainId: 4202n,
      l1ChainId: 11155111n,
      blockTime: 2,
      genesisL2Time: 1705312992n,
      hardforks: { canyon: 1705312994n, delta: 1705312994n, ecotone: 1708534800n, fjord: 1716998400n, granite: 1723478400n, holocene: 1732633200n, isthmus: 1744905600n, jovian: 1763568001n, karst: 1781712001n },
      systemConfig: "0xF54791059df4a12BA461b881B4080Ae81a1d0AC0",
      unsafeBlockSigner: "0x99804980804e9EbE78db89C049fFe36ceaaEF654",
      batchInbox: "0xff00000000000000000000000000000000004202",
      eip1559: { elasticity: 10, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "metal",
    aliases: ["metal-mainnet", "mainnet/metal"],
    registryPath: "superchain/configs/mainnet/metal.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "Metal L2",
      chainId: 1750n,
      l1ChainId: 1n,
      blockTime: 2,
      genesisL2Time: 1711563515n,
      hardforks: { canyon: 0n, delta: 0n, ecotone: 0n, fjord: 1720627201n, granite: 1726070401n, holocene: 1736445601n, isthmus: 1746806401n, jovian: 1764691201n, karst: 1783526401n },
      systemConfig: "0x7BD909970B0EEdcF078De6Aeff23ce571663b8aA",
      unsafeBlockSigner: "0x4a65F5da5e80DEFfEA844eAa15CE130e80605dc5",
      batchInbox: "0xc83f7D9F2D4A76E81145849381ABA02602373723",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "metal-sepolia",
    aliases: ["sepolia/metal"],
    registryPath: "superchain/configs/sepolia/metal.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "Metal L2 Testnet",
      chainId: 1740n,
      l1ChainId: 11155111n,
      blockTime: 2,
      genesisL2Time: 1708129620n,
      hardforks: { canyon: 1708129622n, delta: 1708385400n, ecotone: 1708534800n, fjord: 1716998400n, granite: 1723478400n, holocene: 1732633200n, isthmus: 1744905600n, jovian: 1763568001n, karst: 1781712001n },
      systemConfig: "0x5D63A8Dc2737cE771aa4a6510D063b6Ba2c4f6F2",
      unsafeBlockSigner: "0x3C1A357c4c77843d34750dBee68C589ACB4F5f9B",
      batchInbox: "0x24567B64a86A4c966655fba6502a93dFb701E316",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    },
  },
  {
    name: "ethernity",
    aliases: ["ethernity-mainnet", "mainnet/ethernity"],
    registryPath: "superchain/configs/mainnet/ethernity.toml",
    registryCommit: REGISTRY_COMMIT,
    config: {
      name: "Ethernity",
      chainId: 183n,
      l1ChainId: 1n,
      blockTime: 2,
      genesisL2Time: 1723547735n,
      hardforks: { canyon: 1704992401n, delta: 1708560000n, ecotone: 1710374401n, fjord: 1720627201n, granite: 1726070401n, holocene: 1736445601n, isthmus: 1746806401n, jovian: 1764691201n, karst: 1783526401n },
      systemConfig: "0x20c3035C92bdB4C461242571EeAc59EeD03Df931",
      unsafeBlockSigner: "0xD1705B4FFFc540EDeD73046ee1F3A8Db10d143f8",
      batchInbox: "0xfF00000000000000000000000000000000000183",
      eip1559: { elasticity: 20, denominator: 1000, denominatorCanyon: 1000 },
    },
  },
  {
    name: "binary",
    aliases: ["tbn-mainnet", "mainnet/tbn", "tbn"],
    registryPath: "superchain/configs/mainnet/tbn.toml",
    registryCommit: REGISTRY_COMMIT,
    caveat: CAVEAT_TBN,
    config: {
      name: "Binary Mainnet",
      chainId: 624n,
      l1ChainId: 1n,
      blockTime: 2,
      genesisL2Time: 1719397463n,
      hardforks: { canyon: 0n, delta: 0n, ecotone: 0n, fjord: 1725536344n, granite: 1726070401n, holocene: 1736445601n, isthmus: 1746806401n, jovian: 1764691201n, karst: 1783526401n },
      systemConfig: "0x7aC7e5989EaC278B7BbfeF560871a2026baD472c",
      unsafeBlockSigner: "0x666bfb2Bac23cf5fE3308301A3c5130f92D96B07",
      batchInbox: "0xFF00000000000000000000000000000000000624",
      eip1559: { elasticity: 6, denominator: 50, denominatorCanyon: 250 },
    },
  },
];

function deepFreeze<T>(o: T): T {
  if (typeof o === "object" && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Every preset, frozen. */
export const PRESETS: readonly ChainPreset[] = deepFreeze(presets);

const byName = new Map<string, ChainPreset>();
const byId = new Map<bigint, ChainPreset>();
for (const p of PRESETS) {
  for (const n of [p.name, ...p.aliases]) byName.set(n.toLowerCase(), p);
  byId.set(p.config.chainId, p);
}

/** Preset by name/alias (case-insensitive) or chain id (number, bigint, decimal or 0x-hex string). */
export function findPreset(nameOrId: string | number | bigint): ChainPreset | undefined {
  if (typeof nameOrId === "bigint") return byId.get(nameOrId);
  if (typeof nameOrId === "number") return Number.isSafeInteger(nameOrId) && nameOrId >= 0 ? byId.get(BigInt(nameOrId)) : undefined;
  const s = nameOrId.trim().toLowerCase();
  const named = byName.get(s);
  if (named) return named;
  if (/^(0x[0-9a-f]+|[0-9]+)$/.test(s)) return byId.get(BigInt(s));
  return undefined;
}
