// Circuit breakers with real processes: an HTTP backend killed, a stdio
// backend killed and held down, an HTTP backend made slow. Each time the
// breaker opens, calls fail fast with an error naming the backend and when to
// retry, /readyz and /metrics show it, and it closes by itself once the
// backend is back; a steady backend is called throughout and never fails.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { backendScripts, startHttpBackend, stdioCommand, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { readBackendPid, writeBackendControl } from '@gatehouse/testing/backends/controllable-server';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { createLogger, silentLogger } from '../../src/telemetry/logger.ts';
import type { ResilienceSettings } from '../../src/config/resilience-settings.ts';
import { gatewayConfig, httpBackend, stdioBackend } from '../fixtures/gateway-config.ts';
import { connectV2, firstText } from '../fixtures/clients.ts';
import { eventually } from '../fixtures/eventually.ts';

/** Trips after 3 failures in a row, probes after 500 ms, pings every second: fast enough for a test. */
const resilience: ResilienceSettings = {
  circuitBreaker: { consecutiveFailures: 3, failureRate: 0.99, windowCalls: 50, minimumCalls: 50, halfOpenAfterMs: 500 },
  retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 50 },
  healthCheck: { intervalSeconds: 1, timeoutMs: 1_000 },
};
const OPEN_CIRCUIT = (backend: string) => new RegExp(`^Backend '${backend}' is unavailable \\(circuit open after \\d+ failures?\\); retry after \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z`);
/** An open circuit answers without waiting for the backend: well under the slow backend's 2 s timeout, even on a busy machine. */
const FAST_MS = 1_000;

type Client = Awaited<ReturnType<typeof connectV2>>;

/** Calls `tool` until its answer is the open-circuit error, which must come quickly; returns it. */
async function callUntilOpen(client: Client, backend: string, tool: string, args: Record<string, unknown>): Promise<{ text: string; elapsedMs: number }> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const startedAt = performance.now();
    const result = await client.callTool({ name: `${backend}__${tool}`, arguments: args });
    const elapsedMs = performance.now() - startedAt;
    assert.equal(result.isError, true, `a call to the failing ${backend} succeeded: ${JSON.stringify(result)}`);
    const text = firstText(result);
    assert.match(text, new RegExp(backend), 'every failure names the backend');
    if (OPEN_CIRCUIT(backend).test(text)) return { text, elapsedMs };
  }
  throw new Error(`the circuit of ${backend} never opened`);
}

async function readiness(adminUrl: string): Promise<{ status: string; backends: Array<{ name: string; circuit?: { state: string; retryAt?: string } }> }> {
  return (await (await fetch(`${adminUrl}/readyz`)).json()) as never;
}

async function breakerGauge(adminUrl: string, backend: string): Promise<number | undefined> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const match = new RegExp(`^mcp_backend_breaker_state\\{backend="${backend}"\\} (\\d)`, 'm').exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

describe('circuit breakers around failing and slow backends', () => {
  let controlDir: string;
  let flaky: HttpBackendProcess;
  let flakyPort: string;
  let sluggish: HttpBackendProcess;
  let sluggishControl: string;
  let crashyControl: string;
  let gateway: RunningGateway;
  let client: Client;
  let steadyClient: Client;
  const steadyFailures: string[] = [];
  let steadyCalls = 0;
  let isPolling = true;
  let polling: Promise<void>;

  before(async () => {
    controlDir = mkdtempSync(join(tmpdir(), 'gatehouse-resilience-'));
    sluggishControl = join(controlDir, 'sluggish.json');
    crashyControl = join(controlDir, 'crashy.json');
    writeBackendControl(sluggishControl, {});
    writeBackendControl(crashyControl, {});
    flaky = await startHttpBackend(backendScripts.v2);
    flakyPort = new URL(flaky.url).port;
    sluggish = await startHttpBackend(backendScripts.controllable, ['--control', sluggishControl]);
    const steady = stdioCommand(backendScripts.v2);
    const crashy = stdioCommand(backendScripts.controllable);
    gateway = await startGateway(
      gatewayConfig([
        httpBackend('flaky', flaky.url, { timeoutMs: 2_000, resilience }),
        httpBackend('sluggish', sluggish.url, { timeoutMs: 2_000, resilience }),
        stdioBackend('crashy', crashy.command, [...crashy.args, '--control', crashyControl], { resilience }),
        stdioBackend('steady', steady.command, steady.args, { resilience }),
      ]),
      { logger: process.env.RESILIENCE_DEBUG ? createLogger() : silentLogger, adminPort: 0 },
    );
    client = await connectV2(gateway.url, 'auto');
    await eventually(async () => {
      const names = new Set((await client.listTools()).tools.map((tool) => tool.name));
      for (const backend of ['flaky', 'sluggish', 'crashy', 'steady']) assert.ok(names.has(`${backend}__echo`), `${backend} has not joined the catalog yet`);
    }, 30_000);
    steadyClient = await connectV2(gateway.url, 'auto');
    // The other backends' calls, all along: none of them may fail while the others break.
    polling = (async () => {
      while (isPolling) {
        steadyCalls++;
        try {
          const result = await steadyClient.callTool({ name: 'steady__echo', arguments: { message: `call ${steadyCalls}` } });
          if (result.isError === true || firstText(result) !== `call ${steadyCalls}`) steadyFailures.push(JSON.stringify(result));
        } catch (error) {
          steadyFailures.push(String(error));
        }
        await sleep(50);
      }
    })();
  });

  after(async () => {
    isPolling = false;
    await polling;
    await client?.close();
    await steadyClient?.close();
    await gateway?.close();
    await flaky?.close();
    await sluggish?.close();
    rmSync(controlDir, { recursive: true, force: true });
  });

  it('opens the circuit of a killed HTTP backend, fails fast naming it, and closes once it is back', async () => {
    await flaky.close();
    const open = await callUntilOpen(client, 'flaky', 'echo', { message: 'anyone?' });
    assert.ok(open.elapsedMs < FAST_MS, `an open circuit answered in ${open.elapsedMs} ms`);
    const flakyReadiness = (await readiness(gateway.adminUrl!)).backends.find((backend) => backend.name === 'flaky');
    assert.equal(flakyReadiness?.circuit?.state, 'open');
    assert.equal(await breakerGauge(gateway.adminUrl!, 'flaky'), 2);
    assert.equal(await breakerGauge(gateway.adminUrl!, 'steady'), 0);

    flaky = await startHttpBackend(backendScripts.v2, ['--port', flakyPort]);
    const text = await eventually(async () => {
      const result = await client.callTool({ name: 'flaky__echo', arguments: { message: 'back' } });
      assert.notEqual(result.isError, true, firstText(result));
      return firstText(result);
    });
    assert.equal(text, 'back');
    await eventually(async () => assert.equal(await breakerGauge(gateway.adminUrl!, 'flaky'), 0));
  });

  it('answers other methods on an open circuit with a JSON-RPC error carrying the backend and retryAfterMs', async () => {
    await flaky.close();
    await callUntilOpen(client, 'flaky', 'echo', { message: 'anyone?' });
    // flaky is configured first, so it owns the v2 readme both v2 backends list.
    const error = await client.readResource({ uri: 'test://v2/readme' }).then(() => undefined, (caught: unknown) => caught as { code?: number; data?: Record<string, unknown>; message?: string });
    assert.ok(error !== undefined, 'the read succeeded against a backend whose circuit is open');
    assert.equal(error.code, -32010, error.message);
    assert.equal(error.data?.backend, 'flaky');
    assert.equal(error.data?.reason, 'backend_circuit_open');
    assert.ok(typeof error.data?.retryAfterMs === 'number' && error.data.retryAfterMs >= 0 && error.data.retryAfterMs <= 1_000, JSON.stringify(error.data));
    flaky = await startHttpBackend(backendScripts.v2, ['--port', flakyPort]);
    await eventually(async () => assert.equal((await client.readResource({ uri: 'test://v2/readme' })).contents.length, 1));
  });

  it('opens the circuit of a stdio backend killed and held down, and closes once it restarts', async () => {
    writeBackendControl(crashyControl, { isDown: true });
    process.kill(await eventually(async () => readBackendPid(crashyControl)), 'SIGKILL');
    const open = await callUntilOpen(client, 'crashy', 'echo', { message: 'anyone?' });
    assert.ok(open.elapsedMs < FAST_MS, `an open circuit answered in ${open.elapsedMs} ms`);
    assert.equal((await readiness(gateway.adminUrl!)).backends.find((backend) => backend.name === 'crashy')?.circuit?.state, 'open');

    writeBackendControl(crashyControl, { isDown: false });
    const text = await eventually(async () => {
      const result = await client.callTool({ name: 'crashy__echo', arguments: { message: 'restarted' } });
      assert.notEqual(result.isError, true, firstText(result));
      return firstText(result);
    });
    assert.equal(text, 'restarted');
  });

  it('opens the circuit of a backend that became slow (timeouts count), and closes once it is fast again', async () => {
    writeBackendControl(sluggishControl, { latencyMs: 5_000 });
    const open = await callUntilOpen(client, 'sluggish', 'echo', { message: 'hurry' });
    assert.ok(open.elapsedMs < FAST_MS, `an open circuit answered in ${open.elapsedMs} ms, not after the backend's timeout`);

    writeBackendControl(sluggishControl, { latencyMs: 0 });
    const text = await eventually(async () => {
      const result = await client.callTool({ name: 'sluggish__echo', arguments: { message: 'quick again' } });
      assert.notEqual(result.isError, true, firstText(result));
      return firstText(result);
    });
    assert.equal(text, 'quick again');
  });

  it('kept every call to the steady backend working throughout, and the gateway ready', async () => {
    assert.ok(steadyCalls > 10, `only ${steadyCalls} calls to the steady backend`);
    assert.deepEqual(steadyFailures, []);
    assert.equal((await readiness(gateway.adminUrl!)).status, 'ready');
  });
});
