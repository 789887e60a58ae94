#!/usr/bin/env node
// A backend built on SDK v1 (@modelcontextprotocol/sdk), which speaks only the
// 2025-11-25 revision: the gateway must reach it with the initialize
// handshake and sessions. Besides the basic tools it has the interactive ones
// (v1-interactive-tools.ts). Run it with `--stdio` (default) or
// `--http --port N [--host H]`; import the factory to embed it.

import { setTimeout as sleep } from 'node:timers/promises';

import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import * as z from 'zod';

import { InteractiveState } from './interactive-state.ts';
import type { ListenOptions, RunningBackend } from './node-http.ts';
import { announceListening, parseBackendOptions, runBackendMain } from './script-options.ts';
import { registerV1InteractiveTools } from './v1-interactive-tools.ts';
import { serveV1Sessions } from './v1-sessions.ts';

export const v1BackendInfo = { name: 'v1-backend', version: '1.0.0' } as const;
export const v1CounterUri = 'test://v1/counter';
const baseToolNames = ['echo', 'add', 'fail', 'slow', 'crash'];

const items = [
  { id: '1', name: 'first item' },
  { id: '2', name: 'second item' },
  { id: '3', name: 'third item' },
];
const greetingNames = ['Ada', 'Alan', 'Grace', 'Linus', 'Margaret'];

/** State shared by every session of one v1 backend process (counter, added tools, cancellations). */
export function createV1BackendState(): InteractiveState {
  return new InteractiveState(v1CounterUri);
}

/**
 * A fresh SDK v1 McpServer with the test tools, resources and prompt, and the
 * interactive tools (v1-interactive-tools.ts); one per session, all sessions
 * of a process sharing one `state`.
 */
export function createV1BackendServer(state: InteractiveState = createV1BackendState()): McpServer {
  const server = new McpServer(v1BackendInfo, {
    instructions: 'SDK v1 test backend (2025-11-25 only).',
    // Never ask a client for a capability it did not declare (2025-11-25 basic/lifecycle, "Capability Negotiation").
    enforceStrictCapabilities: true,
    capabilities: {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      logging: {},
    },
  });

  server.registerTool(
    'echo',
    {
      description: 'Return the message unchanged. Use when testing connectivity or latency.',
      inputSchema: z.object({ message: z.string().describe('Any text; it is returned as is.') }),
    },
    ({ message }) => ({ content: [{ type: 'text', text: message }] }),
  );

  server.registerTool(
    'add',
    {
      description: 'Add two numbers. Use when a test needs a tool with structured output.',
      inputSchema: z.object({ a: z.number().describe('First addend.'), b: z.number().describe('Second addend.') }),
      outputSchema: z.object({ sum: z.number() }),
    },
    ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } }),
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
    async ({ ms }, extra) => {
      await sleep(ms, undefined, { signal: extra.signal });
      return { content: [{ type: 'text', text: `waited ${ms} ms` }] };
    },
  );

  server.registerTool(
    'crash',
    {
      description: 'Exit the whole server process without answering. Use when testing how a gateway supervises a backend that dies mid-call.',
      inputSchema: z.object({ code: z.number().int().min(0).max(255).default(1).describe('The exit code.') }),
    },
    ({ code }) => process.exit(code),
  );

  server.registerResource(
    'readme',
    'test://v1/readme',
    { title: 'v1 backend readme', description: 'A static text resource.', mimeType: 'text/plain' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'This is the v1 backend readme.' }] }),
  );

  server.registerResource(
    'item',
    new ResourceTemplate('test://v1/items/{id}', {
      list: () => ({ resources: items.map((item) => ({ uri: `test://v1/items/${item.id}`, name: item.name })) }),
      complete: { id: (typed) => items.map((item) => item.id).filter((id) => id.startsWith(typed)) },
    }),
    { title: 'v1 item', description: 'One item as JSON; any id is readable.', mimeType: 'application/json' },
    (uri, { id }) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ id, backend: 'v1' }) }],
    }),
  );

  server.registerPrompt(
    'greeting',
    {
      title: 'Greeting',
      description: 'Greet someone by name.',
      argsSchema: {
        name: completable(z.string().describe('Who to greet.'), (typed) =>
          greetingNames.filter((name) => name.toLowerCase().startsWith(typed.toLowerCase())),
        ),
      },
    },
    ({ name }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Say hello to ${name}.` } }],
    }),
  );

  registerV1InteractiveTools(server, state, baseToolNames);
  return server;
}

/** Serves the v1 backend over stateful Streamable HTTP in this process. */
export function startV1BackendHttp(options: ListenOptions): Promise<RunningBackend> {
  const state = createV1BackendState();
  return serveV1Sessions(() => createV1BackendServer(state), options);
}

if (import.meta.main) {
  runBackendMain(v1BackendInfo.name, async () => {
    const options = parseBackendOptions();
    if (options.transport === 'stdio') {
      await createV1BackendServer().connect(new StdioServerTransport());
      return undefined;
    }
    const running = await startV1BackendHttp(options);
    announceListening(running.url);
    return running;
  });
}
