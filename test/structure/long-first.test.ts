// The sequencer's list of long files (test/helpers/long-first-sequencer.ts) names files that exist: a
// renamed one would silently drop back to vitest's order.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LONG_FIRST } from "../helpers/long-first-sequencer.ts";
import { PROJECT_ROOT } from "../../src/devnet/worker-dev.ts";
import { join } from "node:path";

describe("long-first sequencer", () => {
  it("lists only test files that exist", () => {
    expect(LONG_FIRST.filter((p) => !existsSync(join(PROJECT_ROOT, p)))).toEqual([]);
  });
});
