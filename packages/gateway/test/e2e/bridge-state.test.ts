// What the gateway itself holds for the bridge and for subscriptions, seen
// on the wire: the sealed requestState of a 2026 client's held call to a 2025
// backend (refused when tampered, reused or late), the passthrough state of a
// 2026 backend (bound to its tool), and one backend subscription per URI
// however many clients subscribe.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { backendScripts, startHttpBackend, stdioCommand, type HttpBackendProcess } from '@gatehouse/testing/backends/launch';
import { connectInteractiveV1 } from '@gatehouse/testing/clients/interactive-v1';
import { connectInteractiveV2 } from '@gatehouse/testing/clients/interactive-v2';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { gatewayConfig, httpBackend, stdioBackend } from '../fixtures/gateway-config.ts';
import { modernRequest, post } from '../fixtures/raw-http.ts';

const nameAnswer = { action: 'accept', content: { name: 'Ada' } };

/** A 2026 tools/call, optionally a retry carrying inputResponses and requestState. */
function callAskName(id: number, tool: string, retry?: { requestState: unknown; inputResponses: Record<string, unknown> }) {
  const request = modernRequest(id, 'tools/call', { name: tool, arguments: {} });
  (request.body.params as Record<string, unknown>)._meta = {
    ...((request.body.params as Record<string, unknown>)._meta as object),
    'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
  };
  if (retry !== undefined) Object.assign(request.body.params as object, retry);
  return request;
}

function answersFor(inputRequests: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(inputRequests).map((key) => [key, nameAnswer]));
}

describe('the bridge\'s sealed state on the wire', () => {
  let v2: HttpBackendProcess;
  let gateway: RunningGateway;

  before(async () => {
    v2 = await startHttpBackend(backendScripts.v2);
    const v1 = stdioCommand(backendScripts.v1);
    const config = gatewayConfig([stdioBackend('legacy', v1.command, v1.args), httpBackend('modern', v2.url)]);
    config.session.streamTimeoutSeconds = 2;
    gateway = await startGateway(config, { logger: silentLogger, hasAdmin: false });
  });
  after(async () => {
    await gateway?.close();
    await v2?.close();
  });

  it('holds a 2025 backend\'s call as input_required and completes it on the retry', async () => {
    const opening = callAskName(1, 'legacy__ask_name');
    const first = await post(gateway.url, opening.body, opening.headers);
    assert.equal(first.body.result.resultType, 'input_required', first.text);
    const [key, request] = Object.entries(first.body.result.inputRequests)[0]! as [string, { method: string }];
    assert.equal(request.method, 'elicitation/create');
    const retry = callAskName(2, 'legacy__ask_name', { requestState: first.body.result.requestState, inputResponses: { [key]: nameAnswer } });
    const done = await post(gateway.url, retry.body, retry.headers);
    assert.equal(done.body.result.resultType, 'complete');
    assert.equal(done.body.result.content[0].text, 'Hello, Ada');

    const again = await post(gateway.url, retry.body, retry.headers);
    assert.equal(again.body.error.code, -32602);
    assert.match(again.body.error.message, /gone|already used/);
  });

  it('refuses a tampered requestState', async () => {
    const first = await post(gateway.url, callAskName(3, 'legacy__ask_name').body, callAskName(3, 'legacy__ask_name').headers);
    const state = String(first.body.result.requestState);
    const tampered = `${state.slice(0, -6)}${state.slice(-6) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}`;
    const retry = callAskName(4, 'legacy__ask_name', { requestState: tampered, inputResponses: answersFor(first.body.result.inputRequests) });
    const refused = await post(gateway.url, retry.body, retry.headers);
    assert.equal(refused.body.error.code, -32602);
    assert.match(refused.body.error.message, /altered/);
    // The genuine state still completes the held call (a stdio backend serves one interactive call at a time unambiguously).
    const genuine = callAskName(10, 'legacy__ask_name', { requestState: state, inputResponses: answersFor(first.body.result.inputRequests) });
    assert.equal((await post(gateway.url, genuine.body, genuine.headers)).body.result.content[0].text, 'Hello, Ada');
  });

  it('refuses a retry that comes after the state expired', async () => {
    const first = await post(gateway.url, callAskName(5, 'legacy__ask_name').body, callAskName(5, 'legacy__ask_name').headers);
    await sleep(2_500);
    const retry = callAskName(6, 'legacy__ask_name', { requestState: first.body.result.requestState, inputResponses: answersFor(first.body.result.inputRequests) });
    const late = await post(gateway.url, retry.body, retry.headers);
    assert.equal(late.body.error.code, -32602);
    assert.match(late.body.error.message, /expired|gone/);
  });

  it('binds a 2026 backend\'s state to its tool: replayed on another tool it is refused', async () => {
    const first = await post(gateway.url, callAskName(7, 'modern__ask_name').body, callAskName(7, 'modern__ask_name').headers);
    assert.equal(first.body.result.resultType, 'input_required', first.text);
    assert.match(String(first.body.result.requestState), /^gh1\./, 'the backend\'s state is sealed by the gateway');
    const elsewhere = callAskName(8, 'modern__summarize', { requestState: first.body.result.requestState, inputResponses: answersFor(first.body.result.inputRequests) });
    const refused = await post(gateway.url, elsewhere.body, elsewhere.headers);
    assert.equal(refused.body.error.code, -32602);
    assert.match(refused.body.error.message, /belongs to/);

    const retry = callAskName(9, 'modern__ask_name', { requestState: first.body.result.requestState, inputResponses: answersFor(first.body.result.inputRequests) });
    const done = await post(gateway.url, retry.body, retry.headers);
    assert.equal(done.body.result.content[0].text, 'Hello, Ada');
  });
});

describe('shared resource subscriptions', () => {
  let v1: HttpBackendProcess;
  let gateway: RunningGateway;

  before(async () => {
    v1 = await startHttpBackend(backendScripts.v1);
    gateway = await startGateway(gatewayConfig([httpBackend('crm', v1.url)]), { logger: silentLogger, hasAdmin: false });
  });
  after(async () => {
    await gateway?.close();
    await v1?.close();
  });

  it('subscribes the backend once for two clients of both revisions, and releases it when both leave', async () => {
    const legacy = await connectInteractiveV1(gateway.url, {});
    const modern = await connectInteractiveV2(gateway.url, 'auto', {});
    const report = async () => JSON.parse((await legacy.callTool('crm__subscriptions')).text) as { resources: Record<string, number>; subscribeCalls: number; unsubscribeCalls: number };
    const before = await report();
    const first = await legacy.subscribe({ resources: ['test://v1/counter'] });
    const second = await modern.subscribe({ resources: ['test://v1/counter'] });
    const during = await report();
    assert.equal(during.subscribeCalls - before.subscribeCalls, 1, JSON.stringify(during));
    assert.equal(during.resources['test://v1/counter'], 1, 'one upstream session holds the subscription');
    await first.close();
    assert.equal((await report()).unsubscribeCalls - before.unsubscribeCalls, 0, 'still held for the other client');
    await second.close();
    for (let attempt = 0; attempt < 50 && (await report()).unsubscribeCalls === before.unsubscribeCalls; attempt++) await sleep(50);
    assert.equal((await report()).unsubscribeCalls - before.unsubscribeCalls, 1, 'released when the last subscriber left');
    await legacy.close();
    await modern.close();
  });
});
