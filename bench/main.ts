// `npm run bench` — per-envelope validation cost of ours (the Worker's code path) against the floor
// and the reference pipeline (see pipelines.ts), for ≈ 5 KB, ≈ 100 KB and ≈ 1 MB blocks, all measured
// in this process. Issue #2's goals: ours ≤ 2× the floor and ≥ 3× faster than the reference on the
// largest case. Printed, never asserted. `--json` prints one JSON line instead of the table;
// `--quick` shortens the time budgets (for smoke runs). Then ingest through wrangler dev (ingest.ts,
// `--no-ingest`), an unsafe block against a cross-safe one of the same size (ingest-unsafe.ts, also
// skipped by `--no-ingest`), big blocks in workerd: RPC bytes, memory and CPU per check before/after
// consolidation on hashes, and per ingest (consolidate.ts, `--no-consolidate`), and relay forward latency
// from op-node's own p2p stack vs a js peer (interop.ts, `--no-interop`; skipped without Go). Then the
// operator's parts (issue 15 item 2): redundant relays (redundancy.ts, `--no-redundancy`), a modelled
// WAN (wan.ts, `--no-wan`), a relay under a flood (attack.ts, `--no-attack`) and 25 chains in one
// deployment (many-chains.ts, `--no-chains`).
import { ATTESTATION_OVERHEAD_GOAL, measureAttestationOverhead } from "./attestation-overhead.ts";
import { keccakWasmBytes, secp256k1WasmBytes } from "../src/node/wasm.ts"; // installs the WASM keccak and secp256k1, as the Worker's entry does
import { fromHex } from "../src/protocol/hex.ts";
import { installKeccakWasm, keccakBackend, useJsKeccak } from "../src/protocol/keccak/index.ts";
import { installSecp256k1Wasm, secp256k1Backend, useJsSecp256k1 } from "../src/protocol/secp256k1/index.ts";
import { CROSS_SAFE_SIGNING_DOMAIN, payloadHash, signingHash } from "../src/protocol/signature.ts";
import { BENCH_CASES, buildEnvelopeFixture, DEFAULT_SEQUENCER_KEY, type EnvelopeFixture } from "./fixtures.ts";
import { printConsolidate, runConsolidateBench } from "./consolidate.ts";
import { printIngest, runIngestBench } from "./ingest.ts";
import { printInterop, runInteropBench } from "./interop.ts";
import { printUnsafe, runUnsafeIngestBench } from "./ingest-unsafe.ts";
import { runOperatorBenches, printOperatorBenches, operatorJson } from "./operator.ts";
import { measure, measureInterleaved, type MeasureOptions, type Stats } from "./measure.ts";
import {
  keccakCandidates,
  makeFloor,
  makeReference,
  ours,
  oursContext,
  secp256k1Candidates,
  snappyCandidates,
  transactionViews,
  type Candidate,
} from "./pipelines.ts";

const args = new Set(process.argv.slice(2));
const asJson = args.has("--json");
const quick = args.has("--quick");
const log = (s: string) => {
  if (!asJson) console.log(s);
};
const scale = quick ? 0.2 : 1;

/** Budgets per case size: the large case gets more time (fewer, longer calls); `slow` pipelines (≥ 10× ours) fewer calls. */
function budget(bytes: number, slow = false): MeasureOptions {
  const big = bytes > 500_000;
  const mid = bytes > 50_000;
  return {
    warmup: slow ? (big ? 2 : 5) : big ? 5 : mid ? 20 : 100,
    minIterations: slow ? (big ? 8 : 15) : big ? 30 : 50,
    maxIterations: 5000,
    budgetMs: (big ? 2500 : mid ? 1200 : 600) * scale,
  };
}

const keccakModule = new WebAssembly.Module(keccakWasmBytes);
const secp256k1Module = new WebAssembly.Module(secp256k1WasmBytes);
function wasm(): void {
  if (installKeccakWasm(keccakModule) !== "wasm") throw new Error("WASM keccak did not install");
  if (installSecp256k1Wasm(secp256k1Module) !== "wasm") throw new Error("WASM secp256k1 did not install");
}

// ------------------------------------------------------------------------------ fixtures, built once
wasm();
const t0 = performance.now();
const fixtures = BENCH_CASES.map((c) => ({ ...c, f: buildEnvelopeFixture({ txCount: c.txCount }) }));
log(`built ${fixtures.length} signed v4 envelopes in ${((performance.now() - t0) / 1000).toFixed(1)} s (seeded, deterministic)`);
const large = fixtures[fixtures.length - 1]!.f;

// ------------------------------------------------- pick the floor's snappy, keccak and secp256k1
async function fastest<F>(kind: string, cands: Candidate<F>[], run: (fn: F) => unknown) {
  const results: { name: string; medianMs: number }[] = [];
  for (const c of cands) {
    const s = await measure(() => run(c.fn), { warmup: 3, minIterations: 5, maxIterations: 200, budgetMs: 400 * scale });
    results.push({ name: c.name, medianMs: s.medianMs });
  }
  const best = cands[results.indexOf(results.reduce((a, b) => (b.medianMs < a.medianMs ? b : a)))]!;
  log(`${kind} on the large case: ${results.map((r) => `${r.name} ${r.medianMs.toFixed(2)} ms`).join("; ")} → ${best.name}`);
  return { best, results };
}

const largeTxs = transactionViews(large.decompressed);
const largeSigned = large.decompressed.subarray(65);
const kc = await fastest("keccak (signed bytes + each tx)", await keccakCandidates(), (h) => {
  h(largeSigned);
  for (const tx of largeTxs) h(tx);
});
const sc = await fastest("snappy decode", snappyCandidates(), (d) => d(large.raw));
const largeSig = large.decompressed.subarray(0, 64);
const largeSigningHash = signingHash(large.chainId, payloadHash(large.decompressed.subarray(65)), CROSS_SAFE_SIGNING_DOMAIN);
const rc = await fastest("secp256k1 recovery", secp256k1Candidates(), (r) => r(largeSig, large.decompressed[64]!, largeSigningHash));

// ---------------------------------------------------------------------------- correctness first
for (const { name, f } of fixtures) {
  const r = await ours(f.raw, oursContext(f));
  if (r.verdict !== "accept") throw new Error(`${name}: ours says ${r.verdict} (${r.reason}) — fixture broken`);
  const ref = await makeReference(f.chainId, fromHex(f.signer))(f.raw);
  if (!ref.ok) throw new Error(`${name}: reference pipeline rejects the fixture`);
  const pub = makeFloor(sc.best.fn, kc.best.fn, rc.best.fn, f.chainId)(f.raw);
  if (pub.length !== 65) throw new Error(`${name}: floor recovery failed`);
}

// ------------------------------------------------------------------------------------- measure
interface CaseResult {
  name: string;
  txCount: number;
  bytes: number;
  rawBytes: number;
  ours: Stats;
  oursJsKeccak: Stats;
  oursJsSecp256k1: Stats;
  floor: Stats;
  reference: Stats;
  floorRatio: number;
  referenceSpeedup: number;
  wasmSpeedup: number;
  wasmSecp256k1Speedup: number;
}

const cases: CaseResult[] = [];
for (const { name, txCount, f } of fixtures) {
  const ctx = oursContext(f);
  const b = budget(f.decompressed.length);
  const floor = makeFloor(sc.best.fn, kc.best.fn, rc.best.fn, f.chainId);
  const reference = makeReference(f.chainId, fromHex(f.signer));

  wasm();
  // ours and the floor alternate call by call: their ratio is the headline, and load drifts.
  const [o, fl] = (await measureInterleaved([() => ours(f.raw, ctx), () => floor(f.raw)], b)) as [Stats, Stats];
  useJsKeccak();
  const oj = await measure(() => ours(f.raw, ctx), budget(f.decompressed.length, true));
  wasm();
  useJsSecp256k1();
  const os = await measure(() => ours(f.raw, ctx), budget(f.decompressed.length, true));
  wasm();
  const ref = await measure(() => reference(f.raw), budget(f.decompressed.length, true));

  cases.push({
    name,
    txCount,
    bytes: f.decompressed.length,
    rawBytes: f.raw.length,
    ours: o,
    oursJsKeccak: oj,
    oursJsSecp256k1: os,
    floor: fl,
    reference: ref,
    floorRatio: o.medianMs / fl.medianMs,
    referenceSpeedup: ref.medianMs / o.medianMs,
    wasmSpeedup: oj.medianMs / o.medianMs,
    wasmSecp256k1Speedup: os.medianMs / o.medianMs,
  });
}
if (keccakBackend() !== "wasm") throw new Error("keccak backend left in JS mode");
if (secp256k1Backend() !== "wasm") throw new Error("secp256k1 backend left in JS mode");

// Issue 10: the attestation-domain and low-s checks on the large case (goal < 5%).
const attestation = await measureAttestationOverhead(large, DEFAULT_SEQUENCER_KEY, budget(large.decompressed.length));

// --------------------------------------------------------------------------------------- report
const last = cases[cases.length - 1]!;
const round = (x: number, d = 3) => Number(x.toFixed(d));
const goals = { floorRatioMax: 2, referenceSpeedupMin: 3 };

// Part 2 (issue #3): ingest → head advanced through the Worker + Durable Object under wrangler dev.
const skipIngest = args.has("--no-ingest");
const ingest = skipIngest ? null : await runIngestBench({ samples: quick ? 100 : 300, log });
// Big blocks (issue 15 items 3-4) inside workerd, checks before/after consolidation on hashes, ingest costs.
const consolidateBench = skipIngest || args.has("--no-consolidate") ? null : await runConsolidateBench({ log, perSize: quick ? 1 : 3 });
// Part 3 (issue #12): an unsafe block (blocks topic, no RPC) against a cross-safe block of the same size.
const unsafe = skipIngest ? null : await runUnsafeIngestBench({ samples: quick ? 50 : 200, log });

// Part 4 (issue #11): relay forward latency, op-node's own p2p stack vs a js peer (needs Go; skipped without).
const interop = args.has("--no-interop") ? null : await runInteropBench({ quick, log });

// Issue 15 item 2: what an operator runs into — redundant relays, WAN latency, a flood, many chains.
const operator = await runOperatorBenches(args, quick, log);

if (asJson) {
  const st = (s: Stats) => ({ medianMs: round(s.medianMs), p90Ms: round(s.p90Ms), minMs: round(s.minMs), iterations: s.iterations });
  console.log(
    JSON.stringify({
      floorRatio: round(last.floorRatio),
      referenceSpeedup: round(last.referenceSpeedup),
      attestationOverhead: round(attestation.overhead, 4),
      attestationOverheadGoalMax: ATTESTATION_OVERHEAD_GOAL,
      ...(ingest
        ? {
            ingestP50Ratio: round(ingest.p50Ratio),
            ingestP99Ratio: round(ingest.p99Ratio),
            ingest: { samples: ingest.samples, healthz: ingest.healthz, ingest: ingest.ingest, wranglerStartMs: ingest.wranglerStartMs, wranglerObservability: ingest.wranglerObservability, phasesP50Ms: ingest.phasesP50Ms },
          }
        : {}),
      ...(unsafe
        ? {
            unsafeLatencyP50Ratio: round(unsafe.latencyP50Ratio),
            unsafeLatencyP99Ratio: round(unsafe.latencyP99Ratio),
            unsafeCpuRatio: unsafe.cpuRatio === null ? null : round(unsafe.cpuRatio),
            unsafeVsCrossSafe: unsafe,
          }
        : {}),
      ...(interop
        ? "skipped" in interop
          ? { interop: { skipped: interop.skipped } }
          : {
              interopRatios: Object.fromEntries(interop.cases.map((c) => [c.name, round(c.ratio)])),
              interop: { goal: interop.goal, goalMet: interop.goalMet, cases: interop.cases },
            }
        : {}),
      ...(consolidateBench ? { consolidate: consolidateBench } : {}),
      ...operatorJson(operator),
      goalsMet: last.floorRatio <= goals.floorRatioMax && last.referenceSpeedup >= goals.referenceSpeedupMin,
      goals,
      node: process.version,
      floorKeccak: kc.best.name,
      floorSnappy: sc.best.name,
      floorSecp256k1: rc.best.name,
      keccakCandidatesMs: Object.fromEntries(kc.results.map((r) => [r.name, round(r.medianMs)])),
      snappyCandidatesMs: Object.fromEntries(sc.results.map((r) => [r.name, round(r.medianMs)])),
      secp256k1CandidatesMs: Object.fromEntries(rc.results.map((r) => [r.name, round(r.medianMs, 4)])),
      cases: cases.map((c) => ({
        name: c.name,
        txCount: c.txCount,
        bytes: c.bytes,
        rawBytes: c.rawBytes,
        ours: st(c.ours),
        oursJsKeccak: st(c.oursJsKeccak),
        oursJsSecp256k1: st(c.oursJsSecp256k1),
        floor: st(c.floor),
        reference: st(c.reference),
        floorRatio: round(c.floorRatio),
        referenceSpeedup: round(c.referenceSpeedup),
        wasmSpeedup: round(c.wasmSpeedup),
        wasmSecp256k1Speedup: round(c.wasmSecp256k1Speedup),
      })),
    }),
  );
} else {
  const ms = (s: Stats) => `${s.medianMs.toFixed(3)} / ${s.p90Ms.toFixed(3)}`;
  const kb = (n: number) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
  const rows = [
    ["size", "txs", "bytes (snappy)", "ours ms", "floor ms", "reference ms", "ours/floor", "ref/ours", "ours, JS keccak ms", "JS/WASM", "ours, JS secp256k1 ms", "JS/WASM"],
    ...cases.map((c) => [
      c.name,
      String(c.txCount),
      `${kb(c.bytes)} (${kb(c.rawBytes)})`,
      ms(c.ours),
      ms(c.floor),
      ms(c.reference),
      `${c.floorRatio.toFixed(2)}×`,
      `${c.referenceSpeedup.toFixed(1)}×`,
      ms(c.oursJsKeccak),
      `${c.wasmSpeedup.toFixed(1)}×`,
      ms(c.oursJsSecp256k1),
      `${c.wasmSecp256k1Speedup.toFixed(1)}×`,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  log("");
  log("per-envelope cost, median / p90 in ms (same process, Node " + process.version + ")");
  for (const [i, r] of rows.entries()) {
    log(r.map((cell, k) => (k < 2 ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join("  "));
    if (i === 0) log(widths.map((w) => "-".repeat(w)).join("  "));
  }
  log("");
  log(
    `largest case: ours/floor ${last.floorRatio.toFixed(2)}× (goal ≤ ${goals.floorRatioMax}×: ${last.floorRatio <= goals.floorRatioMax ? "met" : "MISSED"}), ` +
      `reference/ours ${last.referenceSpeedup.toFixed(1)}× (goal ≥ ${goals.referenceSpeedupMin}×: ${last.referenceSpeedup >= goals.referenceSpeedupMin ? "met" : "MISSED"})`,
  );
  log(
    `attestation checks (own domain + low-s) on the large case: cross-safe ${attestation.crossSafe.medianMs.toFixed(3)} ms vs blocks topic ${attestation.blocks.medianMs.toFixed(3)} ms → ${(attestation.overhead * 100).toFixed(2)}% (goal < ${ATTESTATION_OVERHEAD_GOAL * 100}%: ${attestation.overhead < ATTESTATION_OVERHEAD_GOAL ? "met" : "MISSED"})`,
  );
  log(
    "ours = validateGossipMessage (cross-safe, no seen cache; includes the SHA-256 message id); floor = snappy + keccak(signed bytes) + keccak(each tx) + 1 recovery",
  );
  log("(each the fastest measured above); \"ours, JS …\" = ours with that one backend switched to pure JS (@noble/hashes keccak, @noble/curves recovery);");
  log("reference = snappyjs + @lodestar/types SSZ + @ethereumjs/trie tx root + @ethereumjs/block header hash + @ethereumjs/util ecrecover (pure-JS keccak).");
  if (ingest) printIngest(ingest);
  if (interop) printInterop(interop);
  if (consolidateBench) printConsolidate(consolidateBench);
  if (unsafe) printUnsafe(unsafe);
  printOperatorBenches(operator);
}
