// The interop suite's skip rule (harness/go-helpers.ts): without Go it skips locally with a reason,
// and refuses to skip in CI (CI=true or OP_FOLLOW_REQUIRE_INTEROP=1), as the Chromium test does.
import { describe, expect, it } from "vitest";
import { interopUnavailable } from "./harness/go-helpers.ts";

describe("interop skip rule", () => {
  const noGo = { PATH: "/nonexistent" };
  it("without Go: a reason locally, an error in CI", () => {
    expect(interopUnavailable(noGo)).toMatch(/no Go toolchain/);
    expect(() => interopUnavailable({ ...noGo, CI: "true" })).toThrow(/cannot be skipped in CI/);
    expect(() => interopUnavailable({ ...noGo, OP_FOLLOW_REQUIRE_INTEROP: "1" })).toThrow(/cannot be skipped/);
  });
});
