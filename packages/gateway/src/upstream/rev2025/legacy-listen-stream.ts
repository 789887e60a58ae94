// The standalone GET SSE stream of a legacy Streamable HTTP session
// (2025-11-25 transports, "Listening for Messages from the Server"): it carries
// unsolicited notifications and requests, and is reopened with backoff when it
// drops. Modern backends have no such stream (2026-07-28 removed it).

import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { Logger } from '../../telemetry/logger.ts';
import type { HeaderMap } from '../http-request-headers.ts';
import { backoffDelay, type BackoffPolicy } from '../reconnect-backoff.ts';
import { readSseBody } from '../sse-reader.ts';

export interface ListenStreamOptions {
  backend: string;
  dispatcher: Dispatcher;
  origin: string;
  path: string;
  /** The session's current headers, read at each (re)connect. */
  headers: () => HeaderMap;
  backoff: BackoffPolicy;
  logger: Logger;
  onMessage(value: unknown): void;
  /** 404: the session is gone (2025-11-25 "Session Management" 4); the owner re-initializes. */
  onSessionExpired(): void;
}

export interface ListenStream {
  close(): void;
}

/** A stream that stayed up this long was healthy: the next drop starts the backoff over. */
const HEALTHY_AFTER_MS = 10_000;

export function openListenStream(options: ListenStreamOptions): ListenStream {
  const lifetime = new AbortController();
  void run(options, lifetime.signal).catch((error: unknown) => {
    if (!lifetime.signal.aborted) options.logger.error({ backend: options.backend, err: error }, 'the listen stream stopped');
  });
  return {
    close() {
      lifetime.abort();
    },
  };
}

async function run(options: ListenStreamOptions, signal: AbortSignal): Promise<void> {
  const { backend, logger } = options;
  let attempt = 0;
  let lastEventId: string | undefined;
  let serverRetryMs: number | undefined;
  while (!signal.aborted) {
    const openedAt = Date.now();
    try {
      const headers: HeaderMap = { ...options.headers(), accept: 'text/event-stream' };
      delete headers['content-type'];
      // Resumability is optional for servers; offering the last id costs nothing (2025-11-25 "Resumability and Redelivery").
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
      const response = await options.dispatcher.request({
        origin: options.origin,
        path: options.path,
        method: 'GET',
        headers,
        signal,
        bodyTimeout: 0,
      });
      const contentType = String(response.headers['content-type'] ?? '');
      if (response.statusCode === 405) {
        await response.body.dump();
        logger.debug({ backend }, 'the backend offers no GET stream (405); unsolicited notifications will not arrive');
        return;
      }
      if (response.statusCode === 404) {
        await response.body.dump();
        options.onSessionExpired();
        return;
      }
      if (response.statusCode !== 200 || !contentType.startsWith('text/event-stream')) {
        await response.body.dump();
        throw new Error(`the GET stream was answered with HTTP ${response.statusCode} (${contentType || 'no content type'})`);
      }
      await readSseBody(response.body, {
        onMessage(value) {
          options.onMessage(value);
        },
        // Priming events (an id, no data) count too: they are what a resumption names.
        onEventId(eventId) {
          lastEventId = eventId;
        },
        onMalformed(data) {
          logger.warn({ backend, preview: data.slice(0, 200) }, 'skipped a listen-stream event that is not JSON');
        },
        onRetry(delayMs) {
          serverRetryMs = delayMs;
        },
      });
      logger.debug({ backend }, 'the listen stream ended; reopening it');
    } catch (error) {
      if (signal.aborted) return;
      logger.warn({ backend, err: error, attempt }, 'the listen stream failed; reopening it with backoff');
    }
    if (Date.now() - openedAt >= HEALTHY_AFTER_MS) attempt = 0;
    // The client MUST respect the server's `retry` field (2025-11-25 "Sending Messages" 6).
    const delayMs = Math.max(serverRetryMs ?? 0, backoffDelay(options.backoff, attempt));
    attempt++;
    try {
      await sleep(delayMs, undefined, { signal });
    } catch {
      return;
    }
  }
}
