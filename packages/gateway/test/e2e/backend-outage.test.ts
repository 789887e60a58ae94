// Backends that go away: an HTTP backend stopped and started again on the
// same address, and a stdio backend whose process dies mid-call. The caller
// gets a tool error naming the backend, the other backends keep working, and
// the gateway recovers on its own once the backend is back.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backendScripts, startHttpBackend, stdioCommand, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, httpBackend, stdioBackend } from '../fixtures/gateway-config.ts';
import { connectV1, connectV2, firstText } from '../fixtures/clients.ts';
import { eventually } from '../fixtures/eventually.ts';

/** Retries a check until it passes or the deadline passes, for recovery that happens in the background. */

describe('backends going down and coming back', () => {
  let flaky: HttpBackendProcess;
  let port: string;
  let gateway: RunningGateway;

  before(async () => {
    flaky = await startHttpBackend(backendScripts.v2);
    port = new URL(flaky.url).port;
    const steady = stdioCommand(backendScripts.v2);
    const crashy = stdioCommand(backendScripts.v1);
    gateway = await startGateway(
      gatewayConfig([
        httpBackend('flaky', flaky.url, { timeoutMs: 5_000 }),
        stdioBackend('steady', steady.command, steady.args),
        stdioBackend('crashy', crashy.command, crashy.args),
      ]),
      { logger: silentLogger, hasAdmin: false },
    );
  });

  after(async () => {
    await gateway?.close();
    await flaky?.close();
  });

  it('answers a call to a stopped HTTP backend with a tool error naming it, while others keep working', async () => {
    await flaky.close();
    const client = await connectV2(gateway.url, 'auto');
    try {
      const result = await client.callTool({ name: 'flaky__echo', arguments: { message: 'anyone there?' } });
      assert.equal(result.isError, true);
      assert.match(firstText(result), /flaky/);
      assert.equal(firstText(await client.callTool({ name: 'steady__echo', arguments: { message: 'still here' } })), 'still here');
    } finally {
      await client.close();
    }
  });

  it('routes to the HTTP backend again once it is back on the same address', async () => {
    flaky = await startHttpBackend(backendScripts.v2, ['--port', port]);
    const client = await connectV1(gateway.url);
    try {
      const text = await eventually(async () => {
        const result = await client.callTool({ name: 'flaky__echo', arguments: { message: 'back again' } });
        assert.notEqual(result.isError, true, firstText(result));
        return firstText(result);
      });
      assert.equal(text, 'back again');
    } finally {
      await client.close();
    }
  });

  it('fails the call in flight when a stdio backend dies, names it, and restarts it', async () => {
    const client = await connectV1(gateway.url);
    try {
      const crashed = await client.callTool({ name: 'crashy__crash', arguments: { code: 3 } });
      assert.equal(crashed.isError, true);
      assert.match(firstText(crashed), /crashy/);
      assert.equal(firstText(await client.callTool({ name: 'steady__echo', arguments: { message: 'unaffected' } })), 'unaffected');
      const text = await eventually(async () => {
        const result = await client.callTool({ name: 'crashy__echo', arguments: { message: 'restarted' } });
        if (result.isError === true) assert.match(firstText(result), /crashy/, 'while it restarts, calls fail with a tool error naming it');
        assert.notEqual(result.isError, true);
        return firstText(result);
      });
      assert.equal(text, 'restarted');
    } finally {
      await client.close();
    }
  });
});

describe('a backend that is down when the gateway starts', () => {
  it('is retried in the background and joins the catalog once it is up', async () => {
    const probe = await startHttpBackend(backendScripts.v2);
    const port = new URL(probe.url).port;
    await probe.close();
    const steady = stdioCommand(backendScripts.v2);
    const gateway = await startGateway(
      gatewayConfig([httpBackend('late', probe.url), stdioBackend('steady', steady.command, steady.args)]),
      { logger: silentLogger, hasAdmin: false },
    );
    let late: HttpBackendProcess | undefined;
    const client = await connectV2(gateway.url, 'auto');
    try {
      assert.ok(!(await client.listTools()).tools.some((tool) => tool.name.startsWith('late__')), 'no tools from a backend never reached');
      late = await startHttpBackend(backendScripts.v2, ['--port', port]);
      const names = await eventually(async () => {
        const listed = (await client.listTools()).tools.map((tool) => tool.name);
        assert.ok(listed.includes('late__echo'), listed.join(', '));
        return listed;
      });
      assert.ok(names.includes('steady__echo'));
      assert.equal(firstText(await client.callTool({ name: 'late__echo', arguments: { message: 'finally' } })), 'finally');
    } finally {
      await client.close();
      await gateway.close();
      await late?.close();
    }
  });
});
