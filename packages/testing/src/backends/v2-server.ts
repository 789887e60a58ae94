#!/usr/bin/env node
// A backend built on SDK v2 (@modelcontextprotocol/server) that serves both
// protocol eras: 2026-07-28 per request, and 2025-era clients statelessly
// from the same factory. Run it with `--stdio` (default) or
// `--http --port N [--host H]`; import the factory to embed it.

import { setTimeout as sleep } from 'node:timers/promises';

import { completable, createMcpHandler, McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';

import { fetchListener, listen, type ListenOptions, type RunningBackend } from './node-http.ts';
import { announceListening, parseBackendOptions, runBackendMain } from './script-options.ts';

export const v2BackendInfo = { name: 'v2-backend', version: '2.0.0' } as const;

const items = [
  { id: '1', name: 'first item' },
  { id: '2', name: 'second item' },
  { id: '3', name: 'third item' },
];
const farewellNames = ['Ada', 'Alan', 'Grace', 'Linus', 'Margaret'];

/** A fresh SDK v2 McpServer with the test tools, resources and prompt; the HTTP entry builds one per request. */
export function createV2BackendServer(): McpServer {
  const server = new McpServer(v2BackendInfo, { instructions: 'SDK v2 test backend (2026-07-28 and 2025-era).' });

  server.registerTool(
    'echo',
    {
      description: 'Return the message unchanged. Use when testing connectivity or latency.',
      inputSchema: z.object({ message: z.string().describe('Any text; it is returned as is.') }),
    },
    ({ message }) => ({ content: [{ type: 'text', text: message }] }),
  );

  server.registerTool(
    'multiply',
    {
      description: 'Multiply two numbers. Use when a test needs a tool with structured output.',
      inputSchema: z.object({ a: z.number().describe('First factor.'), b: z.number().describe('Second factor.') }),
      outputSchema: z.object({ product: z.number() }),
    },
    ({ a, b }) => ({ content: [{ type: 'text', text: String(a * b) }], structuredContent: { product: a * b } }),
  );

  server.registerTool(
    'fail',
    {
      description: 'Always fail with an isError result. Use when testing how tool errors are passed through.',
      inputSchema: z.object({ message: z.string().optional().describe('Error text to return; a default is used when omitted.') }),
    },
    ({ message }) => ({
      content: [{ type: 'text', text: message ?? 'The fail tool always fails; this error is expected by the test' }],
      isError: true,
    }),
  );

  server.registerTool(
    'slow',
    {
      description: 'Wait the given number of milliseconds, then answer. Use when testing timeouts and cancellation.',
      inputSchema: z.object({ ms: z.number().int().min(0).max(600_000).describe('How long to wait, in milliseconds.') }),
    },
    async ({ ms }, ctx) => {
      await sleep(ms, undefined, { signal: ctx.mcpReq.signal });
      return { content: [{ type: 'text', text: `waited ${ms} ms` }] };
    },
  );

  server.registerResource(
    'readme',
    'test://v2/readme',
    { title: 'v2 backend readme', description: 'A static text resource.', mimeType: 'text/plain' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'This is the v2 backend readme.' }] }),
  );

  server.registerResource(
    'item',
    new ResourceTemplate('test://v2/items/{id}', {
      list: () => ({ resources: items.map((item) => ({ uri: `test://v2/items/${item.id}`, name: item.name })) }),
      complete: { id: (typed) => items.map((item) => item.id).filter((id) => id.startsWith(typed)) },
    }),
    { title: 'v2 item', description: 'One item as JSON; any id is readable.', mimeType: 'application/json' },
    (uri, { id }) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ id, backend: 'v2' }) }],
    }),
  );

  server.registerPrompt(
    'farewell',
    {
      title: 'Farewell',
      description: 'Say goodbye to someone by name.',
      argsSchema: z.object({
        name: completable(z.string().describe('Who to say goodbye to.'), (typed) =>
          farewellNames.filter((name) => name.toLowerCase().startsWith(typed.toLowerCase())),
        ),
      }),
    },
    ({ name }) => ({
      messages: [{ role: 'user' as const, content: { type: 'text' as const, text: `Say goodbye to ${name}.` } }],
    }),
  );

  return server;
}

/** Serves the v2 backend over Streamable HTTP in this process, both eras on one endpoint. */
export function startV2BackendHttp(options: ListenOptions): Promise<RunningBackend> {
  const handler = createMcpHandler(() => createV2BackendServer());
  return listen(fetchListener((request) => handler.fetch(request)), options, () => handler.close());
}

if (import.meta.main) {
  runBackendMain(v2BackendInfo.name, async () => {
    const options = parseBackendOptions();
    if (options.transport === 'stdio') {
      serveStdio(() => createV2BackendServer());
      return undefined;
    }
    const running = await startV2BackendHttp(options);
    announceListening(running.url);
    return running;
  });
}
