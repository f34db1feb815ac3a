// Reads the Worker's Server-Timing header (W3C: `name;dur=ms, …`; src/worker/server-timing.ts writes
// it) so the relay's /metrics can show where the Worker spent its time. Lenient: a malformed entry is
// skipped, never an error — the header is diagnostics, not part of the verdict.
export function parseServerTiming(header: string | null): [name: string, ms: number][] {
  const out: [string, number][] = [];
  for (const entry of (header ?? "").split(",")) {
    const [name = "", ...params] = entry.split(";").map((x) => x.trim());
    if (!/^[A-Za-z0-9_.-]{1,32}$/.test(name)) continue;
    for (const p of params) {
      const m = /^dur=(\d+(?:\.\d+)?)$/.exec(p);
      if (m) {
        out.push([name, Number(m[1])]);
        break;
      }
    }
  }
  return out;
}
