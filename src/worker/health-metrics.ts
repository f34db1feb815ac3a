// The /healthz facts as Prometheus series (text format 0.0.4), for the alert rules in
// docs/alerts/op-follow.rules.yml. Endpoints never asked yet have no rpc series (unknown, not down).
import { RPC_ENDPOINTS } from "../checks/rpc-tally.ts";
import { STATUS_VALUE, type ChainHealth } from "./health.ts";
import { label } from "./prometheus.ts";

const GAUGES: [string, string, string][] = [
  ["op_follow_health_status", "gauge", "The chain's health by the /healthz rules: 0 ok, 1 degraded, 2 failing."],
  ["op_follow_health_reason", "gauge", "1 for each reason /healthz names for the chain (code and the status it implies)."],
  ["op_follow_rpc_up", "gauge", "1 when the endpoint's last request succeeded, 0 when it failed (absent until it is first asked)."],
  ["op_follow_rpc_last_success_timestamp_seconds", "gauge", "When the endpoint last answered (Unix seconds)."],
  ["op_follow_rpc_last_error_timestamp_seconds", "gauge", "When the endpoint last failed (Unix seconds)."],
  ["op_follow_rpc_errors_total", "counter", "RPC faults by endpoint and reason (<code>:<endpoint>); kept with the health record, so a restarted object may lose up to 30 s of counts (a counter reset to Prometheus)."],
  ["op_follow_head_last_moved_timestamp_seconds", "gauge", "When the cross-safe head last moved (advanced or rewound), Unix seconds."],
  ["op_follow_head_stalled_seconds", "gauge", "Seconds local-safe has been ahead of a cross-safe head that did not move (0 when it is not)."],
  ["op_follow_alarm_raised_timestamp_seconds", "gauge", "When the equivocation alarm was raised (Unix seconds); absent while none is."],
];

const sec = (ms: number) => Number((ms / 1000).toFixed(3));

export function healthMetricLines(byChain: Map<string, ChainHealth>): string[] {
  const rows = new Map<string, string[]>(GAUGES.map(([n]) => [n, []]));
  const put = (name: string, labels: string, v: number) => rows.get(name)!.push(`${name}{${labels}} ${v}`);
  for (const [id, h] of byChain) {
    const chain = `chain="${label(id)}"`;
    put("op_follow_health_status", chain, STATUS_VALUE[h.status]);
    for (const r of h.reasons) put("op_follow_health_reason", `${chain},code="${label(r.code)}",status="${r.status}"`, 1);
    if (h.headMovedAtMs !== null) put("op_follow_head_last_moved_timestamp_seconds", chain, sec(h.headMovedAtMs));
    put("op_follow_head_stalled_seconds", chain, sec(h.stalledMs));
    if (h.alarm) put("op_follow_alarm_raised_timestamp_seconds", chain, sec(h.alarm.raisedAtMs));
    for (const n of RPC_ENDPOINTS) {
      const e = h.rpc?.[n];
      if (!e || (e.lastSuccessAtMs === null && e.lastError === null)) continue;
      const ep = `${chain},endpoint="${n}"`;
      put("op_follow_rpc_up", ep, e.downSinceAtMs === null ? 1 : 0);
      if (e.lastSuccessAtMs !== null) put("op_follow_rpc_last_success_timestamp_seconds", ep, sec(e.lastSuccessAtMs));
      if (e.lastError !== null) put("op_follow_rpc_last_error_timestamp_seconds", ep, sec(e.lastError.atMs));
      for (const [reason, count] of Object.entries(e.errors)) put("op_follow_rpc_errors_total", `${ep},reason="${label(reason)}"`, count);
    }
  }
  return GAUGES.flatMap(([name, type, help]) => [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...rows.get(name)!]);
}
