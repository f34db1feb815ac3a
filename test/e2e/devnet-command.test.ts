// `op-follow devnet --duration 25` as a user runs it (child process through bin/op-follow): the chain
// server in real time, the Worker under wrangler dev, a relay and the publisher come up; the plain
// (non-TTY) view shows the cross-safe head advancing, a scheduled deposits-only replacement and an
// equivocation alarm that the devnet clears again; the command exits 0 and leaves no process behind
// (every process it started carries a marker in its environment, which we look for in /proc).
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LineRenderer, renderPanel, PLAIN, type ViewSnapshot } from "../../src/devnet/devnet-view.ts";
import { parseDevnetArgs } from "../../src/devnet/devnet.ts";
import { processesWith, waitNoneWith } from "../helpers/processes.ts";

const BIN = join(import.meta.dirname, "../../bin/op-follow");

describe("op-follow devnet", () => {
  it("parses its options", () => {
    const o = parseDevnetArgs(["--port", "0", "--duration", "25", "--scenario", "replace@5,equivocation@11", "--scenario", "l1-reorg@20s,unsafe-reorg@21,sequencer-silent@22", "--no-color", "--log-file", "off"], {}, true);
    expect(o).toMatchObject({
      port: 0,
      durationS: 25,
      color: false,
      logFile: null,
      blockTime: 1,
      scenarios: [{ kind: "replace", atS: 5 }, { kind: "equivocation", atS: 11 }, { kind: "l1-reorg", atS: 20 }, { kind: "unsafe-reorg", atS: 21 }, { kind: "sequencer-silent", atS: 22 }],
    });
    for (const [d, s] of [["25s", 25], ["2m", 120], ["1.5", 1.5], ["500ms", 0.5]] as const) expect(parseDevnetArgs(["--duration", d])).toMatchObject({ durationS: s });
    for (const d of ["0", "0s", "soon", "5d"]) expect(() => parseDevnetArgs(["--duration", d])).toThrow(/--duration: expected seconds > 0/);
    expect(parseDevnetArgs(["--help"])).toBe("help");
    expect(() => parseDevnetArgs(["--scenario", "meteor@3"])).toThrow(/--scenario/);
    expect(() => parseDevnetArgs(["--block-time", "5", "--port", "x"])).toThrow(/--block-time[\s\S]*--port/);
    expect((parseDevnetArgs([], {}, true) as { color: boolean }).color).toBe(true);
    expect((parseDevnetArgs([], { NO_COLOR: "1" }, true) as { color: boolean }).color).toBe(false);
  });

  it("renders the panel and the plain lines", () => {
    const snap: ViewSnapshot = {
      elapsedS: 12.3,
      chainId: "901",
      blockTime: 1,
      urls: { worker: "http://127.0.0.1:8787", chain: "http://127.0.0.1:8545", control: "http://127.0.0.1:8545/__control", relay: "/ip4/127.0.0.1/tcp/1/p2p/x" },
      workerStartMs: 2400,
      logFile: null,
      sequencer: { unsafe: 40n, localSafe: 34n, crossSafe: 32n },
      worker: {
        ok: true,
        head: { number: 32, hash: "0x" + "ab".repeat(32), updatedAtMs: Date.now(), replaced: true, replacement: "spec" },
        localSafe: 34,
        lag: 2,
        alarm: null,
        events: [
          { atMs: 2, kind: "replaced", number: 32, hash: "0x" + "ab".repeat(32), reason: "deposits-only (spec)" },
          { atMs: 1, kind: "advanced", number: 31, hash: "0x" + "cd".repeat(32) },
        ],
      },
      publisher: { published: 9, last: 32n, peers: 1, lastError: null },
      relay: { peers: 1, banned: 0 },
      scenarios: [{ label: "replace", atS: 5, state: "done", note: "ok" }],
    };
    const panel = renderPanel(snap, PLAIN).join("\n");
    expect(panel).toContain("cross-safe head  #32");
    expect(panel).toContain("lag 2 block(s)");
    expect(panel).toContain("deposits-only replacement (spec)");
    expect(panel).toContain("replace        done ok");
    const r = new LineRenderer();
    expect(r.render(snap)).toEqual([
      "[  12.3s] advanced #31 0xcdcdcdcd…cdcdcd",
      "[  12.3s] replaced #32 0xabababab…ababab (deposits-only (spec)) | head #32 0xabababab…ababab replaced(spec) lag 2",
    ]);
    expect(r.render(snap)).toEqual([]);
    // With the unsafe head reported: a line for it in the panel, and in the plain tail.
    const w = snap.worker as Extract<ViewSnapshot["worker"], { ok: true }>;
    const withUnsafe: ViewSnapshot = { ...snap, worker: { ...w, unsafe: { number: 40, hash: "0x" + "ef".repeat(32), delayMs: 420 }, events: [{ atMs: 3, kind: "unsafe-reorg", number: 39, hash: "0x" + "12".repeat(32) }, ...w.events] } };
    expect(renderPanel(withUnsafe, PLAIN).join("\n")).toContain("unsafe head      #40  0xefefefef…efefef received 0.4 s after its timestamp · leads local-safe by 6");
    expect(new LineRenderer().render(withUnsafe).at(-1)).toBe("[  12.3s] unsafe-reorg #39 0x12121212…121212 | head #32 0xabababab…ababab replaced(spec) lag 2 · unsafe #40 local-safe #34");
  });

  it("runs everything for --duration 25: the head advances, scenarios show, exit 0, nothing left running", async () => {
    const marker = `OP_FOLLOW_DEVNET_TEST=${randomUUID()}`;
    const [k, v] = marker.split("=") as [string, string];
    const dir = await mkdtemp(join(tmpdir(), "devnet-cmd-"));
    const logFile = join(dir, "devnet.log");
    const child = spawn(BIN, ["devnet", "--duration", "25", "--port", "0", "--log-file", logFile, "--scenario", "replace@5,unsafe-reorg@8,equivocation@11,sequencer-silent@13"], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", [k]: v },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    let during: { pid: number; cmd: string }[] = [];
    const sample = setInterval(() => {
      if (!stdout.includes("head #")) return;
      void processesWith(marker).then((p) => {
        if (p.length > during.length) during = p;
      });
    }, 1_000);
    const killer = setTimeout(() => child.kill("SIGKILL"), 80_000);
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    clearTimeout(killer);
    clearInterval(sample);
    const diag = `\nstdout:\n${stdout}\nstderr:\n${stderr.slice(-3000)}`;
    expect(code, diag).toBe(0);

    const heads = [...stdout.matchAll(/head #(\d+)/g)].map((m) => Number(m[1]));
    expect(heads.length, diag).toBeGreaterThan(5);
    expect(Math.max(...heads) - Math.min(...heads), diag).toBeGreaterThanOrEqual(10);
    expect(stdout, diag).toMatch(/ready in [\d.]+ s \(wrangler dev [\d.]+ s\)/);
    // (the replaced event and the head that shows it: one line, unless an unsafe event came in the same poll)
    expect(stdout, diag).toMatch(/replaced #\d+ \S+ \(deposits-only \(spec\)\)/);
    expect(stdout, diag).toMatch(/\| head #\d+ \S+ replaced\(spec\)/);
    expect(stdout, diag).toMatch(/scenario replace: done/);
    expect(stdout, diag).toMatch(/equivocation #\d+/);
    expect(stdout, diag).toMatch(/ALARM equivocation/);
    expect(stdout, diag).toMatch(/alarm-cleared/);
    expect(stdout, diag).toMatch(/stopped\. cross-safe head went from #\d+ to #\d+/);
    // The three heads: unsafe (blocks topics) leads local-safe, which leads cross-safe …
    const three = [...stdout.matchAll(/head #(\d+) .*lag \d+ · unsafe #(\d+) local-safe #(\d+)/g)].map((m) => ({ cs: Number(m[1]), u: Number(m[2]), ls: Number(m[3]) }));
    expect(three.some((x) => x.u > x.ls && x.ls > x.cs), diag).toBe(true);
    // … an unsafe reorg is followed, and the sequencer can fall silent (test/publisher/unsafe.test.ts
    // checks the pause itself; how far local-safe gets past the stalled head depends on the machine).
    expect(stdout, diag).toMatch(/scenario unsafe-reorg: done/);
    expect(stdout, diag).toMatch(/unsafe-reorg #\d+/);
    expect(stdout, diag).toMatch(/scenario sequencer-silent: done — the sequencer stopped gossiping unsafe blocks/);

    // The run had the devnet, wrangler and workerd processes; none is left.
    expect(during.some((p) => p.cmd.includes("workerd")), JSON.stringify(during)).toBe(true);
    expect(during.some((p) => p.cmd.includes("wrangler")), JSON.stringify(during)).toBe(true);
    expect(await waitNoneWith(marker, 10_000)).toEqual([]);

    const log = await readFile(logFile, "utf8");
    await rm(dir, { recursive: true, force: true });
    expect(log).toContain('"component":"publisher"');
    expect(log).toContain('"component":"wrangler"');
  }, 100_000);
});
