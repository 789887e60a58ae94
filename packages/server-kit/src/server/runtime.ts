// What every tool and resource of one server shares at run time: its name,
// the idempotency store, and the operations side (metrics, audit, logs).
// Built once by createKitServer and handed to each registration.

import type { RequestStateCodec } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';

import type { IdempotencyStore } from '../idempotency/store.ts';
import type { ConfirmationPages } from './confirmation-pages.ts';
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
  /** URL-mode confirmations waiting for the user's answer on this server's page. */
  readonly confirmationPages: ConfirmationPages;
  /** How long a call waits for the page's answer: a 2025 session holds the call open; a 2026 retry waits briefly, then asks again. */
  readonly confirmationWaitMs: { legacy: number; modern: number };
  /** Where users' browsers reach this server (confirmation pages); the request's own origin when unset. */
  readonly publicUrl: string | undefined;
}

export interface ConfirmationState {
  tool: string;
  fingerprint: string;
  /** A URL-mode round: the confirmation page's id. */
  confirmationId?: string;
}
