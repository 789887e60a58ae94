#!/usr/bin/env node
// A backend built on SDK v2 (@modelcontextprotocol/server) that serves both
// protocol eras from one factory: 2026-07-28 per request, 2025-era clients in
// sessions (v2-sessions.ts), plus the interactive tools of
// v2-interactive-tools.ts. Run it with `--stdio` (default) or
// `--http --port N [--host H]`; import the factory to embed it.

import { completable, McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';

import { InteractiveState } from './interactive-state.ts';
import type { ListenOptions, RunningBackend } from './node-http.ts';
import { announceListening, parseBackendOptions, runBackendMain } from './script-options.ts';
import { completePersonName, echo, echoTool, fail, failTool, itemTemplate, readmeResource, slow, slowTool } from './test-catalog.ts';
import { registerV2InteractiveTools, v2RequestStateCodec } from './v2-interactive-tools.ts';
import { serveV2BothEras, type V2Endpoint } from './v2-sessions.ts';

export const v2BackendInfo = { name: 'v2-backend', version: '2.0.0' } as const;
export const v2CounterUri = 'test://v2/counter';
const baseToolNames = ['echo', 'multiply', 'fail', 'slow'];

/** How one server instance will be used; the defaults suit a connection-long 2025 instance. */
export interface V2BackendServerOptions {
  /** State shared by every instance of one backend process. */
  state?: InteractiveState;
  era?: 'legacy' | 'modern';
  /** Whether the instance serves a whole connection (stdio, a 2025 session) rather than one 2026 HTTP request. */
  isLive?: boolean;
}

/** State shared by every instance of one v2 backend process (counter, added tools, cancellations). */
export function createV2BackendState(): InteractiveState {
  return new InteractiveState(v2CounterUri);
}

/**
 * A fresh SDK v2 McpServer with the test tools, resources and prompt, and the
 * interactive tools; the HTTP entry builds one per 2026 request and one per
 * 2025 session, stdio one per connection.
 */
export function createV2BackendServer(options: V2BackendServerOptions = {}): McpServer {
  const state = options.state ?? createV2BackendState();
  const era = options.era ?? 'legacy';
  const server = new McpServer(v2BackendInfo, {
    instructions: 'SDK v2 test backend (2026-07-28 and 2025-era).',
    capabilities: {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      logging: {},
    },
    requestState: { verify: v2RequestStateCodec.verify },
  });

  server.registerTool('echo', echoTool, echo);

  server.registerTool(
    'multiply',
    {
      description: 'Multiply two numbers. Use when a test needs a tool with structured output.',
      inputSchema: z.object({ a: z.number().describe('First factor.'), b: z.number().describe('Second factor.') }),
      outputSchema: z.object({ product: z.number() }),
    },
    ({ a, b }) => ({ content: [{ type: 'text', text: String(a * b) }], structuredContent: { product: a * b } }),
  );

  server.registerTool('fail', failTool, fail);
  server.registerTool('slow', slowTool, (args, ctx) => slow(args, ctx.mcpReq.signal));

  const readme = readmeResource('v2');
  server.registerResource(readme.name, readme.uri, readme.metadata, readme.read);

  const item = itemTemplate('v2');
  server.registerResource(item.name, new ResourceTemplate(item.uriTemplate, item.callbacks), item.metadata, item.read);

  server.registerPrompt(
    'farewell',
    {
      title: 'Farewell',
      description: 'Say goodbye to someone by name.',
      argsSchema: z.object({ name: completable(z.string().describe('Who to say goodbye to.'), completePersonName) }),
    },
    ({ name }) => ({
      messages: [{ role: 'user' as const, content: { type: 'text' as const, text: `Say goodbye to ${name}.` } }],
    }),
  );

  registerV2InteractiveTools(server, state, { reservedToolNames: baseToolNames, era, isLive: options.isLive ?? true });
  return server;
}

/** Serves the v2 backend over Streamable HTTP in this process, both eras on one endpoint. */
export async function startV2BackendHttp(options: ListenOptions): Promise<V2Endpoint> {
  const state = createV2BackendState();
  const endpoint = await serveV2BothEras(({ era, isLive }) => createV2BackendServer({ state, era, isLive }), options);
  // 2026 clients hear of changes on their subscriptions/listen streams, which the SDK's entry serves.
  state.watch({
    toolAdded: () => endpoint.modern.notify.toolsChanged(),
    resourceUpdated: (uri) => endpoint.modern.notify.resourceUpdated(uri),
  });
  state.countListenStreams = endpoint.listenStreamCount;
  return endpoint;
}

/** Serves the v2 backend over stdio; the connection's first message picks the era. */
export function startV2BackendStdio(): void {
  const state = createV2BackendState();
  serveStdio(({ era }) => createV2BackendServer({ state, era, isLive: true }));
}

if (import.meta.main) {
  runBackendMain(v2BackendInfo.name, async () => {
    const options = parseBackendOptions();
    if (options.transport === 'stdio') {
      startV2BackendStdio();
      return undefined;
    }
    const running: RunningBackend = await startV2BackendHttp(options);
    announceListening(running.url);
    return running;
  });
}
