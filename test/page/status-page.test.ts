// The status page in a real headless Chromium (Debian's chromium, driven by playwright-core), served
// by the real Worker under wrangler dev, with cross-safe blocks flowing in: the head it shows advances;
// with an unsafe block from the blocks topic, it shows the three heads and the gaps between them.
import "../../src/node/keccak.ts";
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedGossipMessage, signedUnsafeMessage } from "../../src/devnet/gossip.ts";
import { startChainServer, type ChainServer } from "../../src/devnet/rpc-server.ts";
import { startWorkerDev, type WorkerDev } from "../../src/devnet/worker-dev.ts";
import { chainConfigToJson } from "../../src/protocol/chain-config.ts";
import { signIngest } from "../../src/protocol/ingest-auth.ts";
import { testPeerId } from "../helpers/peer-ids.ts";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const RELAY = "page-relay";
const SECRET = "page-secret-0123456789abcdef0123456789abcdef";
const PEER = testPeerId("page");

let server: ChainServer;
let worker: WorkerDev;
let browser: Browser;

async function ingest(height: bigint, kind: "cross-safe" | "blocks" = "cross-safe"): Promise<void> {
  const chain = server.chain;
  const block = chain.view("follower").blockByNumber(height)!;
  const { topic, message } = kind === "blocks" ? signedUnsafeMessage(chain, block) : signedGossipMessage(chain, block);
  const headers = await signIngest(SECRET, { relayId: RELAY, topic, peerId: PEER, receivedMs: Date.now() }, message);
  const res = await fetch(`${worker.url}/v1/ingest`, { method: "POST", headers, body: message as Uint8Array<ArrayBuffer> });
  const body = (await res.json()) as { verdict: string };
  if (body.verdict !== "accept") throw new Error(`ingest ${height}: ${JSON.stringify(body)}`);
}

// CI (.ci/run) installs Debian's chromium and sets OP_FOLLOW_REQUIRE_CHROMIUM=1 so this never skips there.
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env["OP_FOLLOW_REQUIRE_CHROMIUM"] === "1") throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(!haveChromium)("status page", () => {
  beforeAll(async () => {
    // The newest block is from now: the blocks topics take blocks at most 60 s old.
    server = await startChainServer({ chain: { genesisTime: BigInt(Math.floor(Date.now() / 1000) - 120) } });
    server.advance(120);
    const { unsafeBlockSigner: _s, ...cfg } = chainConfigToJson(server.chain.chainConfig);
    worker = await startWorkerDev({ chains: [{ chain: cfg, l1Rpc: server.urls.l1, l2Rpc: server.urls.l2, rollupRpc: server.urls.rollup }], relaySecrets: { [RELAY]: SECRET } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await server?.close();
  });

  it("shows the cross-safe head, local-safe, lag, events and peers, and follows the head as it advances", async () => {
    const crossSafe = server.chain.heads().crossSafe;
    await ingest(crossSafe - 10n);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${worker.url}/`);
    const head = page.getByTestId("head-number");
    await expect.poll(() => head.textContent(), { timeout: 15_000 }).toBe(String(crossSafe - 10n));
    expect(await page.getByTestId("local-safe").textContent()).toBe(String(server.chain.heads().localSafe));
    expect(Number(await page.getByTestId("lag").textContent())).toBe(Number(server.chain.heads().localSafe - (crossSafe - 10n)));
    expect(await page.locator("text=advanced").count()).toBeGreaterThan(0);
    expect(await page.locator(`text=${PEER.slice(0, 10)}`).count()).toBeGreaterThan(0); // the peer table

    // Blocks keep coming: the page updates itself, no reload.
    for (const d of [7n, 4n, 0n]) {
      await ingest(crossSafe - d);
      await expect.poll(() => head.textContent(), { timeout: 15_000 }).toBe(String(crossSafe - d));
    }
    expect(await page.getByTestId("head-hash").textContent()).toBe(server.chain.view("follower").blockByNumber(crossSafe)!.hash);
    expect(await page.locator("svg path").count()).toBeGreaterThan(0); // the lag chart has samples
    // times are epoch ms numbers (updatedAtMs, events' atMs): read as times, never "NaN" or "Invalid Date"
    expect(await page.getByTestId("head-updated").textContent()).toMatch(/^\d+(s|m) ago$/);
    expect(await page.locator("text=Invalid Date").count()).toBe(0);
    expect(await page.locator("td.nw").first().textContent()).toMatch(/\d/);
    // An unsafe block (blocks topic): the three heads, unsafe → local-safe → cross-safe, and the gaps.
    expect(await page.getByTestId("unsafe-number").textContent()).toBe("—");
    const h = server.chain.heads();
    await ingest(h.unsafe, "blocks");
    await expect.poll(() => page.getByTestId("unsafe-number").textContent(), { timeout: 15_000 }).toBe(String(h.unsafe));
    expect(await page.getByTestId("gaps").textContent()).toBe(`${h.unsafe - h.localSafe} · ${h.localSafe - crossSafe}`);
    expect(await page.getByTestId("unsafe-delay").textContent()).toMatch(/^received -?\d+\.\d s after its timestamp$/);
    expect(errors).toEqual([]);
    if (process.env["OP_FOLLOW_SCREENSHOT"]) await page.screenshot({ path: process.env["OP_FOLLOW_SCREENSHOT"], fullPage: true });
  }, 120_000);
});
