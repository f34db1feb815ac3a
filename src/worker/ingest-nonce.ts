// The ingest path's nonce answers beyond settle (src/durable/chain-head.ts).
//
// A relay request for a topic this deployment does not serve (another chain; a served chain's blocks
// topics go to its UnsafeHead object, which claims their nonces)
// is answered "ignore" without any chain's pipeline — but its nonce is still used up, or a captured
// copy could be replayed for as long as the signature is fresh (issue 10). It is claimed in the
// object of the topic's chain when that chain is served here, else of the first served chain: any
// fixed choice works, since a replay names the same topic and lands in the same object.
import type { Context } from "hono";
import type { NonceClaim } from "../durable/nonce-book.ts";
import { AUTH_WINDOW_SECONDS } from "../protocol/ingest-auth.ts";
import type { Settings } from "../checks/settings.ts";
import type { WorkerEnv } from "./env.ts";
import { chainStub, type AppEnv } from "./context.ts";

export function claimUnservedNonce(env: WorkerEnv, s: Settings, topicChainId: bigint | undefined, relayId: string, nonce: string, timestamp: number): Promise<NonceClaim> {
  const named = topicChainId?.toString();
  const home = named !== undefined && s.chains.has(named) ? named : s.chains.keys().next().value!;
  // No RPC call follows: the nonce need only outlive the signing window.
  const expiresAt = (timestamp + AUTH_WINDOW_SECONDS + 1) * 1000;
  return chainStub(env, home).claimNonce(home, `${relayId}:${nonce}`, expiresAt);
}

/**
 * Fail closed: every nonce slot holds an unexpired nonce, and forgetting one would open a replay.
 * Nothing was decided; the relay retries a 503 with backoff, and slots free up within a minute.
 */
export function nonceTableFull(c: Context<AppEnv>): Response {
  c.header("Retry-After", "1");
  return c.json({ error: "unavailable", reason: "nonce-table-full" }, 503);
}
