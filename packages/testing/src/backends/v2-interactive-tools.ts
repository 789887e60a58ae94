// The interactive tools of the SDK v2 test backend, written once for both
// eras: a tool that needs the client returns `inputRequired(...)` (2026-07-28
// multi round-trip requests, basic/patterns/mrtr); on a 2025 connection the
// SDK's legacy shim turns that into real server-to-client requests on the
// call's stream and re-enters the handler with the answers.

import { setTimeout as sleep } from 'node:timers/promises';

import {
  type CallToolResult,
  createRequestStateCodec,
  inputRequired,
  type InputRequest,
  type InputRequiredResult,
  inputResponse,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import * as z from 'zod';

import { addedToolNamePattern, elicitationOutcomeText, type InteractiveState } from './interactive-state.ts';

export const v2InteractiveToolNames = [
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

/** What a round's `requestState` proves: which tool minted it. */
interface ToolRoundState {
  tool: string;
}

/**
 * The HMAC codec for `requestState` (basic/patterns/mrtr, server requirements
 * 4-5). One random key per process: every round of a flow reaches this process.
 */
export const v2RequestStateCodec = createRequestStateCodec<ToolRoundState>({
  key: crypto.getRandomValues(new Uint8Array(32)),
  ttlSeconds: 600,
});

export interface V2InteractiveOptions {
  /** Names add_tool refuses besides the interactive ones. */
  reservedToolNames: readonly string[];
  /** The era this instance serves; 2025 instances answer resources/subscribe themselves. */
  era: 'legacy' | 'modern';
  /**
   * Whether this instance lives for a whole connection (stdio, a 2025 HTTP
   * session) and so must hear of added tools and updated resources itself.
   * Per-request 2026 HTTP instances are not: the HTTP entry's listen bus is.
   */
  isLive: boolean;
}

const progressIntervalMs = 5;

function text(value: string, isError = false): CallToolResult {
  return isError ? { content: [{ type: 'text', text: value }], isError } : { content: [{ type: 'text', text: value }] };
}

/** Whether this entry carries answers to a round this tool started (verified by the codec before the handler runs). */
function isOwnRound(ctx: ServerContext, tool: string): boolean {
  return ctx.mcpReq.requestState<ToolRoundState>()?.tool === tool;
}

async function askOnce(tool: string, key: string, request: InputRequest): Promise<InputRequiredResult> {
  return inputRequired({ inputRequests: { [key]: request }, requestState: await v2RequestStateCodec.mint({ tool }) });
}

export function registerV2InteractiveTools(server: McpServer, state: InteractiveState, options: V2InteractiveOptions): void {
  registerElicitation(server);
  registerSamplingAndRoots(server);
  registerNotifying(server, state);
  registerCounter(server, state, options.era);
  registerRuntimeChanges(server, state, options);
}

function registerElicitation(server: McpServer): void {
  server.registerTool(
    'ask_name',
    {
      description: "Ask the user's name with a form elicitation and greet them. Use when testing form-mode elicitation.",
      inputSchema: z.object({}),
    },
    async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'name');
      if (answer.kind === 'elicit' && isOwnRound(ctx, 'ask_name')) {
        return text(elicitationOutcomeText(answer.action, answer.content?.['name']));
      }
      return askOnce(
        'ask_name',
        'name',
        inputRequired.elicit({
          message: 'What is your name?',
          requestedSchema: { type: 'object', properties: { name: { type: 'string', title: 'Name' } }, required: ['name'] },
        }),
      );
    },
  );

  server.registerTool(
    'open_url',
    {
      description: 'Send the user to a URL with a URL-mode elicitation and report the action they took. Use when testing URL-mode elicitation.',
      inputSchema: z.object({ url: z.url().default('https://example.com/consent').describe('The page the user is sent to.') }),
    },
    async ({ url }, ctx): Promise<CallToolResult | InputRequiredResult> => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'visit');
      if (answer.kind === 'elicit' && isOwnRound(ctx, 'open_url')) return text(answer.action);
      // The 2026 URL-mode shape has no elicitationId; the legacy shim mints one for 2025 clients.
      return askOnce('open_url', 'visit', inputRequired.elicitUrl({ message: 'Open this page to continue', url }));
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
    async ({ text: input }, ctx): Promise<CallToolResult | InputRequiredResult> => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'summary');
      if (answer.kind === 'sampling' && isOwnRound(ctx, 'summarize')) {
        const content = Array.isArray(answer.result.content) ? answer.result.content[0] : answer.result.content;
        return text(content?.type === 'text' ? content.text : JSON.stringify(answer.result.content));
      }
      return askOnce(
        'summarize',
        'summary',
        inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: input } }], maxTokens: 100 }),
      );
    },
  );

  server.registerTool(
    'list_client_roots',
    {
      description: "List the client's roots with roots/list, one URI per line. Use when testing roots.",
      inputSchema: z.object({}),
    },
    async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
      const answer = inputResponse(ctx.mcpReq.inputResponses, 'roots');
      if (answer.kind === 'roots' && isOwnRound(ctx, 'list_client_roots')) {
        return text(answer.roots.map((root) => root.uri).join('\n'));
      }
      return askOnce('list_client_roots', 'roots', inputRequired.listRoots());
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
    async ({ n }, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      for (let progress = 1; progress <= n; progress += 1) {
        if (progressToken !== undefined) {
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken, progress, total: n, message: `counted ${progress} of ${n}` },
          });
        }
        if (progress < n) await sleep(progressIntervalMs, undefined, { signal: ctx.mcpReq.signal });
      }
      return text(`counted to ${n}`);
    },
  );

  server.registerTool(
    'log_messages',
    {
      description: 'Send one info and one warning log message during the call. Use when testing logging and log levels.',
      inputSchema: z.object({}),
    },
    async (_args, ctx) => {
      // ctx.mcpReq.log applies logging/setLevel on 2025 connections and the request's
      // `io.modelcontextprotocol/logLevel` _meta on 2026 ones (sending nothing without it).
      await ctx.mcpReq.log('info', 'first message (info)', 'v2-backend');
      await ctx.mcpReq.log('warning', 'second message (warning)', 'v2-backend');
      return text('logged');
    },
  );

  server.registerTool(
    'wait_for_cancel',
    {
      description:
        'Wait up to ms milliseconds; answers "cancelled" and counts it when the call is cancelled first. Sends progress 0 once waiting, so a caller knows when to cancel.',
      inputSchema: z.object({ ms: z.number().int().min(0).max(600_000).default(30_000).describe('The longest wait, in milliseconds.') }),
    },
    async ({ ms }, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      if (progressToken !== undefined) {
        await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: 0, message: 'waiting' } });
      }
      try {
        await sleep(ms, undefined, { signal: ctx.mcpReq.signal });
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

function registerCounter(server: McpServer, state: InteractiveState, era: 'legacy' | 'modern'): void {
  server.registerResource(
    'counter',
    state.counterUri,
    { title: 'Counter', description: 'A number touch_resource increments; subscribe to hear of it.', mimeType: 'text/plain' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: `count: ${state.counter}` }] }),
  );
  // 2026-07-28 has no resources/subscribe: subscriptions/listen (served by the SDK's entry) replaces it.
  if (era !== 'legacy') return;
  server.server.setRequestHandler('resources/subscribe', (request) => {
    state.subscribe(server, request.params.uri);
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', (request) => {
    state.unsubscribe(server, request.params.uri);
    return {};
  });
}

function registerRuntimeChanges(server: McpServer, state: InteractiveState, options: V2InteractiveOptions): void {
  const reservedToolNames = [...options.reservedToolNames, ...v2InteractiveToolNames];
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

  for (const name of state.addedTools) registerAddedTool(server, name);
  if (!options.isLive) return;

  const unwatch = state.watch({
    // registerTool on a connected McpServer sends notifications/tools/list_changed itself; on a
    // 2026 stdio connection the SDK's entry routes it to the listen streams that asked for it.
    toolAdded: (name) => registerAddedTool(server, name),
    resourceUpdated: (uri) => {
      if (!server.isConnected()) return;
      if (options.era === 'legacy' && !state.isSubscribed(server, uri)) return;
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
