// The tenants example (config/tenants.example.yaml) as a user starts it: the
// embedded provider's demo directory adds an agent and an admin per tenant,
// whose tokens carry the tenant claim; each agent sees its tenant's backend
// only, and the demo admin, with no tenant, is refused on the MCP endpoint.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import { DEMO_AGENTS } from '../../src/identity/embedded-idp/demo-directory.ts';

const example = fileURLToPath(new URL('../../config/tenants.example.yaml', import.meta.url));

describe('the tenants example with the embedded provider\'s demo directory', () => {
  let directory: string;
  let gateway: RunningGateway;
  let base: string;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-tenants-demo-'));
    const { config } = await loadConfig(example);
    config.audit = { ...config.audit!, raw: { ...config.audit!.raw, path: join(directory, 'audit.db') } };
    gateway = await startGateway(config, { logger: silentLogger, port: 0, adminPort: 0 });
    base = gateway.url.replace(/\/mcp$/, '');
  });
  after(async () => {
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function toolNames(token: string): Promise<string[]> {
    const client = new V2Client({ name: 'tenants-demo', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new V2Transport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    try {
      return (await client.listTools()).tools.map((tool) => tool.name);
    } finally {
      await client.close();
    }
  }

  it('issues each demo tenant agent a token naming its tenant, and the demo admin one naming none', async () => {
    const sales = await agentToken(base, 'sales-agent', 'sales-agent-dev-secret');
    assert.equal(decodeJwt(sales.token).tenant, 'sales');
    const labAdmin = await agentToken(base, 'lab-admin', 'lab-admin-dev-secret');
    assert.equal(decodeJwt(labAdmin.token).tenant, 'lab');
    const admin = await agentToken(base, 'admin', DEMO_AGENTS.find((agent) => agent.name === 'admin')!.secret);
    assert.equal(decodeJwt(admin.token).tenant, undefined);
  });

  it('shows each tenant agent its own tenant\'s backend only', async () => {
    const sales = await toolNames((await agentToken(base, 'sales-agent', 'sales-agent-dev-secret')).token);
    assert.ok(sales.length > 0 && sales.every((name) => name.startsWith('crm__')), sales.join(', '));
    const lab = await toolNames((await agentToken(base, 'lab-agent', 'lab-agent-dev-secret')).token);
    assert.ok(lab.length > 0 && lab.every((name) => name.startsWith('everything__')), lab.join(', '));
  });

  it('refuses the demo admin, which names no tenant, on the MCP endpoint (unassigned: refuse)', async () => {
    const { token } = await agentToken(base, 'admin', DEMO_AGENTS.find((agent) => agent.name === 'admin')!.secret);
    await assert.rejects(toolNames(token), /403|tenant/i);
  });
});
