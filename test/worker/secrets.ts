// Test-only secrets for the Worker under test (vitest.config.ts binds them).
export const TEST_RELAY_ID = "relay-test";
export const TEST_RELAY_SECRET = "test-relay-secret-0123456789abcdef0123456789";
/** A second relay (copies of one block through two relays: test/worker/copies.test.ts). */
export const TEST_RELAY_2_ID = "relay-test-2";
export const TEST_RELAY_2_SECRET = "test-relay-2-secret-0123456789abcdef0123456789";
export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef0123456789";
