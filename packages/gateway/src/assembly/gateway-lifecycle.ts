// How a gateway process ends. `drain` is the graceful path (SIGTERM): stop
// taking work, let calls in flight finish within a deadline, give up the rest
// with an error the client can act on, then close. `close` releases every
// part once, in dependency order: what takes requests first, what they write
// to (audit, stores) last, so nothing in flight writes to a closed store.

import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { shutdownError, type DrainOutcome, type RequestDrain } from '../transport/request-drain.ts';
import type { Logger } from '../telemetry/logger.ts';

/** The SSE `retry:` sent on streams ended by a drain: reconnect soon, to whichever replica the balancer picks. */
const RECONNECT_AFTER_MS = 1_000;

export interface DrainParts {
  server: Server;
  drainer: RequestDrain;
  /** Ends the long-lived streams (2025 GET streams with a reconnect hint, 2026 listens), which never finish on their own. */
  endStreams: (reconnectAfterMs: number) => void;
  close: () => Promise<void>;
  logger: Logger;
}

/**
 * Graceful shutdown (SIGTERM): the listener stops accepting, new requests get
 * 503 + Retry-After, streams end with a reconnect hint, calls in flight are
 * waited for until only the teardown budget of `timeoutMs` is left, those
 * still running are answered with a shutdown error and cancelled upstream,
 * then everything closes, all within `timeoutMs`.
 */
export async function drainGateway(parts: DrainParts, timeoutMs: number): Promise<DrainOutcome> {
  const { drainer, logger } = parts;
  const deadline = performance.now() + timeoutMs;
  // The close after the calls (backends, audit flush, traces) is budgeted inside the deadline, not after it.
  const teardownMs = teardownBudgetMs(timeoutMs);
  logger.info({ inFlight: drainer.inFlight, timeoutMs }, 'draining: refusing new requests, finishing the calls in flight');
  const finished = drainer.drain(parts.server, timeoutMs - teardownMs);
  parts.endStreams(RECONNECT_AFTER_MS);
  const outcome = await finished;
  if (outcome.abandoned > 0) {
    logger.warn({ abandoned: outcome.abandoned, waitedMs: outcome.waitedMs }, 'drain deadline reached with calls still running; answering each with a shutdown error and cancelling it upstream');
    // Half the budget at most for the given-up calls to settle (their cancellation sent, their records written).
    await drainer.giveUpAll(shutdownError(timeoutMs), teardownMs / 2);
  } else logger.info({ waitedMs: outcome.waitedMs }, 'drained: no request in flight');
  // The CLI's own guard exits at the deadline itself; stop waiting just before it to report what did not close.
  const isClosed = await Promise.race([parts.close().then(() => true), sleep(Math.max(0, deadline - performance.now() - 50)).then(() => false)]);
  if (!isClosed) logger.error({ timeoutMs }, 'closing did not finish within the drain deadline; exiting anyway');
  return { ...outcome, isClosed };
}

/**
 * How much of a drain's deadline is kept for closing after the calls: a
 * fifth, between 250 ms and 5 s (5 s of the default 25 s).
 */
function teardownBudgetMs(drainTimeoutMs: number): number {
  return Math.min(5_000, Math.max(250, drainTimeoutMs / 5));
}

/** A close step: a name for the log when it fails, and the work. */
export type CloseStep = readonly [name: string, close: () => unknown];

/**
 * Runs the close steps in order, each awaited; one that fails is logged and
 * the rest still run, so a broken store does not keep the others open.
 */
export async function closeInOrder(steps: readonly CloseStep[], logger: Logger): Promise<void> {
  for (const [name, close] of steps) {
    try {
      await close();
    } catch (error) {
      logger.warn({ err: error, part: name }, 'a part of the gateway failed to close; closing the rest');
    }
  }
}
