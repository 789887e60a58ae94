// The gateway as an OAuth 2.1 resource server over real HTTP, with the
// embedded OpenID Provider issuing the demo agents' tokens: protected
// resource metadata, 401 challenges, catalogs that differ by agent, 403 with
// the scope to step up to, and sessions bound to the identity that made them.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import { gatewayConfig, stdioBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';
import { modernRequest, post } from '../fixtures/raw-http.ts';
import { Client, ClientCredentialsProvider, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { httpBackend } from '../fixtures/gateway-config.ts';
import type { RecordingServer } from '../upstream/fixtures/recording-server.ts';
import { startModernEchoBackend } from '../fixtures/modern-echo-backend.ts';


const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));

describe('identity: the embedded provider and the resource server', () => {
  let gateway: RunningGateway;
  let base: string;
  let vault: RecordingServer;
  const tokens: Record<string, string> = {};

  before(async () => {
    vault = await startModernEchoBackend();
    const config = gatewayConfig([
      stdioBackend('crm', process.execPath, [demoCrm, '--stdio']),
      httpBackend('everything', vault.url, { auth: { type: 'static_header', header: 'authorization', value: 'Bearer vault-service-secret' } }),
    ]);
    useEmbeddedIdentity(config);
    gateway = await startGateway(config, { logger: silentLogger, hasAdmin: false });
    base = gateway.url.replace(/\/mcp$/, '');
    for (const [agent, secret] of [['research', 'research-dev-secret'], ['support', 'support-dev-secret'], ['admin', 'admin-dev-secret']] as const) {
      tokens[agent] = (await agentToken(base, agent, secret)).token;
    }
  });
  after(async () => {
    await gateway?.close();
    await vault?.close();
  });

  const bearer = (agent: string) => ({ authorization: `Bearer ${tokens[agent]}` });

  async function toolNames(agent: string): Promise<string[]> {
    const { body, headers } = modernRequest(1, 'tools/list');
    const response = await post(gateway.url, body, { ...headers, ...bearer(agent) });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.body.result.cacheScope, 'private', 'what a caller sees differs by caller');
    return response.body.result.tools.map((tool: { name: string }) => tool.name);
  }

  it('publishes protected resource metadata naming the authorization server', async () => {
    const response = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`);
    assert.equal(response.status, 200);
    const document = (await response.json()) as { resource: string; authorization_servers: string[]; scopes_supported: string[] };
    assert.equal(document.resource, `${base}/mcp`);
    assert.equal(document.authorization_servers.length, 1);
    assert.ok(document.scopes_supported.includes('crm.read'));
  });

  it('answers a request without a token with 401 and a challenge pointing at the metadata', async () => {
    const { body, headers } = modernRequest(1, 'tools/list');
    const response = await post(gateway.url, body, headers);
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /Bearer .*resource_metadata="[^"]*\/\.well-known\/oauth-protected-resource\/mcp"/);
  });

  it('refuses a forged token with 401 invalid_token', async () => {
    const { body, headers } = modernRequest(1, 'tools/list');
    const forged = `${tokens.research!.slice(0, -4)}AAAA`;
    const response = await post(gateway.url, body, { ...headers, authorization: `Bearer ${forged}` });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /invalid_token/);
  });

  it('shows each agent only the tools its scopes allow', async () => {
    const research = await toolNames('research');
    const admin = await toolNames('admin');
    assert.ok(research.includes('crm__get_customer') && research.includes('crm__search_customers'));
    assert.ok(!research.includes('crm__update_customer') && !research.includes('crm__send_mass_email'), research.join(', '));
    assert.ok(admin.includes('crm__update_customer') && admin.includes('crm__send_mass_email'), admin.join(', '));
  });

  it('refuses a call outside the caller\'s scopes with 403 naming the scope to step up to', async () => {
    const { body, headers } = modernRequest(2, 'tools/call', { name: 'crm__update_customer', arguments: { customer_id: 'C-1001', updates: { tier: 'pro' }, dry_run: true } });
    const refused = await post(gateway.url, body, { ...headers, ...bearer('research') });
    assert.equal(refused.status, 403);
    const challenge = refused.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /error="insufficient_scope"/);
    assert.match(challenge, /crm\.customers\.write/);
    const allowed = await post(gateway.url, body, { ...headers, ...bearer('support') });
    assert.equal(allowed.status, 200, allowed.text);
    assert.notEqual(allowed.body.result.isError, true, allowed.text);
  });

  it('binds a 2025 session to the identity that created it', async () => {
    const init = await post(gateway.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }, bearer('support'));
    const session = init.headers.get('mcp-session-id')!;
    assert.ok(session);
    const own = await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { ...bearer('support'), 'mcp-session-id': session });
    assert.equal(own.status, 200);
    const stolen = await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { ...bearer('research'), 'mcp-session-id': session });
    assert.equal(stolen.status, 403);
    assert.match(stolen.text, /another identity/);
  });

  it('presents the backend\'s own credential and never forwards the client\'s token', async () => {
    const { body, headers } = modernRequest(3, 'tools/call', { name: 'everything__echo', arguments: { message: 'sealed' } });
    const response = await post(gateway.url, body, { ...headers, ...bearer('admin') });
    assert.equal(response.body?.result?.content?.[0]?.text, 'sealed', response.text);
    const calls = vault.requests.filter((request) => request.method === 'POST');
    assert.ok(calls.length > 0);
    for (const call of calls) assert.equal(call.headers.authorization, 'Bearer vault-service-secret');
    assert.ok(!JSON.stringify(vault.requests).includes(tokens.admin!), 'the client\'s token never reaches the backend');
  });

  it('lets an official SDK client find the provider from the 401, start with the read scopes and step up on a call, in both eras', async () => {
    const issuer = ((await (await fetch(`${base}/.well-known/oauth-protected-resource/mcp`)).json()) as { authorization_servers: string[] }).authorization_servers[0]!;
    for (const mode of ['legacy', 'auto'] as const) {
      const client = new Client({ name: `sdk-oauth-${mode}`, version: '1.0.0' }, { versionNegotiation: { mode } });
      const authProvider = new ClientCredentialsProvider({ clientId: 'support', clientSecret: 'support-dev-secret', expectedIssuer: issuer });
      await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { authProvider }));
      try {
        const first = (await client.listTools()).tools.map((tool) => tool.name);
        assert.ok(!first.includes('crm__get_customer'), `least privilege first: the 401 asked for read scopes only (${first.join(', ')})`);
        const result = await client.callTool({ name: 'crm__get_customer', arguments: { customer_id: 'C-1001' } });
        assert.notEqual(result.isError, true, JSON.stringify(result));
        const names = (await client.listTools()).tools.map((tool) => tool.name);
        assert.ok(names.includes('crm__get_customer'), names.join(', '));
      } finally {
        await client.close();
      }
    }
  });
});
