// MCP Apps through the gateway (SEP-1865): two backends whose tools link the
// same ui:// page URI, federated on /mcp. Official SDK clients of both
// revisions over real HTTP: each tool's link reaches its own backend's page,
// the page keeps its content-security metadata, per-backend endpoints keep
// the backend's URIs, and the resource rules filter the pages per caller.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { startYamlGateway, type YamlGateway } from '../fixtures/yaml-gateway.ts';

const appsServer = fileURLToPath(import.meta.resolve('@gatehouse/testing/backends/apps-server'));
const PAGE = 'ui://dashboard/app.html';

interface AppsClient {
  tools(): Promise<Array<{ name: string; _meta?: Record<string, any> }>>;
  resources(): Promise<Array<{ uri: string; mimeType?: string }>>;
  read(uri: string): Promise<Array<{ uri: string; mimeType?: string; text?: string; _meta?: Record<string, any> }>>;
  close(): Promise<void>;
}

function configText(directory: string): string {
  const backend = (name: string, rules: string) => `  - name: ${name}\n    command: ${JSON.stringify(process.execPath)}\n    args: [${JSON.stringify(appsServer)}, --label, ${name}]\n    scopes:\n      read: ${name}.read\n      invoke: ${name}.invoke\n${rules}`;
  return `gateway:
  port: 0
  admin_port: 0
authentication:
  embedded_idp:
    port: 0
    agents:
      - { name: analyst, secret: analyst-secret, scopes: [sales.read, sales.invoke, ops.read, ops.invoke, ops.ui] }
      - { name: intern, secret: intern-secret, scopes: [sales.read, sales.invoke, ops.read, ops.invoke] }
backends:
${backend('sales', '')}${backend('ops', `      resources:\n        "ui://*": [ops.ui]\n`)}
audit:
  store: sqlite
  path: ${JSON.stringify(join(directory, 'audit.db'))}
`;
}

describe('MCP Apps federated by the gateway', () => {
  let started: YamlGateway;
  let base: string;
  let tokens: Record<string, string>;

  before(async () => {
    started = await startYamlGateway('apps', configText, ['analyst', 'intern']);
    ({ base, tokens } = started);
  });
  after(async () => {
    await started?.close();
  });

  async function connect(era: 'legacy' | 'modern', agent: string, path = '/mcp'): Promise<AppsClient> {
    const url = new URL(`${base}${path}`);
    const requestInit = { headers: { authorization: `Bearer ${tokens[agent]!}` } };
    const client = era === 'legacy'
      ? new V1Client({ name: 'apps-host-v1', version: '1.0.0' })
      : new V2Client({ name: 'apps-host-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await (client as V1Client).connect(era === 'legacy' ? new V1Transport(url, { requestInit }) : (new V2Transport(url, { requestInit }) as never));
    return {
      tools: async () => (await client.listTools()).tools as never,
      resources: async () => (await client.listResources()).resources as never,
      read: async (uri) => (await client.readResource({ uri })).contents as never,
      close: () => client.close(),
    };
  }

  for (const era of ['legacy', 'modern'] as const) {
    it(`links each tool to its own backend's page, and the page keeps its content-security metadata (${era})`, async () => {
      const client = await connect(era, 'analyst');
      try {
        const tools = await client.tools();
        for (const backend of ['sales', 'ops']) {
          const tool = tools.find((candidate) => candidate.name === `${backend}__show_dashboard`);
          assert.ok(tool !== undefined, `${backend}'s tool is listed`);
          assert.equal(tool._meta?.ui?.resourceUri, `ui://${backend}/dashboard/app.html`);
          assert.equal(tool._meta?.['ui/resourceUri'], `ui://${backend}/dashboard/app.html`, 'the flat key of older hosts follows');
          const [page] = await client.read(tool._meta!.ui.resourceUri);
          assert.equal(page!.uri, `ui://${backend}/dashboard/app.html`, 'the contents carry the URI the client asked for');
          assert.equal(page!.mimeType, 'text/html;profile=mcp-app');
          assert.match(page!.text!, new RegExp(`data-label="${backend}"`), 'the page is its own backend\'s');
          assert.deepEqual(page!._meta?.ui?.csp, { connectDomains: [`https://api.${backend}.example`], resourceDomains: [`https://cdn.${backend}.example`] });
          assert.deepEqual(page!._meta?.ui?.permissions, { clipboardWrite: {} });
        }
        const uris = (await client.resources()).map((resource) => resource.uri).sort();
        assert.deepEqual(uris, ['ui://ops/dashboard/app.html', 'ui://sales/dashboard/app.html']);
      } finally {
        await client.close();
      }
    });
  }

  it('keeps the backend\'s own URIs on its own endpoint', async () => {
    const client = await connect('modern', 'analyst', '/servers/sales/mcp');
    try {
      const [tool] = await client.tools();
      assert.equal(tool!._meta?.ui?.resourceUri, PAGE);
      const [page] = await client.read(PAGE);
      assert.equal(page!.uri, PAGE);
      assert.match(page!.text!, /data-label="sales"/);
    } finally {
      await client.close();
    }
  });

  it('filters the pages per caller like any resource: without ops.ui the ops page is neither listed nor read', async () => {
    const client = await connect('legacy', 'intern');
    try {
      assert.deepEqual((await client.resources()).map((resource) => resource.uri), ['ui://sales/dashboard/app.html']);
      await assert.rejects(client.read('ui://ops/dashboard/app.html'), /ops\.ui/);
      assert.match((await client.read('ui://sales/dashboard/app.html'))[0]!.text!, /data-label="sales"/);
    } finally {
      await client.close();
    }
  });

  it('refuses a URI no backend serves, rather than guessing one', async () => {
    const client = await connect('legacy', 'analyst');
    try {
      await assert.rejects(client.read(PAGE), /no backend serves/);
      await assert.rejects(client.read('ui://billing/dashboard/app.html'), /no backend serves/);
    } finally {
      await client.close();
    }
  });
});
