// The interactive tools of the SDK v2 test backend, written once for both
// eras: a tool that needs the client returns `inputRequired(...)` (2026-07-28
// multi round-trip requests, basic/patterns/mrtr); on a 2025 connection the
// SDK's legacy shim turns that into real server-to-client requests on the
// call's stream and re-enters the handler with the answers. The specs and the
// tools that need nothing from the client are shared with the v1 backend
// (interactive-catalog.ts).

import {
  createRequestStateCodec,
  inputRequired,
  type InputRequest,
  type InputRequiredResult,
  inputResponse,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import * as z from 'zod';

import * as interactive from './interactive-catalog.ts';
import { elicitationOutcomeText, type InteractiveState } from './interactive-state.ts';
import { type TextResult, textResult } from './test-catalog.ts';

export const v2InteractiveToolNames = interactive.interactiveToolNames;

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

/** Whether this entry carries answers to a round this tool started (verified by the codec before the handler runs). */
function isOwnRound(ctx: ServerContext, tool: string): boolean {
  return ctx.mcpReq.requestState<ToolRoundState>()?.tool === tool;
}

async function askOnce(tool: string, key: string, request: InputRequest): Promise<InputRequiredResult> {
  return inputRequired({ inputRequests: { [key]: request }, requestState: await v2RequestStateCodec.mint({ tool }) });
}

export function registerV2InteractiveTools(server: McpServer, state: InteractiveState, options: V2InteractiveOptions): void {
  registerLogging(server);
  registerCounter(server, state, options.era);
  registerClientRequests(server);
  for (const tool of interactive.neutralInteractiveTools(state, options.reservedToolNames)) registerNeutralTool(server, tool);
  const registerAddedTool = (name: string) => registerNeutralTool(server, interactive.addedTool(name));
  if (!options.isLive) {
    for (const name of state.addedTools) registerAddedTool(name);
    return;
  }
  // On a 2026 stdio connection the SDK's entry routes list_changed to the listen streams that asked for it.
  interactive.followSharedState(server, state, {
    registerAddedTool,
    // 2026-07-28 has no resources/subscribe: a modern connection hears of every update it listens for.
    wantsUpdate: (uri) => options.era !== 'legacy' || state.isSubscribed(server, uri),
  });
}

function registerNeutralTool(server: McpServer, tool: interactive.NeutralTool): void {
  server.registerTool(tool.name, { description: tool.description, inputSchema: tool.inputSchema }, (args, ctx) =>
    tool.run(args, toolCall(ctx)),
  );
}

function toolCall(ctx: ServerContext): interactive.ToolCall {
  return {
    progressToken: ctx.mcpReq._meta?.progressToken,
    signal: ctx.mcpReq.signal,
    notify: (notification) => ctx.mcpReq.notify(notification),
  };
}

function registerLogging(server: McpServer): void {
  server.registerTool(
    'log_messages',
    {
      description: 'Send one info and one warning log message during the call. Use when testing logging and log levels.',
      inputSchema: z.object({}),
    },
    async (_args, ctx) => {
      // ctx.mcpReq.log applies logging/setLevel on 2025 connections and the request's
      // `io.modelcontextprotocol/logLevel` _meta on 2026 ones (sending nothing without it).
      for (const [level, data] of interactive.loggedMessages) await ctx.mcpReq.log(level, data, 'v2-backend');
      return textResult('logged');
    },
  );
}

function registerCounter(server: McpServer, state: InteractiveState, era: 'legacy' | 'modern'): void {
  const counter = interactive.counterResource(state);
  server.registerResource(counter.name, counter.uri, counter.metadata, counter.read);
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

/**
 * The tools that ask the client: the first entry answers input_required with
 * one request; the retry carries the answer under the same key.
 */
function registerClientRequests(server: McpServer): void {
  server.registerTool('ask_name', interactive.askNameTool, async (_args, ctx): Promise<TextResult | InputRequiredResult> => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'name');
    if (answer.kind === 'elicit' && isOwnRound(ctx, 'ask_name')) {
      return textResult(elicitationOutcomeText(answer.action, answer.content?.['name']));
    }
    return askOnce('ask_name', 'name', inputRequired.elicit(interactive.nameElicitation));
  });

  server.registerTool('open_url', interactive.openUrlTool, async ({ url }, ctx): Promise<TextResult | InputRequiredResult> => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'visit');
    if (answer.kind === 'elicit' && isOwnRound(ctx, 'open_url')) return textResult(answer.action);
    // The 2026 URL-mode shape has no elicitationId; the legacy shim mints one for 2025 clients.
    return askOnce('open_url', 'visit', inputRequired.elicitUrl({ message: interactive.urlElicitationMessage, url }));
  });

  server.registerTool('summarize', interactive.summarizeTool, async ({ text }, ctx): Promise<TextResult | InputRequiredResult> => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'summary');
    if (answer.kind === 'sampling' && isOwnRound(ctx, 'summarize')) return textResult(interactive.summaryText(answer.result.content));
    return askOnce('summarize', 'summary', inputRequired.createMessage(interactive.summaryRequest(text)));
  });

  server.registerTool('list_client_roots', interactive.listClientRootsTool, async (_args, ctx): Promise<TextResult | InputRequiredResult> => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, 'roots');
    if (answer.kind === 'roots' && isOwnRound(ctx, 'list_client_roots')) return textResult(interactive.rootsText(answer.roots));
    return askOnce('list_client_roots', 'roots', inputRequired.listRoots());
  });
}
