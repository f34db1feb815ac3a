// Prometheus text exposition (format 0.0.4) of a histogram kept as non-cumulative bucket counts
// (src/durable/unsafe-types.ts DelayHistogram): cumulative `_bucket{le}` rows, `+Inf`, `_sum`, `_count`.
import type { DelayHistogram } from "../durable/unsafe-types.ts";

/** `labels` is the rendered label list without braces, e.g. `chain="10"`. */
export function histogramLines(name: string, labels: string, h: DelayHistogram): string[] {
  const out: string[] = [];
  let acc = 0;
  h.bounds.forEach((le, i) => {
    acc += h.counts[i] ?? 0;
    out.push(`${name}_bucket{${labels},le="${le}"} ${acc}`);
  });
  out.push(`${name}_bucket{${labels},le="+Inf"} ${h.count}`, `${name}_sum{${labels}} ${Number(h.sum.toFixed(6))}`, `${name}_count{${labels}} ${h.count}`);
  return out;
}

/** A label value, escaped as the text format requires. */
export function label(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
