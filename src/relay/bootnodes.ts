// op-node's built-in bootnodes (DefaultBootnodes, used when --p2p.bootnodes is not given:
// op-node/p2p/cli/load_config.go loadDiscoveryOpts), for `--bootnodes default` and `--bootstrap default`.
//
// Copied verbatim from op-node/p2p/config.go in EspressoSystems/optimism-espresso-integration at
// b812d219a5d4c30becaf44929cb95e4ba15c6c21 (2026-06-02), a fork that carries ethereum-optimism/optimism
// up to #19415 (2026-03-05). Upstream last changed the list in 1de05914e0a8941e9bd86272bb2164090f68ca96
// "Add bootnodes ran by UL (#14279)" (2025-02-10); the OP Labs, Base and Conduit entries are from
// f054db03 (#9801) and 01559d2e (#12534). Duplicates are kept as op-node has them.
//
// op-node uses these as discv5 (UDP) entry points only: it dials the peers it discovers through them,
// and only those whose "opstack" entry names its chain, version 0 (discovery.go FilterEnodes: a
// missing or malformed entry is dropped too). `--bootnodes default` (discovery.ts) uses the whole
// list that way. `--bootstrap default`, which dials TCP addresses directly without discv5, keeps what
// FilterEnodes would let op-node dial: ENRs with a matching "opstack" entry and a TCP address. An
// enode URL names no chain, so none is used. Today that is Base's five records (chain 8453);
// whether a bootnode also takes libp2p connections on its TCP port is up to its operator.
import { nodeRecordMultiaddrs, NodeRecordError, parseNodeRecord } from "./enr.ts";

/** The value of --bootstrap that stands for op-node's default bootnodes. */
export const DEFAULT_BOOTNODES_KEYWORD = "default";

export const OP_NODE_DEFAULT_BOOTNODES: readonly string[] = Object.freeze([
  // OP Labs
  "enode://869d07b5932f17e8490990f75a3f94195e9504ddb6b85f7189e5a9c0a8fff8b00aecf6f3ac450ecba6cdabdb5858788a94bde2b613e0f2d82e9b395355f76d1a@34.65.67.101:30305",
  "enode://2d4e7e9d48f4dd4efe9342706dd1b0024681bd4c3300d021f86fc75eab7865d4e0cbec6fbc883f011cfd6a57423e7e2f6e104baad2b744c3cafaec6bc7dc92c1@34.65.43.171:30305",
  // Base
  "enr:-J24QNz9lbrKbN4iSmmjtnr7SjUMk4zB7f1krHZcTZx-JRKZd0kA2gjufUROD6T3sOWDVDnFJRvqBBo62zuF-hYCohOGAYiOoEyEgmlkgnY0gmlwhAPniryHb3BzdGFja4OFQgCJc2VjcDI1NmsxoQKNVFlCxh_B-716tTs-h1vMzZkSs1FTu_OYTNjgufplG4N0Y3CCJAaDdWRwgiQG",
  "enr:-J24QH-f1wt99sfpHy4c0QJM-NfmsIfmlLAMMcgZCUEgKG_BBYFc6FwYgaMJMQN5dsRBJApIok0jFn-9CS842lGpLmqGAYiOoDRAgmlkgnY0gmlwhLhIgb2Hb3BzdGFja4OFQgCJc2VjcDI1NmsxoQJ9FTIv8B9myn1MWaC_2lJ-sMoeCDkusCsk4BYHjjCq04N0Y3CCJAaDdWRwgiQG",
  "enr:-J24QDXyyxvQYsd0yfsN0cRr1lZ1N11zGTplMNlW4xNEc7LkPXh0NAJ9iSOVdRO95GPYAIc6xmyoCCG6_0JxdL3a0zaGAYiOoAjFgmlkgnY0gmlwhAPckbGHb3BzdGFja4OFQgCJc2VjcDI1NmsxoQJwoS7tzwxqXSyFL7g0JM-KWVbgvjfB8JA__T7yY_cYboN0Y3CCJAaDdWRwgiQG",
  "enr:-J24QHmGyBwUZXIcsGYMaUqGGSl4CFdx9Tozu-vQCn5bHIQbR7On7dZbU61vYvfrJr30t0iahSqhc64J46MnUO2JvQaGAYiOoCKKgmlkgnY0gmlwhAPnCzSHb3BzdGFja4OFQgCJc2VjcDI1NmsxoQINc4fSijfbNIiGhcgvwjsjxVFJHUstK9L1T8OTKUjgloN0Y3CCJAaDdWRwgiQG",
  "enr:-J24QG3ypT4xSu0gjb5PABCmVxZqBjVw9ca7pvsI8jl4KATYAnxBmfkaIuEqy9sKvDHKuNCsy57WwK9wTt2aQgcaDDyGAYiOoGAXgmlkgnY0gmlwhDbGmZaHb3BzdGFja4OFQgCJc2VjcDI1NmsxoQIeAK_--tcLEiu7HvoUlbV52MspE0uCocsx1f_rYvRenIN0Y3CCJAaDdWRwgiQG",
  // Conduit
  "enode://d25ce99435982b04d60c4b41ba256b84b888626db7bee45a9419382300fbe907359ae5ef250346785bff8d3b9d07cd3e017a27e2ee3cfda3bcbb0ba762ac9674@bootnode.conduit.xyz:0?discport=30301",
  "enode://2d4e7e9d48f4dd4efe9342706dd1b0024681bd4c3300d021f86fc75eab7865d4e0cbec6fbc883f011cfd6a57423e7e2f6e104baad2b744c3cafaec6bc7dc92c1@34.65.43.171:0?discport=30305",
  "enode://9d7a3efefe442351217e73b3a593bcb8efffb55b4807699972145324eab5e6b382152f8d24f6301baebbfb5ecd4127bd3faab2842c04cd432bdf50ba092f6645@34.65.109.126:0?discport=30305",
  // Uniswap Labs
  "enode://010800c668896c100e8d64abc388ac5a22a8134a96fb0107c5d0c56d79ba7225c12d9e9e012d3cc0ee2701d7f63dd45f8abf0bbcf6f3c541f91742b1d7a99355@3.134.214.169:9222",
  "enode://b97abcc7011d06299c4bc44742be4a0e631a1a2925a2992adcfe80ed86bec5ff0ddf1b90d015f2dbb5e305560e12c9873b2dad72d84d131ac4be9f2a4c74b763@52.14.30.39:9222",
  "enode://760230a662610620d6d2e4ad846a6dccbceaa4556872dfacf9cdca7c2f5b49e4c66e822ed2e8813debb5fb7391f0519b8d075e565a2a89c79a9e4092e81b3e5b@3.148.100.173:9222",
]);

/**
 * The TCP multiaddrs (with /p2p/) of op-node's default bootnodes that op-node itself would dial for
 * `chainIds`: ENRs whose "opstack" entry names one of them (version 0), with a TCP address. Each once.
 */
export function defaultBootstrapAddrs(chainIds: readonly bigint[], records: readonly string[] = OP_NODE_DEFAULT_BOOTNODES): string[] {
  const out = new Set<string>();
  for (const text of records) {
    if (!text.startsWith("enr:")) continue; // an enode URL names no chain
    const r = parseNodeRecord(text); // a bad built-in record is a bug: let it throw
    if (!r.opstack || r.opstack.version !== 0n || !chainIds.includes(r.opstack.chainId)) continue;
    try {
      for (const a of nodeRecordMultiaddrs(r)) out.add(a);
    } catch (e) {
      if (!(e instanceof NodeRecordError)) throw e; // no TCP address: discovery only
    }
  }
  return [...out];
}

/** The chains op-node's default bootnodes name (for messages). */
export function defaultBootnodeChains(records: readonly string[] = OP_NODE_DEFAULT_BOOTNODES): bigint[] {
  const ids = new Set<bigint>();
  for (const text of records) if (text.startsWith("enr:")) {
    const o = parseNodeRecord(text).opstack;
    if (o && o.version === 0n) ids.add(o.chainId);
  }
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
