// Builds the interop helpers once per run (test/interop/build.sh; a no-op check with warm caches) and
// tells the test files whether they can run: without Go they skip locally, with a message; in CI
// (CI=true) a missing Go is an error, as a missing Chromium is for the status-page test.
import type { TestProject } from "vitest/node";
import { buildHelpers, goHelpers, helperBinary, interopUnavailable } from "./go-helpers.ts";

declare module "vitest" {
  export interface ProvidedContext {
    interopSkip: string;
    opnodePeerBin: string;
  }
}

export default function setup(project: TestProject): void {
  const why = interopUnavailable();
  if (why) {
    console.warn(`interop tests skipped: ${why}`);
    project.provide("interopSkip", why);
    project.provide("opnodePeerBin", "");
    return;
  }
  const names = goHelpers();
  const { ms } = buildHelpers(names);
  if (ms > 5_000) console.log(`test/interop/build.sh ${names.join(" ")}: ${(ms / 1000).toFixed(1)} s`);
  project.provide("interopSkip", "");
  project.provide("opnodePeerBin", helperBinary("opnode-peer"));
}
