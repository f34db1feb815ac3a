// Locating and building the Go (and Rust) interop helpers under test/interop/*/ with build.sh: module,
// build and target caches under ~/.cache/op-follow (never inside the clone), binaries in its bin/.
// A rebuild with warm caches is a no-op check of a few seconds (go build skips an up-to-date binary).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const INTEROP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** ~/.cache/op-follow (XDG_CACHE_HOME respected), as build.sh computes it. */
export function opFollowCache(env: NodeJS.ProcessEnv = process.env): string {
  return join(env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "op-follow");
}

export function helperBinary(name: string): string {
  return join(opFollowCache(), "bin", name);
}

/** The Go helpers: the directories of test/interop with a go.mod. */
export function goHelpers(): string[] {
  return readdirSync(INTEROP_DIR).filter((d) => existsSync(join(INTEROP_DIR, d, "go.mod")));
}

export function haveGo(env: NodeJS.ProcessEnv = process.env): boolean {
  return spawnSync("go", ["version"], { stdio: "ignore", env }).status === 0;
}

/**
 * Builds every helper (or the named ones) with build.sh; throws with its output on failure. A cold
 * build of promtool (Prometheus with all its service discoveries) took 30 min at low priority on a
 * busy 2-core machine: hence the hour.
 */
export function buildHelpers(names: string[] = [], timeoutMs = 60 * 60_000): { ms: number } {
  const t0 = Date.now();
  const r = spawnSync("bash", [join(INTEROP_DIR, "build.sh"), ...names], { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`test/interop/build.sh ${names.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}\n${r.stderr}`.slice(-8000));
  return { ms: Date.now() - t0 };
}

/**
 * Why the interop tests cannot run here, or undefined when they can. With CI=true (or
 * OP_FOLLOW_REQUIRE_INTEROP=1) a missing toolchain is an error, as the Chromium test's is.
 */
export function interopUnavailable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (haveGo(env)) return undefined;
  const why = "no Go toolchain on PATH (the op-node peer is built from github.com/ethereum-optimism/optimism with Go ≥ 1.26)";
  if (env["CI"] === "true" || env["OP_FOLLOW_REQUIRE_INTEROP"] === "1") throw new Error(`interop tests cannot be skipped in CI: ${why}`);
  return why;
}
