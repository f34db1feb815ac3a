// What the user can do about a verdict, for the verdicts that have such a fix: a hint shown in
// `detail` beside the stable reason code. A verdict that says the message itself is bad (a forged
// signature, a corrupt encoding) has no hint: nothing on the receiving side makes it valid.
//
// `where`: who reads the hint — `inspect` (the fix is one of its flags) or a relay operator reading the
// Worker's verdicts (the fix is in the Worker's or the relay's configuration).

export type HintAudience = "inspect" | "relay";

const INSPECT: Record<string, string> = {
  "no-signer-configured": "pass --signer <address>, or --network <preset> / --config <file> with an unsafeBlockSigner (op-node's rollup.json has none: op-node reads it from L1)",
  "wrong-signer": "if the chain rotated its signer, pass --signer with the current one; check --chain-id too (the signature covers it, so another chain id recovers another signer)",
  "block-domain-signature": "this is an unsafe-block signature: to check it as a block, pass --topic blocks; a publisher still signing attestations in the block domain must be upgraded (--attestation-domain block accepts them, for compatibility only: RISKY)",
  "timestamp-too-old": "the blocks topics drop blocks older than 60 s: pass --now <the block's timestamp> to judge an old message as it was judged live, or --topic cross-safe (no age limit)",
  "timestamp-in-future": "if this machine's clock is behind, pass --now <unix seconds>",
  "blob-gas-used-nonzero": "allowed from Jovian on: pass --jovian-time <unix seconds> (or a --config/--network that has it) if the chain has activated Jovian",
  "ssz-invalid": "the payload does not decode as this topic version: pass --version v1..v4 if the detected one is wrong",
};

const RELAY: Array<[RegExp, string]> = [
  [/^chain-not-served$/, "the Worker does not serve this chain: add it to the Worker's CHAINS, or drop it from the relay's --chain-id"],
  [/^signer-unavailable:/, "the Worker cannot read the signer from L1: check the chain's l1Rpc in CHAINS, or set its \"signer\" there"],
  [/^rpc-wrong-chain:/, "one of the chain's RPC endpoints in the Worker's CHAINS serves another chain"],
  [/^rpc-[a-z-]+:(l1|l2|rollup)$/, "the Worker cannot use one of the chain's RPC endpoints (l1Rpc, l2Rpc or rollupRpc in CHAINS): check that node and the Worker's RPC_TIMEOUT_MS"],
  [/^block-over-limit$/, "raise the Worker's MAX_BLOCK_BYTES (up to 10 MiB) to check blocks this large, on a Workers plan whose CPU limit affords them (README, Workers plans)"],
  [/^halted-equivocation$/, "the head is halted by an equivocation alarm: see /evidence, then POST /v1/chains/<id>/admin/clear-alarm"],
];

/** The hint for a reason, or undefined when the user can do nothing about it. */
export function hintFor(reason: string, where: HintAudience): string | undefined {
  if (where === "inspect") return INSPECT[reason];
  return RELAY.find(([re]) => re.test(reason))?.[1];
}

/** `detail` with the hint appended (or the hint alone). */
export function withHint(detail: string | undefined, reason: string, where: HintAudience): string | undefined {
  const hint = hintFor(reason, where);
  if (!hint) return detail;
  return detail ? `${detail}; ${hint}` : hint;
}
