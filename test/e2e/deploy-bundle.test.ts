// `wrangler deploy` builds the same bundle as the tests run: checked offline with --dry-run (no
// account needed), including the Durable Object binding and the upload size limit.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, wranglerBin, wranglerEnv } from "../../src/devnet/worker-dev.ts";

/** Cloudflare's Worker size limit on the Free plan (after compression), the stricter of the two plans'. */
const FREE_PLAN_LIMIT_BYTES = 3 * 2 ** 20;

describe("wrangler deploy", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("bundles the Worker, its WASM modules and the ChainHead and UnsafeHead Durable Objects within the Free plan's size limit", { timeout: 90_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), "op-follow-dry-"));
    dirs.push(out);
    const { stdout } = await promisify(execFile)(process.execPath, [wranglerBin(), "deploy", "--dry-run", "--outdir", out], {
      cwd: PROJECT_ROOT,
      env: wranglerEnv(),
      timeout: 60_000,
    });
    expect(stdout).toMatch(/env\.CHAIN \(ChainHead\)\s+Durable Object/);
    expect(stdout).toMatch(/env\.UNSAFE \(UnsafeHead\)\s+Durable Object/);
    // The modules that are uploaded (not the source map), compressed as Cloudflare counts them.
    const modules = (await readdir(out)).filter((f) => f.endsWith(".js") || f.endsWith(".wasm"));
    expect(modules).toContain("index.js");
    expect(modules.some((f) => f.endsWith("keccak.wasm"))).toBe(true);
    expect(modules.some((f) => f.endsWith("secp256k1.wasm"))).toBe(true);
    let gzipped = 0;
    for (const f of modules) gzipped += gzipSync(await readFile(join(out, f))).length;
    expect(gzipped).toBeLessThan(FREE_PLAN_LIMIT_BYTES);
  });
});
