// The gateway configuration of one conformance pairing: the fixture under
// test as its only backend (HTTP by URL, stdio as a child the gateway
// supervises), under the name its per-backend endpoint is built from. One
// gateway per pairing, so no pairing inherits another's held calls or
// triggered list changes.

import type { BackendConfig, GatewayConfig } from '@gatehouse/gateway';

import { stdioCommand } from '../backends/launch.ts';
import type { FixtureSpec } from './scenarios.ts';

/** Enough processes for the rounds the 2026-07-28 suite abandons (expected-failures.yaml named ten) plus the one in use. */
const STDIO_PROCESSES = 12;

export function fixtureBackend(fixture: FixtureSpec, httpUrl: string | undefined): BackendConfig {
  const common = { name: fixture.name, timeoutMs: 30_000, auth: { type: 'none' as const }, requiredScope: undefined, enabled: true };
  if (fixture.carriage === 'http') {
    if (httpUrl === undefined) throw new Error(`fixture ${fixture.name} is served over HTTP but no URL was given`);
    return { kind: 'http', url: httpUrl, headers: {}, ...common };
  }
  const { command, args } = stdioCommand(fixture.script);
  // A pool (upstream/stdio-pool.ts): the suite leaves some input_required rounds unretried, each holding its call on a
  // process; the other processes keep every later call's server requests unambiguous. A task's polls go to the
  // process that created it (the fixture keeps its tasks in process memory, docs/tasks.md).
  return { kind: 'stdio', command, args, env: {}, cwd: undefined, processes: STDIO_PROCESSES, ...common };
}

export function conformanceGatewayConfig(backend: BackendConfig): GatewayConfig {
  return {
    gateway: {
      endpoint: undefined,
      id: 'gatehouse-conformance',
      host: '127.0.0.1',
      port: 0,
      adminHost: '127.0.0.1',
      adminPort: 0,
      nameSeparator: '__',
      allowedOrigins: ['http://localhost:*', 'http://127.0.0.1:*'],
    },
    authentication: undefined,
    audit: undefined,
    backends: [backend],
    policies: [],
    session: { store: 'memory', ttlSeconds: 3600, maxConcurrentSessionsPerUser: 10, maxMessageSizeBytes: 4 * 1024 * 1024, streamTimeoutSeconds: 300 },
  };
}
