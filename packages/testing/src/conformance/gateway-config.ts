// The gateway configuration the conformance run uses: one HTTP backend, our
// conformance fixture, under the name the per-backend endpoint is built from.

import type { GatewayConfig } from '@gatehouse/gateway';
import { CONFORMANCE_BACKEND_NAME } from './scenarios.ts';

export function conformanceGatewayConfig(backendUrl: string): GatewayConfig {
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
    backends: [
      { kind: 'http', name: CONFORMANCE_BACKEND_NAME, url: backendUrl, headers: {}, timeoutMs: 30_000, auth: { type: 'none' }, requiredScope: undefined, enabled: true },
    ],
    policies: [],
    session: { store: 'memory', ttlSeconds: 3600, maxConcurrentSessionsPerUser: 10, maxMessageSizeBytes: 4 * 1024 * 1024, streamTimeoutSeconds: 300 },
  };
}
