// What every tool and resource of one server shares at run time: its name,
// the idempotency store, and the operations side (metrics, audit, logs).
// Built once by createKitServer and handed to each registration.

import type { RequestStateCodec } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';

import type { IdempotencyStore } from '../idempotency/store.ts';
import type { AuditSink } from '../operations/audit.ts';
import type { KitMetrics } from '../operations/metrics.ts';

export interface KitRuntime {
  readonly serverName: string;
  /** Names this process in audit records (`context.gateway_id`). */
  readonly instanceId: string;
  readonly idempotency: IdempotencyStore;
  readonly metrics: KitMetrics;
  readonly audit: AuditSink;
  readonly logger: Logger;
  /** Seals the state of a confirmation round (which tool, which arguments) so the retry cannot be forged. */
  readonly confirmations: RequestStateCodec<ConfirmationState>;
}

export interface ConfirmationState {
  tool: string;
  fingerprint: string;
}
