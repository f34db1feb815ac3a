// Prometheus's own rule evaluator for the alert rules test: `promtool` built from
// github.com/prometheus/prometheus/cmd/promtool (test/interop/promtool/go.mod pins the version;
// build.sh builds it into ~/.cache/op-follow/bin). Scraped /metrics samples become a
// `promtool test rules` file: input_series with one value per scrape, alert_rule_test and
// promql_expr_test (ALERTS) assertions.
import { spawnSync } from "node:child_process";
import { helperBinary } from "./go-helpers.ts";

export const PROMTOOL = helperBinary("promtool");

export function promtool(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(PROMTOOL, args, { encoding: "utf8", timeout: 120_000 });
  return { status: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

/** One scrape: series selector (`name{labels}`, as input_series spells it) → value. */
export type Scrape = Map<string, number>;

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;

/**
 * The samples of the metrics named in `keep` from a text exposition (format 0.0.4), each with
 * `extra` labels added (what Prometheus adds as the target's job and instance).
 */
export function parseExposition(text: string, keep: ReadonlySet<string>, extra: Record<string, string>): Scrape {
  const out: Scrape = new Map();
  const more = Object.entries(extra).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = LINE.exec(line.trim());
    if (!m || !keep.has(m[1]!)) continue;
    const labels = [...(m[2] ? [m[2]] : []), ...more].join(",");
    const v = Number(m[3] === "+Inf" ? Infinity : m[3] === "-Inf" ? -Infinity : m[3]);
    if (!Number.isNaN(v)) out.set(`${m[1]}{${labels}}`, v);
  }
  return out;
}

export interface ExpAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleTestGroup {
  name: string;
  /** One scrape per step; step i is evaluated at i × interval. */
  scrapes: Scrape[];
  /** The test's evaluation step (promtool's interval): each real scrape stands for this much time. */
  interval: string;
  alerts: { atStep: number; alertname: string; exp: ExpAlert[] }[];
  exprs: { atStep: number; expr: string; exp: { labels: string; value: number }[] }[];
}

const q = (s: string) => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar

/** `interval` "1m" → minutes; steps are written as `<n>m`. */
function at(step: number, interval: string): string {
  const m = /^(\d+)m$/.exec(interval);
  if (!m) throw new Error(`interval ${interval}: minutes only`);
  return `${step * Number(m[1])}m`;
}

/** The `promtool test rules` file for `ruleFile` (an absolute path). */
export function rulesTestFile(ruleFile: string, groups: RuleTestGroup[]): string {
  const y: string[] = [`rule_files:`, `  - ${q(ruleFile)}`, `evaluation_interval: ${groups[0]?.interval ?? "1m"}`, `tests:`];
  for (const g of groups) {
    y.push(`  - name: ${q(g.name)}`, `    interval: ${g.interval}`, `    input_series:`);
    const names = new Set(g.scrapes.flatMap((s) => [...s.keys()]));
    for (const series of [...names].sort()) {
      const values = g.scrapes.map((s) => (s.has(series) ? String(s.get(series)) : "_")).join(" ");
      y.push(`      - series: ${q(series)}`, `        values: ${q(values)}`);
    }
    if (g.alerts.length) y.push(`    alert_rule_test:`);
    for (const a of g.alerts) {
      y.push(`      - eval_time: ${at(a.atStep, g.interval)}`, `        alertname: ${q(a.alertname)}`, `        exp_alerts:${a.exp.length ? "" : " []"}`);
      for (const e of a.exp) {
        y.push(`          - exp_labels:`, ...Object.entries(e.labels).map(([k, v]) => `              ${k}: ${q(v)}`));
        y.push(`            exp_annotations:`, ...Object.entries(e.annotations).map(([k, v]) => `              ${k}: ${q(v)}`));
      }
    }
    if (g.exprs.length) y.push(`    promql_expr_test:`);
    for (const e of g.exprs) {
      y.push(`      - expr: ${q(e.expr)}`, `        eval_time: ${at(e.atStep, g.interval)}`, `        exp_samples:${e.exp.length ? "" : " []"}`);
      for (const s of e.exp) y.push(`          - labels: ${q(s.labels)}`, `            value: ${s.value}`);
    }
  }
  return y.join("\n") + "\n";
}
