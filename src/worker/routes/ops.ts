// /metrics (Prometheus text exposition, aggregated from each chain's Durable Object).
import { Hono } from "hono";
import { ConfigError, settingsOf } from "../../checks/settings.ts";
import { chainStub, unsafeStub, type AppEnv } from "../context.ts";
import { healthMetricLines } from "../health-metrics.ts";
import { histogramLines, label } from "../prometheus.ts";
import { gatherHealth } from "./health.ts";

export const ops = new Hono<AppEnv>();

ops.get("/metrics", async (c) => {
  const s = settingsOf(c.env);
  if (s instanceof ConfigError) return c.text(`# configuration error: ${s.message}\n`, 503);
  // asked alongside the counters below (one call per chain to each object)
  const health = gatherHealth(c.env, s);
  const lines: string[] = [
    "# HELP op_follow_messages_total Gossip messages decided, by verdict and reason.",
    "# TYPE op_follow_messages_total counter",
  ];
  // "refused|<reason>" counters: requests answered 503 without a decision (relays retry them)
  const refused: string[] = [
    "# HELP op_follow_ingest_refused_total Ingest requests refused undecided with a 503 (the relay retries), by reason.",
    "# TYPE op_follow_ingest_refused_total counter",
  ];
  // "claim|<answer>" and "bytes|envelope-to-object": the block claims (src/durable/claims.ts)
  const claims: string[] = [
    "# HELP op_follow_ingest_claims_total Claim answers for validly signed blocks: owner (runs the checks), takeover (an owner after a failed or lapsed one), held (a copy held for the owner), wait (told to retry), final (answered without a check), released.",
    "# TYPE op_follow_ingest_claims_total counter",
  ];
  const envelopeBytes: string[] = [
    "# HELP op_follow_object_envelope_bytes_total Envelope bytes the Worker sent to the Durable Object (in settle calls: a block's owner, or a message settled without a claim).",
    "# TYPE op_follow_object_envelope_bytes_total counter",
  ];
  const gauges: Record<string, { help: string; rows: string[] }> = {
    op_follow_cross_safe_head: { help: "Cross-safe head block number.", rows: [] },
    op_follow_local_safe: { help: "Last local-safe block number seen from the follower's op-node.", rows: [] },
    op_follow_lag_blocks: { help: "Local-safe minus cross-safe head, in blocks.", rows: [] },
    op_follow_pending_candidates: { help: "Validly signed blocks waiting for local-safe or a retry.", rows: [] },
    op_follow_alarm: { help: "1 while an equivocation alarm halts the head.", rows: [] },
    op_follow_peers: { help: "Peers with a score.", rows: [] },
    op_follow_peers_graylisted: { help: "Peers below the graylist threshold.", rows: [] },
    op_follow_evidence: { help: "Stored equivocation evidence records.", rows: [] },
    op_follow_nonces: { help: "Request nonces held (replay protection); at the table's bound new requests are refused.", rows: [] },
    op_follow_unsafe_head: { help: "Unsafe head block number (the highest validly signed block from the blocks topics).", rows: [] },
    op_follow_unsafe_lead_blocks: { help: "Unsafe head minus local-safe, in blocks.", rows: [] },
    op_follow_unsafe_nonces: { help: "Request nonces held by the unsafe head's object (blocks topics); at its bound new requests are refused.", rows: [] },
  };
  const unsafeCounters: string[] = ["# HELP op_follow_unsafe_messages_total Blocks-topic messages decided, by verdict and reason.", "# TYPE op_follow_unsafe_messages_total counter"];
  const delay: string[] = [
    "# HELP op_follow_unsafe_delay_seconds Seconds from an unsafe block's timestamp to its receipt by a relay (first copy of each block).",
    "# TYPE op_follow_unsafe_delay_seconds histogram",
  ];
  for (const id of s.chains.keys()) {
    // Both objects at once: a busy unsafe object never delays reading the cross-safe one.
    const [m, u] = await Promise.all([chainStub(c.env, id).metrics(), unsafeStub(c.env, id).metrics()]);
    const chain = `chain="${label(id)}"`;
    for (const [k, v] of Object.entries(m.counters)) {
      const [verdict, reason] = k.split("|");
      if (verdict === "claim" || verdict === "bytes") {
        if (verdict === "claim") claims.push(`op_follow_ingest_claims_total{${chain},answer="${label(reason ?? "")}"} ${v}`);
        else envelopeBytes.push(`op_follow_object_envelope_bytes_total{${chain}} ${v}`);
        continue;
      }
      if (verdict === "refused") {
        refused.push(`op_follow_ingest_refused_total{${chain},reason="${label(reason ?? "")}"} ${v}`);
        continue;
      }
      lines.push(`op_follow_messages_total{${chain},verdict="${label(verdict ?? "")}",reason="${label(reason ?? "")}"} ${v}`);
    }
    for (const [k, v] of Object.entries(u.counters)) {
      const [verdict, reason] = k.split("|");
      unsafeCounters.push(`op_follow_unsafe_messages_total{${chain},verdict="${label(verdict ?? "")}",reason="${label(reason ?? "")}"} ${v}`);
    }
    if (u.delay.count > 0) delay.push(...histogramLines("op_follow_unsafe_delay_seconds", chain, u.delay));
    const put = (name: string, v: bigint | number | null) => v !== null && gauges[name]!.rows.push(`${name}{${chain}} ${v}`);
    put("op_follow_cross_safe_head", m.head);
    put("op_follow_local_safe", m.localSafe);
    put("op_follow_lag_blocks", m.head !== null && m.localSafe !== null ? m.localSafe - m.head : null);
    put("op_follow_pending_candidates", m.pending);
    put("op_follow_alarm", m.alarm);
    put("op_follow_peers", m.peers);
    put("op_follow_peers_graylisted", m.graylisted);
    put("op_follow_evidence", m.evidence);
    put("op_follow_nonces", m.nonces);
    put("op_follow_unsafe_head", u.head);
    put("op_follow_unsafe_lead_blocks", u.head !== null && m.localSafe !== null ? u.head - m.localSafe : null);
    put("op_follow_unsafe_nonces", u.nonces);
  }
  lines.push(...refused, ...claims, ...envelopeBytes);
  lines.push(...unsafeCounters);
  for (const [name, g] of Object.entries(gauges)) lines.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, ...g.rows);
  lines.push(...delay);
  lines.push(...healthMetricLines(await health));
  return c.text(lines.join("\n") + "\n", 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
});
