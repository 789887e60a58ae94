// RFC 8693 token exchange as an attacker uses it, over real HTTP against a
// gateway with its embedded provider: an agent exchanges its own service
// token to pass as a user (a `requires_user` tool) or to get a fresh rate
// limit (docs/identity.md). Both protocol revisions, both endpoints.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/load.ts';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken, userToken } from '../../src/cli/commands/token.ts';
import { requestToken } from '../../src/identity/oauth-token-client.ts';
import { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from '../../src/identity/backend-credentials.ts';
import { POLICY_ERROR_META_KEY } from '../../src/policy/policy-error.ts';
import { modernRequest, post, type RawResponse } from '../fixtures/raw-http.ts';

const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));

/** search_customers acts only for a signed-in user; every tool call counts against a limit of 3 a minute per principal. */
const CONFIG = `
gateway: { port: 0, admin_port: 0 }
authentication:
  mode: hybrid
  embedded_idp: { port: 0 }
backends:
  - name: crm
    command: \${NODE}
    args: ["\${DEMO_CRM}", "--stdio"]
    scopes:
      tools:
        search_customers: { scopes: [crm.customers.read], requires_user: true }
policies:
  - name: rate_limit_per_user
    type: rate_limit
    requests_per_minute: 3
`;

type Era = '2026-07-28' | '2025-11-25';

describe('token exchange never launders identity', () => {
  let gateway: RunningGateway;
  let base: string;
  let tokenEndpoint: string;
  let research: string;

  before(async () => {
    const { config } = parseConfig(CONFIG, 'gatehouse.yaml', { NODE: process.execPath, DEMO_CRM: demoCrm }, { hostname: 'test' });
    gateway = await startGateway(config, { logger: silentLogger, hasAdmin: false });
    base = gateway.url.replace(/\/mcp$/, '');
    const issuer = gateway.authentication.issuer!;
    tokenEndpoint = ((await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string }).token_endpoint;
    research = (await agentToken(base, 'research', 'research-dev-secret')).token;
  });
  after(() => gateway?.close());

  async function exchange(subjectToken: string, agent: string): Promise<string> {
    const issued = await requestToken(tokenEndpoint, {
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: `${base}/mcp`,
    }, { clientId: agent, clientSecret: `${agent}-dev-secret` });
    return issued.access_token;
  }

  const endpoints = () => [
    { url: `${base}/mcp`, prefix: 'crm__' },
    { url: `${base}/servers/crm/mcp`, prefix: '' },
  ];

  /** A tools/call in `era` at `url`: 2026 stateless, or 2025 in a session the same token opens. */
  async function callTool(era: Era, url: string, token: string, name: string, args: Record<string, unknown>): Promise<RawResponse> {
    const authorization = `Bearer ${token}`;
    if (era === '2026-07-28') {
      const { body, headers } = modernRequest(1, 'tools/call', { name, arguments: args });
      return post(url, body, { ...headers, authorization });
    }
    const init = await post(url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: era, capabilities: {}, clientInfo: { name: 'exchange-test', version: '1' } } }, { authorization });
    const session = init.headers.get('mcp-session-id');
    assert.ok(session, `initialize answered ${init.status} ${init.text}`);
    const headers = { authorization, 'mcp-session-id': session, 'mcp-protocol-version': era };
    await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
    return post(url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }, headers);
  }

  /** The result of a call answered as JSON or as one SSE message. */
  function resultOf(response: RawResponse): { result?: any; error?: any } | undefined {
    if (response.body !== undefined) return response.body;
    const data = response.text.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).find((line) => line.startsWith('{'));
    return data === undefined ? undefined : JSON.parse(data);
  }

  function policyCode(response: RawResponse): string | undefined {
    return resultOf(response)?.result?._meta?.[POLICY_ERROR_META_KEY]?.code;
  }

  it('keeps a self-exchanged service token an agent: a requires_user tool stays refused, in both eras and on both endpoints', async () => {
    const exchanged = await exchange(research, 'research');
    for (const era of ['2026-07-28', '2025-11-25'] as const) {
      for (const { url, prefix } of endpoints()) {
        const refused = await callTool(era, url, exchanged, `${prefix}search_customers`, { query: 'ex', limit: 1 });
        assert.equal(refused.status, 403, `${era} ${url}: ${refused.text}`);
        assert.equal(refused.body.error.data.auth_error, 'user_required', `${era} ${url}: not user:research`);
      }
    }
    const byAnother = await callTool('2026-07-28', `${base}/mcp`, await exchange(research, 'support'), 'crm__search_customers', { query: 'ex', limit: 1 });
    assert.equal(byAnother.body?.error?.data?.auth_error, 'user_required', 'research\'s token exchanged by support is no user either');
  });

  it('lets a real user token through the same requires_user tool (the refusal above is about the token, not the tool)', async () => {
    const alice = (await userToken(base, 'support', 'support-dev-secret', 'alice')).token;
    const allowed = await callTool('2026-07-28', `${base}/mcp`, alice, 'crm__search_customers', { query: 'ex', limit: 1 });
    assert.equal(allowed.status, 200, allowed.text);
    assert.notEqual(resultOf(allowed)?.result?.isError, true, allowed.text);
  });

  it('counts a self-exchanged token against the same rate limit: exhausted stays exhausted, in both eras and on both endpoints', async () => {
    for (let i = 0; i < 3; i++) {
      const allowed = await callTool('2026-07-28', `${base}/mcp`, research, 'crm__echo', { message: `call ${i}` });
      assert.equal(policyCode(allowed), undefined, `call ${i} passes: ${allowed.text}`);
    }
    assert.equal(policyCode(await callTool('2026-07-28', `${base}/mcp`, research, 'crm__echo', { message: 'one more' })), 'rate_limited');

    const exchanged = await exchange(research, 'research');
    for (const era of ['2026-07-28', '2025-11-25'] as const) {
      for (const { url, prefix } of endpoints()) {
        const refused = await callTool(era, url, exchanged, `${prefix}echo`, { message: 'laundered' });
        assert.equal(policyCode(refused), 'rate_limited', `${era} ${url}: no fresh bucket (${refused.text})`);
      }
    }
    const byAnother = await callTool('2026-07-28', `${base}/mcp`, await exchange(research, 'support'), 'crm__echo', { message: 'laundered by support' });
    assert.equal(policyCode(byAnother), 'rate_limited', 'research\'s token exchanged by support still counts against research');

    const support = (await agentToken(base, 'support', 'support-dev-secret')).token;
    assert.equal(policyCode(await callTool('2026-07-28', `${base}/mcp`, support, 'crm__echo', { message: 'own bucket' })), undefined, 'another principal has its own bucket');
  });
});
