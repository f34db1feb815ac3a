// `wrangler deploy` builds the same bundle as the tests run: checked offline with --dry-run (no
// account needed), including the Durable Object binding and the upload size limit.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { wranglerBin, wranglerEnv } from "../../src/devnet/worker-dev.ts";

/** Cloudflare's Worker size limit on the Free plan (gzip), the stricter of the two. */
const FREE_PLAN_LIMIT_KIB = 3 * 1024;

describe("wrangler deploy", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("bundles the Worker, its WASM modules and the ChainHead Durable Object within the Free plan's size limit", async () => {
    const out = await mkdtemp(join(tmpdir(), "op-follow-dry-"));
    dirs.push(out);
    const { stdout } = await promisify(execFile)(process.execPath, [wranglerBin(), "deploy", "--dry-run", "--outdir", out], { env: wranglerEnv(), timeout: 60_000 });
    expect(stdout).toMatch(/env\.CHAIN \(ChainHead\)\s+Durable Object/);
    const gzip = /gzip: ([\d.]+) KiB/.exec(stdout);
    expect(gzip, stdout).not.toBeNull();
    expect(Number(gzip![1])).toBeLessThan(FREE_PLAN_LIMIT_KIB);
    const files = await readdir(out);
    expect(files).toContain("index.js");
    expect(files.some((f) => f.endsWith("keccak.wasm"))).toBe(true);
    expect(files.some((f) => f.endsWith("secp256k1.wasm"))).toBe(true);
  });
});
