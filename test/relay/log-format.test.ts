// --log-format text (op-node's terminal format) and the periodic status line with counts.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, formatText } from "../../src/relay/log.ts";
import { startStatusLine } from "../../src/relay/status-line.ts";

describe("text log format", () => {
  it("LEVEL [MM-DD|hh:mm:ss.mmm] message padded to 40, then key=value (quoted when needed)", () => {
    const at = new Date(2026, 0, 2, 3, 4, 5, 6);
    expect(formatText("info", "relay started", { peerId: "16Uiu2", listen: ["/ip4/0.0.0.0/tcp/9224"], n: 3n, note: "two words", empty: "" }, at)).toBe(
      `INFO [01-02|03:04:05.006] ${"relay started".padEnd(40)} peerId=16Uiu2 listen=["/ip4/0.0.0.0/tcp/9224"] n=3 note="two words" empty=""`,
    );
    expect(formatText("warn", "x", {}, at)).toBe("WARN [01-02|03:04:05.006] x");
    expect(formatText("error", "failed", { err: new Error("boom") }, at)).toBe(`ERROR[01-02|03:04:05.006] ${"failed".padEnd(40)} err=boom`);
  });

  it("createLogger({ format: 'text' }) writes it, children too", () => {
    const lines: string[] = [];
    const log = createLogger({ format: "text", sink: (l) => lines.push(l), fields: { component: "relay" } });
    log.child({ chain: 10 }).info("hello", { a: 1 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^INFO \[\d\d-\d\d\|\d\d:\d\d:\d\d\.\d{3}\] hello +component=relay chain=10 a=1$/);
  });
});

describe("status line", () => {
  afterEach(() => vi.useRealTimers());

  it("logs counter increases since the last line and the gauges, every interval", () => {
    vi.useFakeTimers();
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({ sink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    let accepted = 5;
    const s = startStatusLine(log, "relay status", 60_000, { counters: { accepted: () => accepted }, gauges: () => ({ peers: 2 }) })!;
    accepted = 9;
    vi.advanceTimersByTime(60_000);
    accepted = 10;
    vi.advanceTimersByTime(60_000);
    s.stop();
    vi.advanceTimersByTime(60_000);
    expect(lines.map(({ msg, accepted: a, peers, intervalS, level }) => ({ msg, a, peers, intervalS, level }))).toEqual([
      { msg: "relay status", a: 4, peers: 2, intervalS: 60, level: "info" },
      { msg: "relay status", a: 1, peers: 2, intervalS: 60, level: "info" },
    ]);
    expect(startStatusLine(log, "x", 0, { counters: {}, gauges: () => ({}) })).toBeUndefined();
  });
});
