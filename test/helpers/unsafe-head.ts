// Reading a running Worker's unsafe head (GET /v1/chains/<id>/unsafe) from Node tests. Also the hook
// for a test with a real op-node sequencer on the blocks topics: start the devnet stack with
// `publisher: { unsafe: false }` so op-node is the only unsafe source, point op-node's p2p at
// `stack.relayAddr` (--p2p.static) with the chain's sequencer key (server.chain.options.sequencerKey),
// then `await untilUnsafeHead(stack.worker.url, stack.chainId, (u) => u.number >= n)`.

/** op-node's L2BlockRef JSON plus when the relay received the block and how late (ms). */
export interface UnsafeHeadJson {
  hash: string;
  number: number;
  parentHash: string;
  timestamp: number;
  l1origin: { hash: string; number: number };
  sequenceNumber: number;
  receivedAtMs: number;
  delayMs: number;
}

/** The Worker's unsafe head, or null before it has one. */
export async function unsafeHeadOf(workerUrl: string, chainId: bigint | string): Promise<UnsafeHeadJson | null> {
  const r = await fetch(`${workerUrl}/v1/chains/${chainId}/unsafe`);
  if (r.status === 404) return null;
  if (r.status !== 200) throw new Error(`GET /unsafe: ${r.status} ${await r.text()}`);
  return (await r.json()) as UnsafeHeadJson;
}

/** Polls until the unsafe head satisfies `ok`; throws with the last head seen after `timeoutMs`. */
export async function untilUnsafeHead(workerUrl: string, chainId: bigint | string, ok: (u: UnsafeHeadJson) => boolean, timeoutMs = 20_000): Promise<UnsafeHeadJson> {
  const end = Date.now() + timeoutMs;
  let last: UnsafeHeadJson | null = null;
  for (;;) {
    last = await unsafeHeadOf(workerUrl, chainId).catch(() => last);
    if (last && ok(last)) return last;
    if (Date.now() > end) throw new Error(`the unsafe head did not get there within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
