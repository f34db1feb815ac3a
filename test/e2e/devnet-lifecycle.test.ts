// The devnet's process lifecycle, as a user meets it: whichever way it is stopped — Ctrl-C (SIGINT to
// the terminal's process group), the terminal closing (SIGHUP to the group), `kill` (SIGTERM), or
// killed outright (SIGKILL to the devnet, or to the `npm start` around it) — nothing it started is left
// running (wrangler, workerd, esbuild, the reaper), the Worker's port is free again, and its temporary
// folders (secrets and keys included) are gone. Each run gets its own TMPDIR to check that in, and a
// marker in its environment that every descendant inherits. With --persist-to, a second run resumes
// the first one's head without replaying its events or rewinding.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/devnet/worker-dev.ts";
import { processesWith, waitNoneWith } from "../helpers/processes.ts";

const BIN = join(PROJECT_ROOT, "bin/op-follow");

let root: string;
let persist: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "op-follow-lifecycle-"));
  persist = join(root, "persist");
});
afterAll(() => rm(root, { recursive: true, force: true }));

interface Devnet {
  child: ChildProcess;
  marker: string;
  tmp: string;
  out: () => string;
  /** resolves when every writer of stdout/stderr has closed them (the devnet itself included) */
  closed: Promise<void>;
  workerUrl: string;
}

/** Starts `npm start -- …` or `bin/op-follow devnet …` as a terminal would: its own process group. */
async function start(via: "npm" | "bin", extra: string[] = []): Promise<Devnet> {
  const id = randomUUID();
  const marker = `OP_FOLLOW_LIFECYCLE_TEST=${id}`;
  const tmp = join(root, `tmp-${id.slice(0, 8)}`);
  await mkdir(tmp);
  const args = ["--port", "0", "--log-file", "off", ...extra];
  const [cmd, argv] = via === "npm" ? ["npm", ["start", "--silent", "--", ...args]] : [BIN, ["devnet", ...args]];
  const child = spawn(cmd, argv, {
    cwd: PROJECT_ROOT,
    detached: true,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", TMPDIR: tmp, OP_FOLLOW_LIFECYCLE_TEST: id },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const closed = Promise.all([new Promise((r) => child.stdout!.on("close", r)), new Promise((r) => child.stderr!.on("close", r))]).then(() => undefined);
  const t0 = Date.now();
  while (!/ready in .* · Worker (http:\/\/[\d.:]+)/.test(out) || !/head #\d+/.test(out)) {
    if (Date.now() - t0 > 90_000 || child.exitCode !== null) {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // gone
      }
      throw new Error(`the devnet did not come up:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const workerUrl = /ready in .* · Worker (http:\/\/[\d.:]+)/.exec(out)![1]!;
  return { child, marker, tmp, out: () => out, closed, workerUrl };
}

/** Nothing left running, the port free, TMPDIR empty. */
async function expectGone(d: Devnet): Promise<void> {
  const during = await processesWith(d.marker);
  // each part's stop is bounded (stack.ts STOP_BOUND_MS) and the devnet exits 3 s after them at the
  // latest: 30 s covers a slow stop on a busy machine; the devnet's output names the slow part
  const left = await waitNoneWith(d.marker, 30_000);
  expect(left, `left running (of ${JSON.stringify(during.map((p) => p.cmd.slice(0, 80)))}):\n${d.out()}`).toEqual([]);
  await expect(fetch(`${d.workerUrl}/healthz`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  // npm itself keeps Node's compile cache there (module.enableCompileCache), a shared cache by design
  expect((await readdir(d.tmp)).filter((f) => f !== "node-compile-cache"), "left in TMPDIR").toEqual([]);
  await Promise.race([d.closed, new Promise((r) => setTimeout(r, 5_000))]);
}

const heads = (text: string): number[] => [...text.matchAll(/head #(\d+)/g)].map((m) => Number(m[1]));

describe("devnet lifecycle", () => {
  let firstRunLastHead = 0;

  it("SIGTERM to the devnet (kill <pid>): stops everything; prints 'stopped.'", async () => {
    const d = await start("bin", ["--persist-to", persist]);
    const running = await processesWith(d.marker);
    expect(running.some((p) => p.cmd.includes("workerd")), JSON.stringify(running)).toBe(true);
    expect(running.some((p) => p.cmd.includes("esbuild")), JSON.stringify(running)).toBe(true);
    // let the head move once more, so that the persisted state has history
    const n = heads(d.out()).length;
    while (heads(d.out()).length <= n + 1) await new Promise((r) => setTimeout(r, 200));
    d.child.kill("SIGTERM");
    await d.closed;
    expect(d.out()).toMatch(/stopping \(SIGTERM\)/);
    expect(d.out()).toMatch(/^stopped\. /m);
    await expectGone(d);
    firstRunLastHead = Math.max(...heads(d.out()));
  }, 150_000);

  it("SIGHUP to `npm start`'s process group (the terminal closing); with --persist-to the head resumes", async () => {
    const d = await start("npm", ["--persist-to", persist]);
    expect(d.out()).toContain(`resuming the devnet in ${persist}: rebuilding its chain`);
    process.kill(-d.child.pid!, "SIGHUP");
    await expectGone(d);
    expect(d.out()).toMatch(/stopping \(SIGHUP\)/);
    const text = d.out();
    expect(text).not.toMatch(/rewound/);
    // resumed, not restarted: the head starts where the first run left it, and no earlier event is printed as new
    expect(heads(text)[0]).toBeGreaterThanOrEqual(firstRunLastHead);
    for (const m of text.matchAll(/\] (advanced|replaced) #(\d+)/g)) expect(Number(m[2]), text).toBeGreaterThan(firstRunLastHead);
  }, 150_000);

  it("Ctrl-C (SIGINT to the group) with stdout a pipe: prints 'stopped.'", async () => {
    const d = await start("npm");
    process.kill(-d.child.pid!, "SIGINT");
    await expectGone(d);
    expect(d.out()).toMatch(/stopping \(SIGINT\)[\s\S]*\nstopped\. /);
  }, 150_000);

  it("SIGKILL to the devnet itself: the reaper takes down wrangler, workerd, esbuild and the temp folders", async () => {
    const d = await start("bin");
    d.child.kill("SIGKILL");
    await expectGone(d);
  }, 150_000);

  it("SIGKILL to `npm start` only: the devnet notices its launcher is gone and stops", async () => {
    const d = await start("npm");
    d.child.kill("SIGKILL");
    await expectGone(d);
    expect(d.out()).toMatch(/stopping \(the launching process \d+ is gone\)/);
  }, 150_000);
});
