// vitest globalSetup: the whole run gets a TMPDIR of its own, and the run fails if anything is left
// in it at the end — a test (or a process it started: wrangler, miniflare, the devnet) that leaves a
// temporary folder behind, possibly holding a key or a secret. Its own folder, not a before/after
// listing of /tmp, because other test runs on the same machine create and remove folders there at the
// same time.
//
// The check runs twice: at teardown, and when this process exits. The workers pool's Miniflare
// removes its miniflare-<hex> folder only in its own process exit hook (miniflare's exitHook), which
// runs after every teardown; an exit listener registered later runs after it, so only what is still
// there then counts.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Caches that tools keep in TMPDIR on purpose, holding nothing of ours: npm enables Node's compile
 * cache there; wrangler keeps its "latest version" answer in update-check/ for an hour.
 */
const CACHES = new Set(["node-compile-cache", "update-check"]);
/** Removed by their owner's exit hook, after teardown. */
const REMOVED_AT_EXIT = /^miniflare-[0-9a-f]{32}$/;

function leftovers(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => !CACHES.has(f));
  } catch {
    return [];
  }
}

export default function setup(): () => void {
  const outer = tmpdir();
  const own = mkdtempSync(join(outer, "op-follow-test-"));
  process.env["TMPDIR"] = own;
  return () => {
    process.env["TMPDIR"] = outer;
    const now = leftovers(own).filter((f) => !REMOVED_AT_EXIT.test(f));
    process.once("exit", () => {
      const left = leftovers(own);
      rmSync(own, { recursive: true, force: true });
      if (left.length && !now.length) {
        process.stderr.write(`the test run left ${left.length} temporary item(s) behind: ${left.join(", ")}\n`);
        process.exitCode = 1;
      }
    });
    if (now.length) throw new Error(`the test run left ${now.length} temporary item(s) behind: ${now.join(", ")}`);
  };
}
