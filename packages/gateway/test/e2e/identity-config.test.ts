// Identity configured in gatehouse.yaml, end to end: the file goes through the
// config loader, the gateway runs its embedded provider with agents the file
// defines, and official SDK clients get their own tokens over real HTTP.
// Proves `authorization.invoke_scope`, `backends[].scopes.roles` (tools by
// role) and `claims.role_map` change what each agent sees and may call.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Client, ClientCredentialsProvider, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { parseConfig } from '../../src/config/load.ts';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import { modernRequest, post } from '../fixtures/raw-http.ts';
import { startModernEchoBackend } from '../fixtures/modern-echo-backend.ts';
import type { RecordingServer } from '../upstream/fixtures/recording-server.ts';
import { DEMO_CRM_TOOL_SCOPES_YAML } from '../fixtures/embedded-default-identity.ts';

/** An agent with a fixed grant: it asks for every scope it is configured with, whatever the challenge names. */
class AllOwnScopesProvider extends ClientCredentialsProvider {
  override prepareTokenRequest(): URLSearchParams {
    return new URLSearchParams({ grant_type: 'client_credentials' });
  }
}

const demoCrm = fileURLToPath(new URL('../../../demo-crm/src/main.ts', import.meta.url));

/**
 * crm and desk run the demo CRM, echo is a one-tool HTTP backend. Every
 * backend's tools need crm.invoke (a literal template); desk needs no scope
 * but lets each role use only some tools; "CRM Desk Staff" is the IdP's name
 * for the support role.
 */
const CONFIG = `
gateway:
  port: 0
  admin_port: 0
authentication:
  claims:
    role_map: { "CRM Desk Staff": support }
  embedded_idp:
    port: 0
    access_token_ttl_seconds: 300
    agents:
      - { name: caller, secret: caller-secret, scopes: [crm.read, crm.invoke, echo.read] }
      - { name: reader, secret: reader-secret, scopes: [crm.read, echo.read, echo.invoke] }
      - { name: desk-support, secret: desk-support-secret, roles: ["CRM Desk Staff"] }
      - { name: desk-research, secret: desk-research-secret, roles: [research] }
authorization:
  invoke_scope: crm.invoke
backends:
  - name: crm
    command: \${NODE}
    args: ["\${DEMO_CRM}", "--stdio"]
${DEMO_CRM_TOOL_SCOPES_YAML}  - name: echo
    url: \${ECHO_URL}
  - name: desk
    command: \${NODE}
    args: ["\${DEMO_CRM}", "--stdio"]
    scopes:
      read: false
      invoke: false
      roles:
        support: ["get_*", search_customers]
        research: [search_customers]
`;

const SECRETS: Record<string, string> = {
  caller: 'caller-secret',
  reader: 'reader-secret',
  'desk-support': 'desk-support-secret',
  'desk-research': 'desk-research-secret',
};

describe('identity from gatehouse.yaml: configured agents, invoke scope, tools by role, role map', () => {
  let gateway: RunningGateway;
  let echo: RecordingServer;
  let base: string;
  let issuer: string;
  const tokens: Record<string, string> = {};

  before(async () => {
    echo = await startModernEchoBackend();
    const { config } = parseConfig(CONFIG, 'gatehouse.yaml', { NODE: process.execPath, DEMO_CRM: demoCrm, ECHO_URL: echo.url }, { hostname: 'test' });
    gateway = await startGateway(config, { logger: silentLogger, hasAdmin: false });
    base = gateway.url.replace(/\/mcp$/, '');
    issuer = gateway.authentication.issuer!;
    for (const [agent, secret] of Object.entries(SECRETS)) tokens[agent] = (await agentToken(base, agent, secret)).token;
  });
  after(async () => {
    await gateway?.close();
    await echo?.close();
  });

  /**
   * The tool names an official SDK client sees after getting its own token
   * from the 401. The 401 asks for the read scopes only (least privilege
   * first), so the agent here asks for all of its configured scopes instead,
   * as an agent deployed with a fixed grant does: this test is about catalogs.
   */
  async function sdkToolNames(agent: string): Promise<string[]> {
    const client = new Client({ name: `sdk-${agent}`, version: '1.0.0' });
    const authProvider = new AllOwnScopesProvider({ clientId: agent, clientSecret: SECRETS[agent]!, expectedIssuer: issuer });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { authProvider }));
    try {
      return (await client.listTools()).tools.map((tool) => tool.name).sort();
    } finally {
      await client.close();
    }
  }

  async function callTool(agent: string, name: string, args: Record<string, unknown>) {
    const { body, headers } = modernRequest(7, 'tools/call', { name, arguments: args });
    return post(gateway.url, body, { ...headers, authorization: `Bearer ${tokens[agent]}` });
  }

  it('issues tokens to the agents the file defines, and only to them', async () => {
    await assert.rejects(agentToken(base, 'research', 'research-dev-secret'), 'the demo agents are replaced by the configured ones');
    const listing = (await (await fetch(`${issuer}/gatehouse/agents`)).json()) as { agents: Array<{ name: string }> };
    assert.deepEqual(listing.agents.map((agent) => agent.name), ['caller', 'reader', 'desk-support', 'desk-research']);
  });

  it('issues tokens with the configured lifetime', () => {
    const payload = JSON.parse(Buffer.from(tokens.caller!.split('.')[1]!, 'base64url').toString('utf8')) as { iat: number; exp: number };
    assert.equal(payload.exp - payload.iat, 300);
  });

  it('advertises the scopes its agents and users hold in the protected resource metadata', async () => {
    const document = (await (await fetch(`${base}/.well-known/oauth-protected-resource/mcp`)).json()) as { scopes_supported: string[] };
    // The configured agents' scopes and those of the default demo users (no users are configured), less the
    // admin roles' scopes (gatehouse.*), which grant nothing on /mcp.
    assert.deepEqual([...document.scopes_supported].sort(), ['crm.admin', 'crm.customers.read', 'crm.customers.write', 'crm.email.bulk', 'crm.email.send', 'crm.invoke', 'crm.read', 'docs.invoke', 'docs.read', 'echo.invoke', 'echo.read', 'everything.invoke', 'everything.read']);
  });

  it('shows an agent with crm.invoke exactly the tools its scopes allow on every backend', async () => {
    // crm: its per-tool scopes (as in the embedded default) need crm.customers.read, crm.customers.write, ... for all but echo; echo: echo.read + crm.invoke.
    assert.deepEqual(await sdkToolNames('caller'), ['crm__echo', 'echo__echo']);
  });

  it('shows an agent without crm.invoke no tool, since invoke_scope replaces each backend\'s own invoke scope', async () => {
    assert.deepEqual(await sdkToolNames('reader'), []);
  });

  it('refuses a call without the invoke scope with 403 naming crm.invoke for step-up', async () => {
    const refused = await callTool('reader', 'echo__echo', { message: 'hi' });
    assert.equal(refused.status, 403, refused.text);
    const challenge = refused.headers.get('www-authenticate') ?? '';
    // Calling needs the invoke scope only (seeing needs echo.read, which the agent has).
    // It also names what the token holds (crm.read echo.read echo.invoke), so a step-up keeps them.
    assert.match(challenge, /^Bearer resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp", error="insufficient_scope", scope="crm\.read echo\.read echo\.invoke crm\.invoke"/);
    assert.deepEqual(refused.body.error.data.missing_scopes, ['crm.invoke']);
    assert.equal(echo.requests.filter((request) => request.method === 'POST' && JSON.stringify(request.body ?? '').includes('tools/call')).length, 0, 'the refused call never reached the backend');
    const allowed = await callTool('caller', 'echo__echo', { message: 'hi' });
    assert.equal(allowed.status, 200, allowed.text);
    assert.equal(allowed.body.result.content[0].text, 'hi');
  });

  it('filters a backend\'s catalog per role, with the IdP group mapped to its role', async () => {
    // desk-support's token says roles: ["CRM Desk Staff"]; claims.role_map makes that the support role.
    assert.deepEqual(await sdkToolNames('desk-support'), ['desk__get_customer', 'desk__search_customers']);
    assert.deepEqual(await sdkToolNames('desk-research'), ['desk__search_customers']);
  });

  it('refuses a tool outside the caller\'s role, naming the roles that may use it', async () => {
    const refused = await callTool('desk-research', 'desk__get_customer', { customer_id: 'C-1001' });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.body.error.data.auth_error, 'role_not_allowed');
    assert.match(refused.body.error.message, /Only the role support may use tool "get_customer" of backend "desk"/);
    const allowed = await callTool('desk-support', 'desk__get_customer', { customer_id: 'C-1001' });
    assert.equal(allowed.status, 200, allowed.text);
    assert.notEqual(allowed.body.result.isError, true, allowed.text);
  });
});
