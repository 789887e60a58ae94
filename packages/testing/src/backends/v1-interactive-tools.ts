// The interactive tools of the SDK v1 test backend (2025-11-25): each one
// exercises one kind of server-to-client traffic the way a 2025 server does
// it, with requests and notifications tied to the calling request so they
// travel on that call's SSE stream (basic/transports, "Sending Messages").
// The specs and the tools that need nothing from the client are shared with
// the v2 backend (interactive-catalog.ts).

import { randomUUID } from 'node:crypto';

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  type LoggingLevel,
  LoggingLevelSchema,
  type ServerNotification,
  type ServerRequest,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';

import * as interactive from './interactive-catalog.ts';
import { elicitationOutcomeText, type InteractiveState } from './interactive-state.ts';
import { textResult } from './test-catalog.ts';

export const v1InteractiveToolNames = interactive.interactiveToolNames;

const loggingSeverity: readonly LoggingLevel[] = LoggingLevelSchema.options;

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
  registerClientRequests(server);
  for (const tool of interactive.neutralInteractiveTools(state, reservedToolNames)) registerNeutralTool(server, tool);
  interactive.followSharedState(server, state, {
    registerAddedTool: (name) => registerNeutralTool(server, interactive.addedTool(name)),
    wantsUpdate: (uri) => state.isSubscribed(server, uri),
  });
}

function registerNeutralTool(server: McpServer, tool: interactive.NeutralTool): void {
  server.registerTool(tool.name, { description: tool.description, inputSchema: tool.inputSchema }, (args, extra) =>
    tool.run(args, toolCall(extra)),
  );
}

function toolCall(extra: RequestHandlerExtra<ServerRequest, ServerNotification>): interactive.ToolCall {
  return {
    progressToken: extra._meta?.progressToken,
    signal: extra.signal,
    notify: (notification) => extra.sendNotification(notification),
  };
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
      for (const [level, data] of interactive.loggedMessages) {
        if (minimum !== undefined && loggingSeverity.indexOf(level) < loggingSeverity.indexOf(minimum)) continue;
        await extra.sendNotification({ method: 'notifications/message', params: { level, logger: 'v1-backend', data } });
      }
      return textResult('logged');
    },
  );
}

function registerCounter(server: McpServer, state: InteractiveState): void {
  const counter = interactive.counterResource(state);
  server.registerResource(counter.name, counter.uri, counter.metadata, counter.read);
  server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
    state.subscribe(server, request.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    state.unsubscribe(server, request.params.uri);
    return {};
  });
}

/** The tools that ask the client: 2025 server-to-client requests related to the call, so they travel on its stream. */
function registerClientRequests(server: McpServer): void {
  server.registerTool('ask_name', interactive.askNameTool, async (_args, extra) => {
    const result = await server.server.elicitInput({ mode: 'form', ...interactive.nameElicitation }, { relatedRequestId: extra.requestId });
    return textResult(elicitationOutcomeText(result.action, result.content?.['name']));
  });

  server.registerTool('open_url', interactive.openUrlTool, async ({ url }, extra) => {
    const elicitationId = randomUUID();
    const result = await server.server.elicitInput(
      { mode: 'url', message: interactive.urlElicitationMessage, url, elicitationId },
      { relatedRequestId: extra.requestId },
    );
    // 2025-11-25 client/elicitation, "URL Mode": the server MAY announce that the out-of-band flow finished.
    if (result.action === 'accept') {
      await server.server.createElicitationCompletionNotifier(elicitationId, { relatedRequestId: extra.requestId })();
    }
    return textResult(result.action);
  });

  server.registerTool('summarize', interactive.summarizeTool, async ({ text }, extra) => {
    const result = await server.server.createMessage(interactive.summaryRequest(text), { relatedRequestId: extra.requestId });
    return textResult(interactive.summaryText(result.content));
  });

  server.registerTool('list_client_roots', interactive.listClientRootsTool, async (_args, extra) => {
    const { roots } = await server.server.listRoots(undefined, { relatedRequestId: extra.requestId });
    return textResult(interactive.rootsText(roots));
  });
}
