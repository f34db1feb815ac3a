// What test/helpers/worker-global-setup.ts provides to the Worker tests (via inject()).
declare module "vitest" {
  export interface ProvidedContext {
    workerChain: {
      urls: { base: string; l1: string; l2: string; rollup: string; sequencerL2: string; sequencerRollup: string; control: string };
      chainId: string;
      chainConfig: Record<string, unknown>;
      sequencerKey: string;
      sequencerAddress: string;
    };
  }
}
export {};

import type { WorkerEnv } from "../../src/worker/env.ts";
declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
  }
}
