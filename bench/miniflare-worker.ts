// The op-follow Worker as a deployment runs it, for benches: the bundle `wrangler deploy` uploads
// (built with `wrangler deploy --dry-run --outdir`, as test/e2e/deploy-bundle.test.ts checks it),
// run by Miniflare's API in one workerd with SQLite-backed Durable Objects on disk. Unlike
// `wrangler dev` (src/devnet/worker-dev.ts) there is no second workerd running wrangler's proxy
// Workers in front of it: every request of `wrangler dev` passes through that dev-only hop, which
// costs about as much CPU as the Worker itself under load (bench/README.md, Many chains). What
// remains is Miniflare's own entry Worker, a service hop inside the same workerd.
//
// Secrets go to workerd as bindings through its config pipe, never on a command line. Temporary
// files (the bundle, the objects' SQLite, Miniflare's miniflare-<hex>) live in one private directory,
// removed by stop() or, if the bench is killed, by the reaper.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from "miniflare";
import { guard } from "../src/devnet/reaper-client.ts";
import { PROJECT_ROOT, wranglerBin, wranglerEnv, type WorkerChainEntry } from "../src/devnet/worker-dev.ts";

export interface MiniflareWorkerOptions {
  chains: WorkerChainEntry[];
  relaySecrets?: Record<string, string>;
  rpcTimeoutMs?: number;
}

export interface MiniflareWorker {
  url: string;
  /** The workerd process that runs the Worker and its Durable Objects. */
  runtimePid: number;
  startMs: number;
  stop(): Promise<void>;
}

/** compatibility_date and _flags of wrangler.toml: the bundle must run under the same ones. */
function compatibility(): { date: string; flags: string[] } {
  const toml = readFileSync(join(PROJECT_ROOT, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1];
  if (!date) throw new Error("wrangler.toml has no compatibility_date");
  return { date, flags: [...(flags ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1]!) };
}

/** The workerd child of this process (Miniflare spawns it; there is one per Miniflare). */
function workerdChild(exclude: ReadonlySet<number>): number {
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p) || exclude.has(Number(p))) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "latin1");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (name === "workerd" && ppid === process.pid) return Number(p);
    } catch {
      // gone
    }
  }
  throw new Error("no workerd child process found");
}

export async function startMiniflareWorker(opts: MiniflareWorkerOptions): Promise<MiniflareWorker> {
  const t0 = performance.now();
  const priv = await mkdtemp(join(tmpdir(), "op-follow-mf-"));
  const releaseDir = guard({ dir: priv });
  const out = join(priv, "bundle");
  const state = join(priv, "state");
  await mkdir(state);
  let mf: Miniflare | undefined;
  const stop = async (): Promise<void> => {
    await mf?.dispose().catch(() => undefined);
    mf = undefined;
    await rm(priv, { recursive: true, force: true, maxRetries: 3 });
    releaseDir();
  };
  try {
    await promisify(execFile)(process.execPath, [wranglerBin(), "deploy", "--dry-run", "--outdir", out], { cwd: PROJECT_ROOT, env: wranglerEnv(PROJECT_ROOT, process.env, priv), timeout: 120_000 });
    const { date, flags } = compatibility();
    const before = new Set<number>();
    try {
      before.add(workerdChild(new Set()));
    } catch {
      // none yet
    }
    const bindings: Record<string, string> = { CHAINS: JSON.stringify(opts.chains) };
    if (opts.rpcTimeoutMs !== undefined) bindings["RPC_TIMEOUT_MS"] = String(opts.rpcTimeoutMs);
    if (opts.relaySecrets) bindings["RELAY_SECRETS"] = JSON.stringify(opts.relaySecrets);
    const wasm = (await readdir(out)).filter((f) => f.endsWith(".wasm"));
    // Miniflare 5 takes a new config shape; the flat one (what wrangler's own
    // unstable_getMiniflareWorkerOptions yields) goes through its converter.
    mf = new Miniflare(
      convertV4MiniflareOptions({
        host: "127.0.0.1",
        port: 0,
        cf: false, // offline: no Request.cf object fetched from workers.cloudflare.com
        isolatedResourcePersistencePath: state,
        resourceTmpPath: join(priv, "tmp"),
        log: new Log(LogLevel.WARN),
        workers: [
          {
            name: "op-follow",
            // The uploaded modules by the names index.js imports them (WASM as CompiledWasm, the rule
            // of wrangler.toml); the source map is not uploaded, so not run either.
            modulesRoot: out,
            modules: [{ type: "ESModule", path: join(out, "index.js") }, ...wasm.map((f) => ({ type: "CompiledWasm" as const, path: join(out, f) }))],
            compatibilityDate: date,
            compatibilityFlags: flags,
            bindings,
            durableObjects: { CHAIN: { className: "ChainHead", useSQLite: true }, UNSAFE: { className: "UnsafeHead", useSQLite: true } },
          },
        ],
      }),
    );
    const url = (await mf.ready).origin;
    return { url, runtimePid: workerdChild(before), startMs: Math.round(performance.now() - t0), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
