// What test/devnet/global-setup.ts provides to tests (inject("chainServer")). No Node imports, so the
// Worker tests (tsconfig.worker.json, workerd) can import the type and the augmentation.
import type { ChainServerUrls } from "../../src/devnet/endpoints.ts";

export interface ChainServerInfo {
  urls: ChainServerUrls;
  /** Decimal strings (provide() values must be serialisable). */
  l1ChainId: string;
  l2ChainId: string;
  systemConfig: string;
  sequencerAddress: string;
  /** Public dev key: tests may sign as the sequencer. */
  sequencerKey: string;
  genesisTime: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    chainServer: ChainServerInfo;
  }
}
