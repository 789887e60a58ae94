#!/usr/bin/env node
// A backend built on SDK v1 (@modelcontextprotocol/sdk), which speaks only the
// 2025-11-25 revision: the gateway must reach it with the initialize
// handshake and sessions. Besides the basic tools it has the interactive ones
// (v1-interactive-tools.ts). Run it with `--stdio` (default) or
// `--http --port N [--host H]`; import the factory to embed it.

import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import * as z from 'zod';

import { InteractiveState } from './interactive-state.ts';
import type { ListenOptions, RunningBackend } from './node-http.ts';
import { announceListening, parseBackendOptions, runBackendMain } from './script-options.ts';
import { completePersonName, echo, echoTool, fail, failTool, itemTemplate, readmeResource, slow, slowTool } from './test-catalog.ts';
import { registerV1InteractiveTools } from './v1-interactive-tools.ts';
import { serveV1Sessions } from './v1-sessions.ts';

export const v1BackendInfo = { name: 'v1-backend', version: '1.0.0' } as const;
export const v1CounterUri = 'test://v1/counter';
const baseToolNames = ['echo', 'add', 'fail', 'slow', 'crash'];

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

  server.registerTool('echo', echoTool, echo);

  server.registerTool(
    'add',
    {
      description: 'Add two numbers. Use when a test needs a tool with structured output.',
      inputSchema: z.object({ a: z.number().describe('First addend.'), b: z.number().describe('Second addend.') }),
      outputSchema: z.object({ sum: z.number() }),
    },
    ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } }),
  );

  server.registerTool('fail', failTool, fail);
  server.registerTool('slow', slowTool, (args, extra) => slow(args, extra.signal));

  server.registerTool(
    'crash',
    {
      description: 'Exit the whole server process without answering. Use when testing how a gateway supervises a backend that dies mid-call.',
      inputSchema: z.object({ code: z.number().int().min(0).max(255).default(1).describe('The exit code.') }),
    },
    ({ code }) => process.exit(code),
  );

  const readme = readmeResource('v1');
  server.registerResource(readme.name, readme.uri, readme.metadata, readme.read);

  const item = itemTemplate('v1');
  server.registerResource(item.name, new ResourceTemplate(item.uriTemplate, item.callbacks), item.metadata, item.read);

  server.registerPrompt(
    'greeting',
    {
      title: 'Greeting',
      description: 'Greet someone by name.',
      argsSchema: { name: completable(z.string().describe('Who to greet.'), completePersonName) },
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
