// op-node's SyncStatus JSON (op-service/eth/sync_status.go as of op-node v1.19.6): exactly these ten
// fields. Its own test (sync_status_test.go) pins that there is no `cross_unsafe_l2`, and there never
// was a `cross_safe_l2`; a tool reading op-node's API must find the same keys here.
import type { L1BlockRefJson, L2BlockRefJson } from "./block-ref.ts";

export const SYNC_STATUS_L1_FIELDS = ["current_l1", "current_l1_finalized", "head_l1", "safe_l1", "finalized_l1"] as const;
export const SYNC_STATUS_L2_FIELDS = ["unsafe_l2", "safe_l2", "finalized_l2", "pending_safe_l2", "local_safe_l2"] as const;

export type SyncStatusJson = { [K in (typeof SYNC_STATUS_L1_FIELDS)[number]]: L1BlockRefJson } & { [K in (typeof SYNC_STATUS_L2_FIELDS)[number]]: L2BlockRefJson };
