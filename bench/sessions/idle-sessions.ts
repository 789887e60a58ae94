// Sessions held per replica: does a gateway holding many idle 2025-era
// sessions (in-memory store) serve its active clients as fast as one holding
// none? Measures echo throughput at c=64, opens N idle sessions
// (`initialize` + `notifications/initialized`, then silence), measures again,
// and reports the ratio and the gateway's RSS per idle session.
//
//   node bench/sessions/idle-sessions.ts [--sessions 100000] [--duration 5]

import { parseArgs } from 'node:util';

import { backendScripts, startHttpBackend } from '../../packages/testing/src/backends/launch.ts';
import { createIdSequence, openClientFleet } from '../client-fleet.ts';
import { startGatewayProcess } from '../gateway-process.ts';
import { startLoad } from '../load-generator.ts';
import { readRssBytes } from '../process-memory.ts';
import { Pool } from '../undici.ts';
import { initializeBody, initializedNotificationBody } from '../wire-format.ts';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '100000' }, duration: { type: 'string', default: '5' } } });
const sessionCount = Number(values.sessions);
const durationMs = Number(values.duration) * 1000;
const concurrency = 64;
const era = '2025-11-25';
const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function measure(url: string, nextId: () => number): Promise<number> {
  const fleet = await openClientFleet(url, 'bench25__echo', era, concurrency, nextId);
  try {
    await startLoad(fleet.clients, { kind: 'duration', durationMs: 1000 }, nextId).finished;
    const result = await startLoad(fleet.clients, { kind: 'duration', durationMs }, nextId).finished;
    if (result.errors > 0) throw new Error(`${result.errors} errors, first: ${result.firstError}`);
    return (result.succeededInWindow * 1000) / result.windowMs;
  } finally {
    await fleet.close();
  }
}

/** Opens `count` sessions with `concurrency` connections and leaves them idle. */
async function openIdleSessions(url: string, count: number, nextId: () => number): Promise<void> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1 });
  let opened = 0;
  let nextReport = Date.now() + 5000;
  const worker = async () => {
    while (opened < count) {
      opened += 1;
      const initialize = await pool.request({ path: target.pathname, method: 'POST', headers, body: initializeBody(nextId()) });
      await initialize.body.dump();
      const sessionId = initialize.headers['mcp-session-id'];
      if (initialize.statusCode !== 200 || typeof sessionId !== 'string') throw new Error(`initialize answered HTTP ${initialize.statusCode}`);
      const initialized = await pool.request({ path: target.pathname, method: 'POST', headers: { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': era }, body: initializedNotificationBody });
      await initialized.body.dump();
      if (Date.now() > nextReport) {
        process.stderr.write(`idle-sessions: ${opened} of ${count} sessions open\n`);
        nextReport = Date.now() + 5000;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await pool.close();
  }
}

const backend = await startHttpBackend(backendScripts.v2);
const gateway = await startGatewayProcess(backend.url, `session_ttl_seconds: 3600\n`);
try {
  const nextId = createIdSequence();
  const pid = gateway.process.pid!;
  // A first, unreported measurement warms the gateway's code paths, so the two that count compare like with like.
  process.stderr.write(`idle-sessions: warming up, then measuring ${era} c=${concurrency} with no idle sessions\n`);
  await measure(gateway.url, nextId);
  const before = await measure(gateway.url, nextId);
  const rssBefore = await readRssBytes(pid);
  process.stderr.write(`idle-sessions: opening ${sessionCount} idle sessions\n`);
  await openIdleSessions(gateway.url, sessionCount, nextId);
  const rssAfter = await readRssBytes(pid);
  process.stderr.write(`idle-sessions: measuring again with ${sessionCount} idle sessions held\n`);
  const after = await measure(gateway.url, nextId);
  const report = {
    idle_sessions: sessionCount,
    rps_without: Math.round(before),
    rps_with: Math.round(after),
    rps_ratio: Number((after / before).toFixed(3)),
    rss_mib_without: Number((rssBefore / 2 ** 20).toFixed(1)),
    rss_mib_with: Number((rssAfter / 2 ** 20).toFixed(1)),
    rss_bytes_per_idle_session: Math.round((rssAfter - rssBefore) / sessionCount),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  await gateway.close();
  await backend.close();
}
