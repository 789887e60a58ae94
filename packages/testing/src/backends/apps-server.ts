#!/usr/bin/env node
// An SDK v1 stdio server with an MCP App (SEP-1865): a tool whose `_meta.ui`
// links the ui:// page that renders its result, and that page as a resource
// with the content-security metadata a host enforces. Every instance picks
// the same URI, as real servers do; `--label` tells the instances apart.
// Run: node apps-server.ts --label sales

import { parseArgs } from 'node:util';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

export const APP_PAGE_URI = 'ui://dashboard/app.html';
export const APP_MIME_TYPE = 'text/html;profile=mcp-app';

const { values } = parseArgs({ options: { label: { type: 'string', default: 'app' } } });
const label = values.label!;

const server = new McpServer({ name: `apps-${label}`, version: '1.0.0' }, { capabilities: { tools: {}, resources: {} } });

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
