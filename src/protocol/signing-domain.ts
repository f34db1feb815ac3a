// Signing domains (protocol notes §3, §8.8; docs/protocol-decisions.md).
//
// The rollup-node P2P signing hash is keccak256(domain[32] ‖ uint256(chainId) ‖ payloadHash). Blocks use
// domain 0 (op-node SigningDomainBlocksV1). A cross-safe attestation signed with domain 0 would be
// indistinguishable from the unsafe-block signature on the same payload, so anyone could replay a public
// unsafe block — even one the supervisor later invalidated — as an attestation. op-follow therefore signs
// and checks attestations with their own domain, otherwise the same scheme, so op-node's signer produces it
// when handed another domain.
import type { TopicKind } from "./topic.ts";

/** op-node SigningDomainBlocksV1: 32 zero bytes. */
export const BLOCK_SIGNING_DOMAIN: Uint8Array = new Uint8Array(32);

/** op-follow's cross-safe attestation domain: 31 zero bytes, then 0x01. */
export const CROSS_SAFE_SIGNING_DOMAIN: Uint8Array = Uint8Array.from({ length: 32 }, (_, i) => (i === 31 ? 1 : 0));

/**
 * Which domain a cross-safe attestation is checked against. "attestation" (the default) is op-follow's
 * own domain. "block" is the design doc's literal scheme, kept only for compatibility: with it, any
 * public unsafe-block signature passes as an attestation (see docs/protocol-decisions.md).
 */
export type AttestationDomain = "attestation" | "block";

export const ATTESTATION_DOMAINS: readonly AttestationDomain[] = ["attestation", "block"];

/** Stated wherever the compatibility setting is accepted or reported. */
export const BLOCK_DOMAIN_RISK =
  "attestation domain 'block' lets anyone relay a public unsafe block (even one the supervisor invalidated) as a cross-safe attestation";

export function signingDomainFor(kind: TopicKind, attestation: AttestationDomain = "attestation"): Uint8Array {
  return kind === "cross-safe" && attestation === "attestation" ? CROSS_SAFE_SIGNING_DOMAIN : BLOCK_SIGNING_DOMAIN;
}

export function parseAttestationDomain(s: string): AttestationDomain | undefined {
  return (ATTESTATION_DOMAINS as readonly string[]).includes(s) ? (s as AttestationDomain) : undefined;
}
