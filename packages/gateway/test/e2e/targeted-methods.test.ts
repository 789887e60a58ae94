// Every method that names a backend's primitive goes resolve -> authorize ->
// policy chain -> forward (router/targeted-call.ts), on /mcp and on
// /servers/{name}/mcp, for 2025 sessions and 2026-07-28 requests: a caller
// without the backend's scope is refused, a caller with it is served, and a
// policy narrowed to the backend applies to completions and subscriptions too.
// Raw HTTP with real tokens from the embedded provider, as an outsider would send.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { stdioCommand } from '@gatehouse/testing/backends/launch';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';
import { modernRequest, post, type RawResponse } from '../fixtures/raw-http.ts';
import { messageOf, readEvents } from '../fixtures/sse.ts';
import type { PolicyConfig } from '../../src/config/policy-schema.ts';

const v2Script = fileURLToPath(import.meta.resolve('@gatehouse/testing/backends/v2-server'));

type Endpoint = '/mcp' | '/servers/everything/mcp';
const ENDPOINTS: readonly Endpoint[] = ['/mcp', '/servers/everything/mcp'];

/** The client's name for a backend primitive on an endpoint: namespaced on /mcp, the backend's own on its endpoint. */
const named = (endpoint: Endpoint, name: string) => (endpoint === '/mcp' ? `everything__${name}` : name);

interface TargetedCase {
  method: string;
  label: string;
  isLegacyOnly?: boolean;
  params(endpoint: Endpoint): Record<string, unknown>;
  /** What a served call answers. */
  check(result: Record<string, any>): void;
}

const CASES: readonly TargetedCase[] = [
  {
    method: 'tools/call', label: 'tools/call',
    params: (endpoint) => ({ name: named(endpoint, 'echo'), arguments: { message: 'targeted' } }),
    check: (result) => assert.equal(result.content[0].text, 'targeted'),
  },
  {
    method: 'prompts/get', label: 'prompts/get',
    params: (endpoint) => ({ name: named(endpoint, 'farewell'), arguments: { name: 'Ada' } }),
    check: (result) => assert.match(result.messages[0].content.text, /goodbye to Ada/),
  },
  {
    method: 'resources/read', label: 'resources/read',
    params: () => ({ uri: 'test://v2/readme' }),
    check: (result) => assert.match(result.contents[0].text, /v2 backend readme/),
  },
  {
    method: 'completion/complete', label: 'completion/complete of a prompt argument',
    params: (endpoint) => ({ ref: { type: 'ref/prompt', name: named(endpoint, 'farewell') }, argument: { name: 'name', value: 'A' } }),
    check: (result) => assert.deepEqual(result.completion.values, ['Ada', 'Alan']),
  },
  {
    method: 'completion/complete', label: 'completion/complete of a resource template variable',
    params: () => ({ ref: { type: 'ref/resource', uri: 'test://v2/items/{id}' }, argument: { name: 'id', value: '' } }),
    check: (result) => assert.deepEqual(result.completion.values, ['1', '2', '3']),
  },
  { method: 'resources/subscribe', label: 'resources/subscribe', isLegacyOnly: true, params: () => ({ uri: 'test://v2/readme' }), check: () => undefined },
  { method: 'resources/unsubscribe', label: 'resources/unsubscribe', isLegacyOnly: true, params: () => ({ uri: 'test://v2/readme' }), check: () => undefined },
];

async function startEverything(policies: PolicyConfig[] = []): Promise<{ gateway: RunningGateway; tokens: Record<string, string> }> {
  const command = stdioCommand(v2Script);
  const config = gatewayConfig([stdioBackend('everything', command.command, command.args)]);
  useEmbeddedIdentity(config);
  config.policies = policies;
  const gateway = await startGateway(config, { logger: silentLogger, hasAdmin: false });
  const base = gateway.url.replace(/\/mcp$/, '');
  const tokens: Record<string, string> = {};
  // research holds crm scopes only; admin also holds everything.read and everything.invoke (demo-directory.ts).
  for (const [agent, secret] of [['research', 'research-dev-secret'], ['admin', 'admin-dev-secret']] as const) tokens[agent] = (await agentToken(base, agent, secret)).token;
  return { gateway, tokens };
}

function urlOf(gateway: RunningGateway, endpoint: Endpoint): string {
  return gateway.url.replace(/\/mcp$/, endpoint);
}

async function initialize(url: string, token: string): Promise<string> {
  const response = await post(url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'targeted-test', version: '1' } } }, { authorization: `Bearer ${token}` });
  const session = response.headers.get('mcp-session-id');
  assert.ok(session, response.text);
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { authorization: `Bearer ${token}`, 'mcp-session-id': session });
  return session;
}

describe('one pipeline for every targeted method: the scope check', () => {
  let gateway: RunningGateway;
  let tokens: Record<string, string>;
  const sessions = new Map<string, string>();

  before(async () => {
    ({ gateway, tokens } = await startEverything());
    for (const endpoint of ENDPOINTS) for (const agent of ['research', 'admin']) sessions.set(`${agent} ${endpoint}`, await initialize(urlOf(gateway, endpoint), tokens[agent]!));
  });
  after(() => gateway?.close());

  let nextId = 1;
  function send(revision: '2025' | '2026', endpoint: Endpoint, agent: string, method: string, params: Record<string, unknown>): Promise<RawResponse> {
    const authorization = `Bearer ${tokens[agent]}`;
    if (revision === '2025') return post(urlOf(gateway, endpoint), { jsonrpc: '2.0', id: nextId++, method, params }, { authorization, 'mcp-session-id': sessions.get(`${agent} ${endpoint}`)! });
    const { body, headers } = modernRequest(nextId++, method, params);
    return post(urlOf(gateway, endpoint), body, { ...headers, authorization });
  }

  for (const revision of ['2025', '2026'] as const) {
    for (const endpoint of ENDPOINTS) {
      for (const targeted of CASES) {
        if (targeted.isLegacyOnly && revision === '2026') continue;
        it(`${revision} on ${endpoint}: refuses ${targeted.label} to a caller without the backend's scope with 403 insufficient_scope`, async () => {
          const refused = await send(revision, endpoint, 'research', targeted.method, targeted.params(endpoint));
          assert.equal(refused.status, 403, refused.text);
          const challenge = refused.headers.get('www-authenticate') ?? '';
          assert.match(challenge, /error="insufficient_scope"/);
          assert.match(challenge, /everything\.(read|invoke)/);
        });

        it(`${revision} on ${endpoint}: serves ${targeted.label} to a caller with the backend's scope`, async () => {
          const served = await send(revision, endpoint, 'admin', targeted.method, targeted.params(endpoint));
          assert.equal(served.status, 200, served.text);
          assert.ok(served.body.result !== undefined, served.text);
          targeted.check(served.body.result);
        });
      }
    }
  }

  for (const endpoint of ENDPOINTS) {
    it(`2026 on ${endpoint}: a listen stream's resource subscriptions are honored only for a caller with the backend's scope`, async () => {
      const acknowledged = async (agent: string) => {
        const { body, headers } = modernRequest(`listen-${agent}`, 'subscriptions/listen', { notifications: { resourceSubscriptions: ['test://v2/readme'] } });
        const controller = new AbortController();
        const response = await fetch(urlOf(gateway, endpoint), {
          method: 'POST', signal: controller.signal, body: JSON.stringify(body),
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers, authorization: `Bearer ${tokens[agent]}` },
        });
        assert.equal(response.status, 200);
        const events = await readEvents(response, (seen) => messageOf(seen.at(-1)!)?.method === 'notifications/subscriptions/acknowledged');
        controller.abort();
        return messageOf(events.at(-1)!)!.params.notifications;
      };
      assert.deepEqual(await acknowledged('research'), {});
      assert.deepEqual(await acknowledged('admin'), { resourceSubscriptions: ['test://v2/readme'] });
    });
  }
});

describe('one pipeline for every targeted method: policies see the resolved target', () => {
  let gateway: RunningGateway;
  let tokens: Record<string, string>;

  before(async () => {
    // Narrowed to the backend: before the target was resolved first, such a policy never applied to these methods.
    const oncePerHour = (name: string, method: string): PolicyConfig => ({
      name, type: 'rate_limit',
      settings: { requests: 1, window_seconds: 3600, per: ['agent', 'backend'], applies_to: { backends: ['everything'], methods: [method] } },
    });
    ({ gateway, tokens } = await startEverything([oncePerHour('completion_limit', 'completion/complete'), oncePerHour('subscribe_limit', 'resources/subscribe')]));
  });
  after(() => gateway?.close());

  for (const [method, params] of [
    ['completion/complete', { ref: { type: 'ref/prompt', name: 'everything__farewell' }, argument: { name: 'name', value: 'G' } }],
    ['resources/subscribe', { uri: 'test://v2/readme' }],
  ] as const) {
    it(`applies a rate limit narrowed to the backend to ${method}`, async () => {
      const session = await initialize(gateway.url, tokens.admin!);
      const headers = { authorization: `Bearer ${tokens.admin}`, 'mcp-session-id': session };
      const first = await post(gateway.url, { jsonrpc: '2.0', id: 1, method, params }, headers);
      assert.equal(first.status, 200, first.text);
      const second = await post(gateway.url, { jsonrpc: '2.0', id: 2, method, params }, headers);
      assert.equal(second.body.error?.code, -32012, second.text);
      assert.match(second.body.error.message, /Rate limit reached/);
    });
  }
});
