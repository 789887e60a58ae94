// SIGTERM with calls that outlast the drain deadline, against the real CLI
// in a child process: official SDK clients of both revisions (JSON answers
// and SSE streams, /mcp and /servers/{name}/mcp) are each in a tool call that
// would take a minute. Each gets a JSON-RPC error saying the gateway is
// shutting down, the backend sees every call cancelled, and the process exits
// within drain_timeout_seconds, its close included.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { backendScripts, startHttpBackend, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { connectV1, connectV2, firstText } from '../fixtures/clients.ts';
import { startDrainGateway, type DrainGateway } from '../fixtures/drain-gateway.ts';

const DRAIN_TIMEOUT_SECONDS = 3;
/** Process exit and the test's own event loop on a loaded two-core machine; the gateway's guard fires at the deadline itself. */
const EXIT_MARGIN_MS = 500;
const CALL_MS = 60_000;

interface Outcome {
  label: string;
  code?: number;
  message: string;
  reason?: unknown;
}

describe('SIGTERM with calls that outlast the drain deadline', () => {
  let backend: HttpBackendProcess;
  let gateway: DrainGateway;

  before(async () => {
    backend = await startHttpBackend(backendScripts.v2);
    gateway = await startDrainGateway(DRAIN_TIMEOUT_SECONDS, { url: backend.url }, 'ready');
  });

  after(async () => {
    await gateway?.dispose();
    await backend?.close();
  });

  it('answers every call still running with a shutdown error, cancels it at the backend, and exits within the deadline', async () => {
    const perBackend = gateway.url.replace(/\/mcp$/, '/servers/worker/mcp');
    const clients = [
      { label: 'v1 2025 JSON /mcp', client: await connectV1(gateway.url), name: 'worker__wait_for_cancel', isStreamed: false },
      { label: 'v1 2025 SSE /mcp', client: await connectV1(gateway.url), name: 'worker__wait_for_cancel', isStreamed: true },
      { label: 'v2 2025 SSE per-backend', client: await connectV2(perBackend, 'legacy'), name: 'wait_for_cancel', isStreamed: true },
      { label: 'v2 2026 JSON /mcp', client: await connectV2(gateway.url, 'auto'), name: 'worker__wait_for_cancel', isStreamed: false },
      { label: 'v2 2026 SSE per-backend', client: await connectV2(perBackend, 'auto'), name: 'wait_for_cancel', isStreamed: true },
    ];
    try {
      const calls = clients.map(({ label, client, name, isStreamed }) =>
        client
          .callTool({ name, arguments: { ms: CALL_MS } }, undefined, { timeout: 2 * CALL_MS, ...(isStreamed ? { onprogress: () => undefined } : {}) })
          .then(
            (result): Outcome => ({ label, message: `answered: ${firstText(result)}` }),
            (error: { code?: number; message: string; data?: { reason?: unknown } }): Outcome => ({ label, code: error.code, message: error.message, reason: error.data?.reason }),
          ));
      // Every call reaches the backend before the signal, even on a busy machine.
      await sleep(1_500);
      const signalledAt = performance.now();
      gateway.process.kill('SIGTERM');

      const outcomes = await Promise.all(calls);
      for (const outcome of outcomes) {
        assert.equal(outcome.code, -32603, `${outcome.label}: ${outcome.message}`);
        assert.match(outcome.message, /shutting down and gave up on it at its drain deadline \(3 s\).*send the request again/, outcome.label);
        assert.equal(outcome.reason, 'gateway_shutting_down', outcome.label);
      }

      const exit = await gateway.exited;
      const exitAfterMs = exit.at - signalledAt;
      assert.ok(exitAfterMs < DRAIN_TIMEOUT_SECONDS * 1000 + EXIT_MARGIN_MS, `exited ${Math.round(exitAfterMs)} ms after SIGTERM (deadline ${DRAIN_TIMEOUT_SECONDS} s)`);
      assert.equal(exit.code, 0, gateway.stderr());
      assert.match(gateway.stderr(), /answering each with a shutdown error and cancelling it upstream/);

      const direct = await connectV2(backend.url, 'auto');
      try {
        const cancellations = Number(firstText(await direct.callTool({ name: 'cancellations', arguments: {} })));
        assert.equal(cancellations, clients.length, 'every upstream call was cancelled');
      } finally {
        await direct.close();
      }
    } finally {
      await Promise.allSettled(clients.map(({ client }) => client.close()));
    }
  });
});
