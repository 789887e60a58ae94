// The interactive tools of the SDK v1 test backend (2025-11-25): each one
// exercises one kind of server-to-client traffic the way a 2025 server does
// it, with requests and notifications tied to the calling request so they
// travel on that call's SSE stream (basic/transports, "Sending Messages").

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  type CallToolResult,
  type LoggingLevel,
  LoggingLevelSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';

import { addedToolNamePattern, elicitationOutcomeText, type InteractiveState } from './interactive-state.ts';

export const v1InteractiveToolNames = [
  'ask_name',
  'open_url',
  'summarize',
  'list_client_roots',
  'count',
  'log_messages',
  'wait_for_cancel',
  'cancellations',
  'touch_resource',
  'add_tool',
  'subscriptions',
] as const;

const loggingSeverity: readonly LoggingLevel[] = LoggingLevelSchema.options;
const progressIntervalMs = 5;

function text(value: string, isError = false): CallToolResult {
  return isError ? { content: [{ type: 'text', text: value }], isError } : { content: [{ type: 'text', text: value }] };
}

/**
 * Registers the interactive tools, the counter resource, resource
 * subscriptions and logging/setLevel on one session's server. The server must
 * declare `resources.subscribe` and `logging`; `reservedToolNames` are the
 * names add_tool refuses besides the interactive ones.
 */
export function registerV1InteractiveTools(
  server: McpServer,
  state: InteractiveState,
  reservedToolNames: readonly string[],
): void {
  registerLogging(server);
  registerCounter(server, state);
  registerElicitation(server);
  registerSamplingAndRoots(server);
  registerNotifying(server, state);
  registerRuntimeChanges(server, state, [...reservedToolNames, ...v1InteractiveToolNames]);
}

// One server per session, so the level set with logging/setLevel is this session's (2025-11-25 server/utilities/logging).
const sessionLevels = new WeakMap<McpServer, LoggingLevel>();

function registerLogging(server: McpServer): void {
  server.server.setRequestHandler(SetLevelRequestSchema, (request) => {
    sessionLevels.set(server, request.params.level);
    return {};
  });
  server.registerTool(
    'log_messages',
    {
      description: 'Send one info and one warning log message during the call. Use when testing logging and logging/setLevel.',
      inputSchema: z.object({}),
    },
    async (_args, extra) => {
      const minimum = sessionLevels.get(server);
      for (const [level, data] of [
        ['info', 'first message (info)'],
        ['warning', 'second message (warning)'],
      ] as const) {
        if (minimum !== undefined && loggingSeverity.indexOf(level) < loggingSeverity.indexOf(minimum)) continue;
        await extra.sendNotification({ method: 'notifications/message', params: { level, logger: 'v1-backend', data } });
      }
      return text('logged');
    },
  );
}

function registerCounter(server: McpServer, state: InteractiveState): void {
  server.registerResource(
    'counter',
    state.counterUri,
    { title: 'Counter', description: 'A number touch_resource increments; subscribe to hear of it.', mimeType: 'text/plain' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: `count: ${state.counter}` }] }),
  );
  server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
    state.subscribe(server, request.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    state.unsubscribe(server, request.params.uri);
    return {};
  });
}

function registerElicitation(server: McpServer): void {
  server.registerTool(
    'ask_name',
    {
      description: "Ask the user's name with a form elicitation and greet them. Use when testing form-mode elicitation.",
      inputSchema: z.object({}),
    },
    async (_args, extra) => {
      const result = await server.server.elicitInput(
        {
          mode: 'form',
          message: 'What is your name?',
          requestedSchema: { type: 'object', properties: { name: { type: 'string', title: 'Name' } }, required: ['name'] },
        },
        { relatedRequestId: extra.requestId },
      );
      return text(elicitationOutcomeText(result.action, result.content?.['name']));
    },
  );

  server.registerTool(
    'open_url',
    {
      description: 'Send the user to a URL with a URL-mode elicitation and report the action they took. Use when testing URL-mode elicitation.',
      inputSchema: z.object({ url: z.url().default('https://example.com/consent').describe('The page the user is sent to.') }),
    },
    async ({ url }, extra) => {
      const elicitationId = randomUUID();
      const result = await server.server.elicitInput(
        { mode: 'url', message: 'Open this page to continue', url, elicitationId },
        { relatedRequestId: extra.requestId },
      );
      // 2025-11-25 client/elicitation, "URL Mode": the server MAY announce that the out-of-band flow finished.
      if (result.action === 'accept') {
        await server.server.createElicitationCompletionNotifier(elicitationId, { relatedRequestId: extra.requestId })();
      }
      return text(result.action);
    },
  );
}

function registerSamplingAndRoots(server: McpServer): void {
  server.registerTool(
    'summarize',
    {
      description: "Ask the client's model to summarize the text with sampling/createMessage and return its reply. Use when testing sampling.",
      inputSchema: z.object({ text: z.string().describe('The text to summarize.') }),
    },
    async ({ text: input }, extra) => {
      const result = await server.server.createMessage(
        { messages: [{ role: 'user', content: { type: 'text', text: input } }], maxTokens: 100 },
        { relatedRequestId: extra.requestId },
      );
      const content = Array.isArray(result.content) ? result.content[0] : result.content;
      return text(content?.type === 'text' ? content.text : JSON.stringify(result.content));
    },
  );

  server.registerTool(
    'list_client_roots',
    {
      description: "List the client's roots with roots/list, one URI per line. Use when testing roots.",
      inputSchema: z.object({}),
    },
    async (_args, extra) => {
      const { roots } = await server.server.listRoots(undefined, { relatedRequestId: extra.requestId });
      return text(roots.map((root) => root.uri).join('\n'));
    },
  );
}

function registerNotifying(server: McpServer, state: InteractiveState): void {
  server.registerTool(
    'count',
    {
      description: 'Count from 1 to n, sending a progress notification for each step when the call has a progressToken.',
      inputSchema: z.object({ n: z.number().int().min(1).max(1000).describe('How far to count.') }),
    },
    async ({ n }, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (let progress = 1; progress <= n; progress += 1) {
        if (progressToken !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress, total: n, message: `counted ${progress} of ${n}` },
          });
        }
        if (progress < n) await sleep(progressIntervalMs, undefined, { signal: extra.signal });
      }
      return text(`counted to ${n}`);
    },
  );

  server.registerTool(
    'wait_for_cancel',
    {
      description:
        'Wait up to ms milliseconds; answers "cancelled" and counts it when the call is cancelled first. Sends progress 0 once waiting, so a caller knows when to cancel.',
      inputSchema: z.object({ ms: z.number().int().min(0).max(600_000).default(30_000).describe('The longest wait, in milliseconds.') }),
    },
    async ({ ms }, extra) => {
      const progressToken = extra._meta?.progressToken;
      if (progressToken !== undefined) {
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: 0, message: 'waiting' } });
      }
      try {
        await sleep(ms, undefined, { signal: extra.signal });
        return text('not cancelled');
      } catch {
        state.recordCancellation();
        return text('cancelled');
      }
    },
  );

  server.registerTool(
    'cancellations',
    { description: 'How many wait_for_cancel calls saw a cancellation, across all sessions.', inputSchema: z.object({}) },
    () => text(String(state.cancellations)),
  );
}

function registerRuntimeChanges(server: McpServer, state: InteractiveState, reservedToolNames: readonly string[]): void {
  server.registerTool(
    'touch_resource',
    {
      description: `Increment ${state.counterUri} and notify its subscribers with notifications/resources/updated.`,
      inputSchema: z.object({}),
    },
    () => text(`count is now ${state.touchCounter()}`),
  );

  server.registerTool(
    'add_tool',
    {
      description: 'Register a new tool on every session, which makes the server send notifications/tools/list_changed.',
      inputSchema: z.object({ name: z.string().regex(addedToolNamePattern).describe('The new tool name.') }),
    },
    ({ name }) => {
      try {
        state.addTool(name, reservedToolNames);
      } catch (error) {
        return text(error instanceof Error ? error.message : String(error), true);
      }
      return text(`added ${name}`);
    },
  );

  server.registerTool(
    'subscriptions',
    { description: 'Report resource subscriptions held by sessions of this backend, as JSON.', inputSchema: z.object({}) },
    () => text(JSON.stringify(state.subscriptionReport())),
  );

  // Tools added before this session began are part of its list from the start.
  for (const name of state.addedTools) registerAddedTool(server, name);

  const unwatch = state.watch({
    toolAdded: (name) => {
      // registerTool on a connected McpServer sends notifications/tools/list_changed itself.
      registerAddedTool(server, name);
    },
    resourceUpdated: (uri) => {
      if (!server.isConnected() || !state.isSubscribed(server, uri)) return;
      server.server.sendResourceUpdated({ uri }).catch(() => undefined);
    },
  });
  const previousOnClose = server.server.onclose;
  server.server.onclose = () => {
    previousOnClose?.();
    unwatch();
    state.forgetSession(server);
  };
}

function registerAddedTool(server: McpServer, name: string): void {
  server.registerTool(
    name,
    { description: 'Added at runtime by add_tool; returns its own name.', inputSchema: z.object({}) },
    () => text(name),
  );
}
