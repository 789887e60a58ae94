// Test helpers for servers built on the kit: `@gatehouse/server-kit/testing`.

export { connectTestClient, testAuthInfo, type TestClient, type TestClientOptions, type TestIdentity } from './test-client.ts';
export { MemoryAuditSink } from '../operations/audit.ts';
