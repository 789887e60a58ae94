#!/usr/bin/env node
// An SDK v1 stdio server with an MCP App (SEP-1865): a tool whose `_meta.ui`
// links the ui:// page that renders its result, and that page as a resource
// with the content-security metadata a host enforces. Every instance picks
// the same URI, as real servers do; `--label` tells the instances apart.
// Also a ui:// resource template (a report page per id), subscriptions to
// the pages, and a tool that announces the dashboard changed
// (notifications/resources/updated to its subscribers).
// Run: node apps-server.ts --label sales

import { parseArgs } from 'node:util';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';

export const APP_PAGE_URI = 'ui://dashboard/app.html';
export const APP_MIME_TYPE = 'text/html;profile=mcp-app';
export const REPORT_TEMPLATE = 'ui://reports/{id}.html';

const { values } = parseArgs({ options: { label: { type: 'string', default: 'app' } } });
const label = values.label!;

const server = new McpServer({ name: `apps-${label}`, version: '1.0.0' }, { capabilities: { tools: {}, resources: { subscribe: true } } });
const subscribed = new Set<string>();
server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
  subscribed.add(request.params.uri);
  return {};
});
server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
  subscribed.delete(request.params.uri);
  return {};
});

server.registerTool('publish_update', { description: `Announce that the ${label} dashboard changed.` }, async () => {
  if (subscribed.has(APP_PAGE_URI)) await server.server.sendResourceUpdated({ uri: APP_PAGE_URI });
  return { content: [{ type: 'text', text: subscribed.has(APP_PAGE_URI) ? 'announced' : 'nobody subscribed' }] };
});

server.registerResource('report', new ResourceTemplate(REPORT_TEMPLATE, { list: undefined }), { title: `${label} report`, mimeType: APP_MIME_TYPE }, async (uri, { id }) => ({
  contents: [{ uri: uri.href, mimeType: APP_MIME_TYPE, text: `<!doctype html><title>${label} report ${String(id)}</title>` }],
}));

server.registerTool('show_dashboard', {
  description: `Show the ${label} dashboard. Use when the user wants to see the ${label} figures.`,
  _meta: { ui: { resourceUri: APP_PAGE_URI }, 'ui/resourceUri': APP_PAGE_URI },
}, async () => ({ content: [{ type: 'text', text: `${label}: 42 open items` }], structuredContent: { label, open: 42 } }));

server.registerResource('dashboard', APP_PAGE_URI, { title: `${label} dashboard`, mimeType: APP_MIME_TYPE }, async (uri) => ({
  contents: [{
    uri: uri.href,
    mimeType: APP_MIME_TYPE,
    text: `<!doctype html><title>${label}</title><main data-label="${label}">${label} dashboard</main>`,
    _meta: { ui: { csp: { connectDomains: [`https://api.${label}.example`], resourceDomains: [`https://cdn.${label}.example`] }, permissions: { clipboardWrite: {} }, prefersBorder: true } },
  }],
}));

await server.connect(new StdioServerTransport());
