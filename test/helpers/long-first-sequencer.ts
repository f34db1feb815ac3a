// The order vitest starts test files in: its own (failed first, then longest by the last run's
// results, or largest file without them), except that the files known to take minutes go first. Without
// this, a fresh clone (CI: no results cache) sorts by file size, and the chaos run, a short file,
// started last and ran alone for 2.5 minutes with the other slot idle (792 s against 662 s in place).
// The two interop files that mostly wait on the clock lead, so the CPU-heavy chaos run starts beside
// one of them, not beside another heavy end-to-end file.
import { BaseSequencer, type TestSpecification } from "vitest/node";

export const LONG_FIRST = [
  "test/interop/mixed-mesh.test.ts",
  "test/interop/alert-rules.test.ts",
  "test/e2e/chaos.test.ts",
  "test/e2e/devnet-lifecycle.test.ts",
  "test/e2e/unsafe-relay-worker.test.ts",
  "test/e2e/devnet-command.test.ts",
  "test/e2e/redundant-relays.test.ts",
];

export default class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const i = LONG_FIRST.findIndex((p) => f.moduleId.endsWith(`/${p}`));
      return i < 0 ? LONG_FIRST.length : i;
    };
    // groups first (the workers project runs last, in a group of its own), then the list, then vitest's order
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => a.f.project.config.sequence.groupOrder - b.f.project.config.sequence.groupOrder || rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}
