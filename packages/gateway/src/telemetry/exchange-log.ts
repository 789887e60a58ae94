// Log lines about one exchange: a child logger that puts the request, session
// and trace ids on every line a stage writes, and the one line per finished
// exchange at a level an operator can alert on (docs/observability.md): INFO for each
// operation, WARN for anomalies (slow answers, denials, failed tools), ERROR
// for failures that need someone (the gateway or a backend failed).

import type { Logger } from './logger.ts';
import type { ExchangeOutcome } from './exchange-outcome.ts';

/** A tool answer over a second is worth a look: it is slow for an agent that chains calls (docs/observability.md). */
export const DEFAULT_SLOW_SECONDS = 1;

export type ExchangeLogLevel = 'info' | 'warn' | 'error';

/** Field names match the audit record's (`session_id`, `trace_id`), so log lines and audit records join. */
export function exchangeLogger(logger: Logger, requestId: string, sessionId: string | undefined, traceId: string | undefined): Logger {
  return logger.child({ request_id: requestId, session_id: sessionId, trace_id: traceId });
}

export function exchangeLogLevel(outcome: ExchangeOutcome, slowSeconds = DEFAULT_SLOW_SECONDS): ExchangeLogLevel {
  switch (outcome.status) {
    case 'error':
      return outcome.errorCode === undefined && outcome.backendError === undefined ? 'warn' : 'error';
    case 'denied':
      return 'warn';
    case 'success':
      return outcome.durationSeconds > slowSeconds ? 'warn' : 'info';
    default:
      return 'info';
  }
}

const MESSAGES: Readonly<Record<ExchangeOutcome['status'], string>> = {
  success: 'request answered',
  error: 'request failed',
  invalid: 'invalid request refused',
  denied: 'request denied',
  cancelled: 'request cancelled by the client',
};

/** The one line per finished exchange; pass the exchange's child logger so the ids are on it. */
export function logExchange(logger: Logger, outcome: ExchangeOutcome, slowSeconds = DEFAULT_SLOW_SECONDS): void {
  const level = exchangeLogLevel(outcome, slowSeconds);
  if (!logger.isLevelEnabled(level)) return;
  const message =
    outcome.backendError !== undefined
      ? 'backend failed'
      : outcome.status === 'error' && outcome.errorCode === undefined
        ? 'tool reported an error'
        : level === 'warn' && outcome.status === 'success'
          ? 'slow request answered'
          : MESSAGES[outcome.status];
  logger[level](
    {
      method: outcome.method,
      server: outcome.server,
      tool: outcome.tool,
      resource_uri: outcome.resourceUri,
      status: outcome.status,
      error_code: outcome.errorCode,
      backend_error: outcome.backendError,
      duration_ms: Math.round(outcome.durationSeconds * 10_000) / 10,
      backend_ms: outcome.backendDurationSeconds === undefined ? undefined : Math.round(outcome.backendDurationSeconds * 10_000) / 10,
      user: outcome.user,
    },
    message,
  );
}
