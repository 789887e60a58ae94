// MCP Apps through the gateway (SEP-1865): two backends whose tools link the
// same ui:// page URI, federated on /mcp. Official SDK clients of both
// revisions over real HTTP: each tool's link reaches its own backend's page,
// the page keeps its content-security metadata, per-backend endpoints keep
// the backend's URIs, and the resource rules filter the pages per caller.
// ui:// resource templates are federated the same way, and subscriptions to
// a page (resources/subscribe in 2025, subscriptions/listen in 2026) reach
// its own backend and bring its updates back under the URI subscribed to.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { startYamlGateway, type YamlGateway } from '../fixtures/yaml-gateway.ts';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { modernRequest } from '../fixtures/raw-http.ts';
import { messageOf, readEvents } from '../fixtures/sse.ts';

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
      const tool = (await client.tools()).find((candidate) => candidate.name === 'show_dashboard');
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

  it('lists ui:// resource templates under their backend, and a URI made from one reads from its own backend', async () => {
    const client = new V1Client({ name: 'apps-host-v1', version: '1.0.0' });
    await client.connect(new V1Transport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${tokens.analyst!}` } } }));
    try {
      const templates = (await client.listResourceTemplates()).resourceTemplates.map((template) => template.uriTemplate).sort();
      assert.deepEqual(templates, ['ui://ops/reports/{id}.html', 'ui://sales/reports/{id}.html']);
      const { contents } = await client.readResource({ uri: 'ui://ops/reports/7.html' });
      assert.equal(contents[0]!.uri, 'ui://ops/reports/7.html', 'the contents carry the URI the client asked for');
      assert.match(String((contents[0] as { text?: string }).text), /ops report 7/);
    } finally {
      await client.close();
    }
  });

  it('filters ui:// templates per caller: without ops.ui the ops template is neither listed nor read', async () => {
    const client = new V1Client({ name: 'apps-host-v1', version: '1.0.0' });
    await client.connect(new V1Transport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${tokens.intern!}` } } }));
    try {
      assert.deepEqual((await client.listResourceTemplates()).resourceTemplates.map((template) => template.uriTemplate), ['ui://sales/reports/{id}.html']);
      await assert.rejects(client.readResource({ uri: 'ui://ops/reports/7.html' }), /ops\.ui/);
    } finally {
      await client.close();
    }
  });

  it('2025: a subscription to a page reaches its own backend, and its update comes back under the /mcp URI', async () => {
    const client = new V1Client({ name: 'apps-host-v1', version: '1.0.0' });
    await client.connect(new V1Transport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${tokens.analyst!}` } } }));
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => void updates.push(notification.params.uri));
    try {
      await client.subscribeResource({ uri: 'ui://ops/dashboard/app.html' });
      const quiet = await client.callTool({ name: 'sales__publish_update', arguments: {} });
      assert.equal((quiet.content as Array<{ text: string }>)[0]!.text, 'nobody subscribed', 'the same URI of the other backend was not subscribed');
      const announced = await client.callTool({ name: 'ops__publish_update', arguments: {} });
      assert.equal((announced.content as Array<{ text: string }>)[0]!.text, 'announced');
      const deadline = Date.now() + 5_000;
      while (updates.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(updates, ['ui://ops/dashboard/app.html']);
      await client.unsubscribeResource({ uri: 'ui://ops/dashboard/app.html' });
      const after = await client.callTool({ name: 'ops__publish_update', arguments: {} });
      assert.equal((after.content as Array<{ text: string }>)[0]!.text, 'nobody subscribed', 'unsubscribe reached the backend under its own URI');
    } finally {
      await client.close();
    }
  });

  it('2026: a listen stream subscribes a page for a caller allowed it, and carries its update under the /mcp URI', async () => {
    const listen = async (agent: string) => {
      const { body, headers } = modernRequest(`listen-${agent}`, 'subscriptions/listen', { notifications: { resourceSubscriptions: ['ui://ops/dashboard/app.html', 'ui://sales/dashboard/app.html'] } });
      const controller = new AbortController();
      const response = await fetch(`${base}/mcp`, {
        method: 'POST', signal: controller.signal, body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers, authorization: `Bearer ${tokens[agent]!}` },
      });
      assert.equal(response.status, 200);
      return { response, controller };
    };
    const intern = await listen('intern');
    const internEvents = await readEvents(intern.response, (seen) => seen.some((event) => messageOf(event)?.method === 'notifications/subscriptions/acknowledged'));
    intern.controller.abort();
    const internAck = internEvents.map(messageOf).find((message) => message?.method === 'notifications/subscriptions/acknowledged');
    assert.deepEqual(internAck!.params.notifications, { resourceSubscriptions: ['ui://sales/dashboard/app.html'] }, 'no ops.ui: the ops page is not subscribed');

    const analyst = await listen('analyst');
    const events = readEvents(analyst.response, (seen) => seen.some((event) => messageOf(event)?.method === 'notifications/resources/updated'));
    const publisher = new V2Client({ name: 'apps-publisher', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await publisher.connect(new V2Transport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${tokens.analyst!}` } } }) as never);
    try {
      // The listen stream subscribes before it is acknowledged; publish until the backend has the subscription.
      const deadline = Date.now() + 5_000;
      let announced = 'nobody subscribed';
      while (announced !== 'announced' && Date.now() < deadline) {
        announced = ((await publisher.callTool({ name: 'ops__publish_update', arguments: {} })).content as Array<{ text: string }>)[0]!.text;
        if (announced !== 'announced') await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const updated = (await events).map(messageOf).find((message) => message?.method === 'notifications/resources/updated');
      assert.equal(updated!.params.uri, 'ui://ops/dashboard/app.html');
    } finally {
      analyst.controller.abort();
      await publisher.close();
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
