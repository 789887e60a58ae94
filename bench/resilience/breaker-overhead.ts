// `npm run bench:resilience`: what the resilience wrapper (circuit breaker,
// read retries; upstream/resilient-backend.ts) adds to one backend request,
// measured against the bare Backend on an in-process backend that answers at
// once, so the figure is the wrapper's own cost and nothing else.
// Options: --calls N (per round, default 200000), --rounds N (default 5).

import { parseArgs } from 'node:util';
import type { Backend, UpstreamCall } from '../../packages/gateway/src/upstream/backend.ts';
import type { JsonRpcResponse } from '../../packages/gateway/src/protocol/jsonrpc.ts';
import { DEFAULT_RESILIENCE } from '../../packages/gateway/src/config/resilience-settings.ts';
import { withResilience } from '../../packages/gateway/src/upstream/resilient-backend.ts';
import { silentLogger } from '../../packages/gateway/src/telemetry/logger.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' } } });
const calls = Number(values.calls);
const rounds = Number(values.rounds);

const answer: JsonRpcResponse = { jsonrpc: '2.0', id: 1, result: { content: [] } };
/** A backend that answers every request at once, as fast as a promise can. */
const instant: Backend = {
  name: 'instant',
  kind: 'http',
  state: 'ready',
  handshake: undefined,
  connect: () => Promise.reject(new Error('not used')),
  request: () => Promise.resolve(answer),
  notify: () => Promise.resolve(),
  onNotification: () => () => undefined,
  onStateChange: () => () => undefined,
  respond: () => Promise.resolve(),
  setResourceSubscriptions: () => Promise.resolve(),
  close: () => Promise.resolve(),
};
const wrapped = withResilience(instant, { ...DEFAULT_RESILIENCE, healthCheck: { intervalSeconds: 0, timeoutMs: 1 } }, { logger: silentLogger });
const bare = withResilience(instant, { circuitBreaker: undefined, retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 }, healthCheck: { intervalSeconds: 0, timeoutMs: 1 } }, { logger: silentLogger });

const toolCall: UpstreamCall = { method: 'tools/call', params: { name: 'echo', arguments: {} } };
const resourceRead: UpstreamCall = { method: 'resources/read', params: { uri: 'test://x' } };

/** Nanoseconds per call, `calls` sequential awaited calls (as one client request awaits its backend). */
async function measure(backend: Backend, call: UpstreamCall): Promise<number> {
  const startedAt = process.hrtime.bigint();
  for (let index = 0; index < calls; index++) await backend.request(call);
  return Number(process.hrtime.bigint() - startedAt) / calls;
}

const cases: Array<[label: string, backend: Backend, call: UpstreamCall]> = [
  ['bare backend, tools/call', instant, toolCall],
  ['pass-through wrapper (breaker off, no retry), tools/call', bare, toolCall],
  ['breaker, tools/call (never retried)', wrapped, toolCall],
  ['breaker + retry policy, resources/read', wrapped, resourceRead],
];

// One warm-up pass so every path is optimized before it is timed.
for (const [, backend, call] of cases) await measure(backend, call);
const best = new Map<string, number>();
for (let round = 0; round < rounds; round++) {
  for (const [label, backend, call] of cases) {
    const nanoseconds = await measure(backend, call);
    best.set(label, Math.min(best.get(label) ?? Infinity, nanoseconds));
  }
}
const baseline = best.get(cases[0]![0])!;
process.stdout.write(`resilience wrapper overhead: best of ${rounds} rounds of ${calls} sequential calls, Node ${process.version}\n`);
for (const [label] of cases) {
  const nanoseconds = best.get(label)!;
  process.stdout.write(`  ${label.padEnd(60)} ${(nanoseconds / 1000).toFixed(3)} µs/call  (+${((nanoseconds - baseline) / 1000).toFixed(3)} µs)\n`);
}
