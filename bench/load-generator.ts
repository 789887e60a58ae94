// Closed-loop load: one worker per client, each sending its next call as soon
// as the previous one answers, until a request count or a deadline is reached.
// Latencies go into one growable Float64Array; counters are readable live.

import type { EchoClient } from './echo-client.ts';

export type StopRule = { kind: 'requests'; requests: number } | { kind: 'duration'; durationMs: number };

export interface LoadResult {
  /** Latencies of the successful calls in ms, in completion order; the first `succeeded` entries are valid. */
  latenciesMs: Float64Array;
  succeeded: number;
  errors: number;
  firstError: string | undefined;
  elapsedMs: number;
  /**
   * The window throughput is counted over and the successes inside it: the
   * deadline for a duration rule (calls still in flight then finish late and
   * count only for latency, so the drain does not dilute the rate), the whole
   * run for a request-count rule.
   */
  windowMs: number;
  succeededInWindow: number;
}

export interface LoadRun {
  /** Calls answered so far (successes and errors), for progress output. */
  completed(): number;
  errors(): number;
  finished: Promise<LoadResult>;
}

// A broken target fails fast; stop instead of spinning through the whole budget.
const maxErrors = 100;

export function startLoad(clients: readonly EchoClient[], stop: StopRule, nextId: () => number): LoadRun {
  let latencies = new Float64Array(stop.kind === 'requests' ? stop.requests : 1 << 16);
  let issued = 0;
  let succeeded = 0;
  let errors = 0;
  let firstError: string | undefined;
  let succeededInWindow = 0;
  const startedAt = performance.now();
  const deadline = stop.kind === 'duration' ? startedAt + stop.durationMs : Number.POSITIVE_INFINITY;
  const limit = stop.kind === 'requests' ? stop.requests : Number.POSITIVE_INFINITY;

  const record = (latencyMs: number) => {
    if (succeeded === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[succeeded++] = latencyMs;
  };

  const work = async (client: EchoClient) => {
    while (issued < limit && errors < maxErrors && performance.now() < deadline) {
      issued++;
      const id = nextId();
      const sentAt = performance.now();
      try {
        await client.call(id);
        const answeredAt = performance.now();
        record(answeredAt - sentAt);
        if (answeredAt <= deadline) succeededInWindow++;
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };

  const finished = Promise.all(clients.map(work)).then(() => {
    const elapsedMs = performance.now() - startedAt;
    return {
      latenciesMs: latencies,
      succeeded,
      errors,
      firstError,
      elapsedMs,
      windowMs: stop.kind === 'duration' ? stop.durationMs : elapsedMs,
      succeededInWindow,
    };
  });
  return { completed: () => succeeded + errors, errors: () => errors, finished };
}
