// Per-call timing: warm-up first (JIT, inline caches, WASM tier-up), then timed iterations until a
// time budget is spent (bounded by a minimum and maximum count). Each call is timed on its own with
// the monotonic nanosecond clock, so the median and p90 describe one envelope, GC pauses included.
// (An await on a sync function's result is skipped, so sync calls carry no microtask overhead.)

export interface MeasureOptions {
  warmup: number;
  minIterations: number;
  maxIterations: number;
  budgetMs: number;
}

export interface Stats {
  iterations: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  meanMs: number;
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === "object" && x !== null && typeof (x as { then?: unknown }).then === "function";
}

/** Sorted-sample quantile with linear interpolation between neighbours. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function stats(samples: number[]): Stats {
  samples.sort((a, b) => a - b);
  return {
    iterations: samples.length,
    medianMs: quantile(samples, 0.5),
    p90Ms: quantile(samples, 0.9),
    minMs: samples[0]!,
    meanMs: samples.reduce((a, b) => a + b, 0) / samples.length,
  };
}

async function timeOnce(fn: () => unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  const r = fn();
  if (isThenable(r)) await r;
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Times `fn` (sync or async; an async call is timed until its promise settles). */
export async function measure(fn: () => unknown, o: MeasureOptions): Promise<Stats> {
  return (await measureInterleaved([fn], o))[0]!;
}

/**
 * Times several functions in alternation (one call of each per round, the order rotating), so a change
 * in machine load or GC state hits all of them alike and their ratio stays meaningful. The budget
 * covers all of them together.
 */
export async function measureInterleaved(fns: readonly (() => unknown)[], o: MeasureOptions): Promise<Stats[]> {
  for (let i = 0; i < o.warmup; i++) for (const fn of fns) await timeOnce(fn);
  const samples = fns.map(() => [] as number[]);
  const deadline = performance.now() + o.budgetMs * fns.length;
  for (let round = 0; round < o.maxIterations && (round < o.minIterations || performance.now() < deadline); round++) {
    for (let k = 0; k < fns.length; k++) {
      const j = (round + k) % fns.length;
      samples[j]!.push(await timeOnce(fns[j]!));
    }
  }
  return samples.map(stats);
}
