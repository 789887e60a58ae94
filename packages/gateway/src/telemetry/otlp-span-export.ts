// Batched OTLP/HTTP export of the gateway's spans (OTLP specification,
// "OTLP/HTTP"): ended spans are encoded into the open batch at once, a batch
// goes out when it is full or `delayMs` after its first span, one POST at a
// time. A bounded queue: past `maxQueueSize` spans waiting, new spans are
// dropped, never the requests. Retries follow the specification's retryable
// answers (429, 502, 503, 504, Retry-After) and connection failures, within
// the export timeout.

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { FinishedSpan, SpanBatchEncoder } from './otlp-span-encoding.ts';

export interface SpanExportOptions {
  url: string;
  encoder: SpanBatchEncoder;
  headers: Readonly<Record<string, string>>;
  delayMs: number;
  maxBatchSize: number;
  maxQueueSize: number;
  timeoutMs: number;
  /**
   * Told of every batch that could not be delivered and of the queue starting
   * to drop spans, as they happen (a background export has no caller to reject).
   */
  onError?: (error: TraceExportError) => void;
}

export class TraceExportError extends Error {
  readonly code = 'trace_export_failed';
  readonly isTransient: boolean;
  constructor(message: string, isTransient: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TraceExportError';
    this.isTransient = isTransient;
  }
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;

export class SpanExportQueue {
  readonly #options: SpanExportOptions;
  readonly #target: URL;
  readonly #agent: HttpAgent;
  readonly #sealed: Array<{ body: Uint8Array; spans: number }> = [];
  #queuedSpans = 0;
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> | undefined;
  #isStopped = false;
  #dropped = 0;
  /** Whether dropping has been reported since the last delivered batch: once per episode, not per span. */
  #isDropReported = false;
  #lastError: unknown;

  constructor(options: SpanExportOptions) {
    this.#options = options;
    this.#target = new URL(options.url);
    this.#agent = this.#target.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: 1 }) : new HttpAgent({ keepAlive: true, maxSockets: 1 });
  }

  /** Spans dropped because the queue was full. */
  get droppedSpans(): number {
    return this.#dropped;
  }

  add(span: FinishedSpan): void {
    if (this.#isStopped) return;
    if (this.#queuedSpans >= this.#options.maxQueueSize) {
      this.#dropped++;
      if (!this.#isDropReported) {
        this.#isDropReported = true;
        this.#options.onError?.(new TraceExportError(
          `the trace export queue is full (${this.#options.maxQueueSize} spans waiting for ${this.#target.origin}); new spans are dropped until it drains`, true));
      }
      return;
    }
    this.#options.encoder.append(span);
    this.#queuedSpans++;
    if (this.#options.encoder.count >= this.#options.maxBatchSize) {
      this.#seal();
      this.#pump();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#seal();
        this.#pump();
      }, this.#options.delayMs);
      this.#timer.unref();
    }
  }

  /** Sends everything queued; rejects with the last export's error if it failed. */
  async flush(): Promise<void> {
    this.#seal();
    this.#lastError = undefined;
    this.#pump();
    while (this.#sending !== undefined) await this.#sending;
    if (this.#lastError !== undefined) throw this.#lastError;
  }

  /** Flushes, then takes no more spans. */
  async shutdown(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.#isStopped = true;
      this.#agent.destroy();
    }
  }

  #seal(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const spans = this.#options.encoder.count;
    if (spans > 0) this.#sealed.push({ body: this.#options.encoder.seal(), spans });
  }

  #pump(): void {
    if (this.#sending !== undefined) return;
    const batch = this.#sealed.shift();
    if (batch === undefined) return;
    this.#sending = this.#sendWithRetries(batch.body)
      .then(() => {
        this.#isDropReported = false;
      }, (error: unknown) => {
        this.#lastError = error;
        this.#options.onError?.(error as TraceExportError);
      })
      .finally(() => {
        this.#queuedSpans -= batch.spans;
        this.#sending = undefined;
        this.#pump();
      });
  }

  async #sendWithRetries(body: Uint8Array): Promise<void> {
    const deadline = performance.now() + this.#options.timeoutMs;
    let backoffMs = FIRST_BACKOFF_MS;
    for (;;) {
      const remainingMs = deadline - performance.now();
      const outcome = await this.#post(body, remainingMs);
      if (outcome.error === undefined) return;
      if (!outcome.error.isTransient) throw outcome.error;
      const waitMs = outcome.retryAfterMs ?? backoffMs * (0.8 + Math.random() * 0.4);
      if (waitMs >= deadline - performance.now()) throw outcome.error;
      await new Promise((resolve) => setTimeout(resolve, waitMs).unref());
      backoffMs = Math.min(backoffMs * 1.5, MAX_BACKOFF_MS);
    }
  }

  #post(body: Uint8Array, timeoutMs: number): Promise<{ error?: TraceExportError; retryAfterMs?: number }> {
    const send = this.#target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const request = send(this.#target, {
        method: 'POST',
        agent: this.#agent,
        headers: { ...this.#options.headers, 'content-type': this.#options.encoder.contentType, 'content-length': body.byteLength },
        timeout: Math.max(1, timeoutMs),
      });
      request.on('timeout', () => request.destroy(new Error(`the collector did not answer within ${Math.round(timeoutMs)} ms`)));
      request.on('error', (error) => resolve({ error: new TraceExportError(`trace export to ${this.#target.origin} failed: ${error.message}`, true, { cause: error }) }));
      request.on('response', (response: IncomingMessage) => {
        response.resume();
        response.on('error', () => undefined);
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve({});
        const isTransient = RETRYABLE_STATUS.has(status);
        const retryAfter = Number.parseInt(String(response.headers['retry-after'] ?? ''), 10);
        resolve({
          error: new TraceExportError(`the collector at ${this.#target.origin} answered HTTP ${status} to a trace export${isTransient ? '' : '; the spans are dropped'}`, isTransient),
          ...(Number.isInteger(retryAfter) && retryAfter >= 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
        });
      });
      request.end(body);
    });
  }
}
