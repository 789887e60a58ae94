#!/usr/bin/env node
// The conformance fixture on SDK v1 (@modelcontextprotocol/sdk), a 2025-11-25
// server: every tool, resource and prompt the official suite's server
// scenarios call, for both suite revisions. The 2026-07-28 scenarios'
// input_required tools are written as a 2025 server writes them, requests
// during the call; a 2026 client meets them through the gateway's bridge.
// Texts and schemas are shared with the SDK v2 fixture
// (conformance-catalog.ts). HTTP runs stateful sessions with an event store
// for SSE resumability; `--stdio` also works. The tasks scenarios' tools run
// as 2025-11-25 experimental tasks (conformance-v1-tasks.ts).

import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  ElicitResultSchema,
  ErrorCode,
  ListToolsRequestSchema,
  type LoggingLevel,
  LoggingLevelSchema,
  McpError,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';

import * as fixture from './conformance-catalog.ts';
import { createConformanceTools, testImageBase64 } from './conformance-tools.ts';
import { createConformanceInputTools, createConformanceInteractiveTools } from './conformance-interactive-tools.ts';
import { conformanceTaskRuntime, conformanceTasksCapability, createConformanceTaskTools } from './conformance-v1-tasks.ts';
import { MemoryEventStore } from './memory-event-store.ts';
import type { ListenOptions, RunningBackend } from './node-http.ts';
import { announceListening, parseBackendOptions, runBackendMain } from './script-options.ts';
import { serveV1Sessions } from './v1-sessions.ts';

export const conformanceServerInfo = { name: 'gatehouse-conformance-backend', version: '1.0.0' } as const;

const loggingSeverity: readonly LoggingLevel[] = LoggingLevelSchema.options;

/**
 * What test_trigger_tool_change and test_trigger_prompt_change added, for
 * the whole process: every session lists them, and every live session hears
 * list_changed, as on a real server whose catalog changed.
 */
const listChanges = { tools: [] as string[], prompts: [] as string[], servers: new Set<McpServer>() };

function addToCatalog(kind: 'tools' | 'prompts'): string {
  const name = `${kind === 'tools' ? fixture.triggeredToolPrefix : fixture.triggeredPromptPrefix}${listChanges[kind].length + 1}`;
  listChanges[kind].push(name);
  for (const server of listChanges.servers) {
    if (!server.isConnected()) continue;
    // registerPrompt tells a connected client itself; the tools are listed by a raw handler, so say it here.
    if (kind === 'prompts') registerTriggeredPrompt(server, name);
    else server.sendToolListChanged();
  }
  return name;
}

function registerTriggeredPrompt(server: McpServer, name: string): void {
  server.registerPrompt(name, { description: 'Added by test_trigger_prompt_change.' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: name } }],
  }));
}

/** A fresh SDK v1 McpServer for one session, with the suite's tools, resources and prompts. */
export function createConformanceServer(): McpServer {
  const server = new McpServer(conformanceServerInfo, {
    capabilities: { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true }, prompts: { listChanged: true }, logging: {}, tasks: conformanceTasksCapability },
    ...conformanceTaskRuntime,
  });
  registerTools(server);
  registerResources(server);
  registerPrompts(server);
  listChanges.servers.add(server);
  server.server.onclose = () => listChanges.servers.delete(server);
  return server;
}

function registerTools(server: McpServer): void {
  // The level is per session, and there is one server per session.
  let minimumLevel: LoggingLevel | undefined;
  server.server.setRequestHandler(SetLevelRequestSchema, (request) => {
    minimumLevel = request.params.level;
    return {};
  });
  const tools = createConformanceTools({
    isLogged: (level) => minimumLevel === undefined || loggingSeverity.indexOf(level) >= loggingSeverity.indexOf(minimumLevel),
    addTool: () => addToCatalog('tools'),
    addPrompt: () => addToCatalog('prompts'),
  });
  tools.push(...createConformanceInteractiveTools(), ...createConformanceInputTools(() => server.server.getClientCapabilities()));
  const toolsByName = new Map(tools.map((tool) => [tool.definition.name, tool]));
  const taskTools = createConformanceTaskTools();
  const taskToolsByName = new Map(taskTools.map((tool) => [tool.definition.name, tool]));
  const triggeredTool = (name: string) => ({
    definition: { name, description: 'Added by test_trigger_tool_change.', inputSchema: { type: 'object' as const, properties: {} } },
    run: async () => ({ content: [{ type: 'text' as const, text: name }] }),
  });

  server.server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [...tools.map((tool) => tool.definition), ...taskTools.map((tool) => tool.definition), ...listChanges.tools.map((name) => triggeredTool(name).definition)],
  }));
  server.server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
    const taskTool = taskToolsByName.get(request.params.name);
    if (taskTool !== undefined) return taskTool.call(request.params.arguments ?? {}, extra, request.params.task) as never;
    const tool = toolsByName.get(request.params.name) ?? (listChanges.tools.includes(request.params.name) ? triggeredTool(request.params.name) : undefined);
    if (tool === undefined) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Unknown tool "${request.params.name}"; call tools/list for the available tools`,
      );
    }
    return tool.run(request.params.arguments ?? {}, extra);
  });
}

function registerResources(server: McpServer): void {
  server.registerResource(
    'static-text',
    'test://static-text',
    { title: 'Static text resource', description: 'A static text resource for testing.', mimeType: 'text/plain' },
    (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
    }),
  );
  server.registerResource(
    'static-binary',
    'test://static-binary',
    { title: 'Static binary resource', description: 'A static PNG image for testing.', mimeType: 'image/png' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: testImageBase64 }] }),
  );
  server.registerResource(
    'watched-resource',
    'test://watched-resource',
    { title: 'Watched resource', description: 'A resource clients may subscribe to.', mimeType: 'text/plain' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'Watched resource content' }] }),
  );
  server.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', {
      list: undefined,
      complete: { id: (typed) => ['123', '456', '789'].filter((id) => id.startsWith(typed)) },
    }),
    {
      title: 'Resource template',
      description: 'A resource template with parameter substitution.',
      mimeType: 'application/json',
    },
    (uri, { id }) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }),
        },
      ],
    }),
  );

  // Nothing here changes, so a subscription never fires; tracking it is all the scenarios ask.
  const subscriptions = new Set<string>();
  server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
    subscriptions.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });
}

function registerPrompts(server: McpServer): void {
  for (const name of listChanges.prompts) registerTriggeredPrompt(server, name);
  server.registerPrompt(
    'test_input_required_result_prompt',
    { title: 'Prompt needing input', description: 'Asks the user for context before it is rendered.' },
    async (extra) => {
      const answer = await extra.sendRequest(
        { method: 'elicitation/create', params: structuredClone(fixture.promptContextElicitation) as never },
        ElicitResultSchema,
      );
      return { messages: [{ role: 'user', content: { type: 'text', text: `Use this context: ${String(answer.content?.['context'])}` } }] };
    },
  );
  server.registerPrompt(
    'test_simple_prompt',
    { title: 'Simple test prompt', description: 'A simple prompt without arguments.' },
    () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }] }),
  );
  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      title: 'Prompt with arguments',
      description: 'A prompt with two required arguments.',
      argsSchema: {
        arg1: completable(z.string().describe('First test argument'), (typed) =>
          ['paris', 'park', 'party'].filter((value) => value.startsWith(typed)),
        ),
        arg2: z.string().describe('Second test argument'),
      },
    },
    ({ arg1, arg2 }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }],
    }),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      title: 'Prompt with embedded resource',
      description: 'A prompt that embeds the resource named by resourceUri.',
      argsSchema: { resourceUri: z.string().describe('URI of the resource to embed') },
    },
    ({ resourceUri }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' },
          },
        },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  );
  server.registerPrompt(
    'test_prompt_with_image',
    { title: 'Prompt with image', description: 'A prompt that includes an image.' },
    () => ({
      messages: [
        { role: 'user', content: { type: 'image', data: testImageBase64, mimeType: 'image/png' } },
        { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
      ],
    }),
  );
}

/** Serves the conformance backend over stateful Streamable HTTP, resumable streams included. */
export function startConformanceHttp(options: ListenOptions): Promise<RunningBackend> {
  return serveV1Sessions(createConformanceServer, {
    ...options,
    // One event store per session, so a closed session's events are freed with it.
    transportOptions: () => ({ eventStore: new MemoryEventStore(), retryInterval: 500 }),
  });
}

if (import.meta.main) {
  runBackendMain(conformanceServerInfo.name, async () => {
    const options = parseBackendOptions();
    if (options.transport === 'stdio') {
      await createConformanceServer().connect(new StdioServerTransport());
      return undefined;
    }
    const running = await startConformanceHttp(options);
    announceListening(running.url);
    return running;
  });
}
