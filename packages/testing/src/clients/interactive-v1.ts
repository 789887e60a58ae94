// An SDK v1 (@modelcontextprotocol/sdk) client that answers server-to-client
// traffic on 2025-11-25: elicitation (form, url), sampling and roots through
// the given handlers, every notification recorded. It reaches a URL over
// Streamable HTTP (the gateway, or a backend) or a backend command over stdio.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  McpError,
  ProgressNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';

import { watchGetStream } from './get-stream-watch.ts';
import type { CallOptions, InteractiveClient, InteractiveSubscription, SubscriptionRequest } from './interactive-client.ts';
import { toolOutcome } from './interactive-client.ts';
import {
  declaredCapabilities,
  type InteractiveHandlers,
  isUrlElicitation,
  type ReceivedRequest,
  samplingResult,
} from './interactive-handlers.ts';
import { NotificationLog } from './notification-log.ts';
import { afterQueuedNotifications, ProgressRouter } from './progress-router.ts';

/** A backend started as a child process over stdio (launch.ts `stdioCommand` gives one). */
export interface StdioTarget {
  command: string;
  args: string[];
}

export interface InteractiveClientV1 extends InteractiveClient {
  readonly sdk: 'v1';
  readonly client: Client;
}

export const interactiveClientInfo = { name: 'gatehouse-interactive-test-client', version: '1.0.0' } as const;

function isStdioTarget(target: string | URL | StdioTarget): target is StdioTarget {
  return typeof target === 'object' && !(target instanceof URL);
}

/** Registers the handlers the capabilities promise and records every request, answered or not. */
function answerServerRequests(client: Client, handlers: InteractiveHandlers, requests: ReceivedRequest[]): void {
  const { elicitForm, elicitUrl, sampling, roots } = handlers;
  if (elicitForm !== undefined || elicitUrl !== undefined) {
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      const params = request.params;
      if (isUrlElicitation(params) && elicitUrl !== undefined && 'url' in params) {
        requests.push({ method: request.method, params, isAnswered: true });
        return elicitUrl({ message: params.message, url: params.url, elicitationId: params.elicitationId });
      }
      if (!isUrlElicitation(params) && elicitForm !== undefined && 'requestedSchema' in params) {
        requests.push({ method: request.method, params, isAnswered: true });
        return elicitForm({ message: params.message, requestedSchema: params.requestedSchema });
      }
      requests.push({ method: request.method, params, isAnswered: false });
      throw new McpError(ErrorCode.InvalidParams, `This client did not declare elicitation mode "${params.mode ?? 'form'}"`);
    });
  }
  if (sampling !== undefined) {
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
      requests.push({ method: request.method, params: request.params, isAnswered: true });
      const { messages, maxTokens, systemPrompt } = request.params;
      return samplingResult(await sampling({ messages, maxTokens, ...(systemPrompt !== undefined && { systemPrompt }) }));
    });
  }
  if (roots !== undefined) {
    client.setRequestHandler(ListRootsRequestSchema, async (request) => {
      requests.push({ method: request.method, params: request.params, isAnswered: true });
      return { roots: await roots() };
    });
  }
  // A request for a capability this client did not declare is refused the way the SDK refuses any unknown method.
  client.fallbackRequestHandler = async (request) => {
    requests.push({ method: request.method, params: request.params, isAnswered: false });
    throw new McpError(ErrorCode.MethodNotFound, 'Method not found');
  };
}

/**
 * Connects an SDK v1 client on 2025-11-25 to `target`: an MCP URL over
 * Streamable HTTP, or a stdio command. Capabilities follow `handlers`.
 */
export async function connectInteractiveV1(
  target: string | URL | StdioTarget,
  handlers: InteractiveHandlers = {},
): Promise<InteractiveClientV1> {
  const client = new Client(interactiveClientInfo, { capabilities: declaredCapabilities(handlers) });
  const requests: ReceivedRequest[] = [];
  const notifications = new NotificationLog();
  answerServerRequests(client, handlers, requests);
  client.fallbackNotificationHandler = async (notification) => {
    notifications.record(notification.method, notification.params as Record<string, unknown> | undefined);
  };
  // Replaces the SDK's own progress dispatch; see progress-router.ts for why.
  const progress = new ProgressRouter();
  client.setNotificationHandler(ProgressNotificationSchema, (notification) => {
    if (!progress.deliver(notification.params)) notifications.record(notification.method, notification.params);
  });

  let getStreamOpened: Promise<boolean>;
  if (isStdioTarget(target)) {
    await client.connect(new StdioClientTransport({ command: target.command, args: target.args, stderr: 'pipe' }));
    getStreamOpened = Promise.resolve(true);
  } else {
    const watch = watchGetStream();
    await client.connect(new StreamableHTTPClientTransport(new URL(target), { fetch: watch.fetch }));
    getStreamOpened = watch.opened;
  }

  return {
    sdk: 'v1',
    era: 'legacy',
    client,
    requests,
    notifications,
    getStreamOpened,
    async callTool(name, args = {}, options: CallOptions = {}) {
      const progressToken = options.onprogress === undefined ? undefined : progress.open(options.onprogress);
      try {
        const result = await client.callTool(
          { name, arguments: args, ...(progressToken !== undefined && { _meta: { progressToken } }) },
          undefined,
          {
            ...(options.signal !== undefined && { signal: options.signal }),
            ...(options.timeoutMs !== undefined && { timeout: options.timeoutMs }),
          },
        );
        await afterQueuedNotifications();
        return toolOutcome(result);
      } finally {
        if (progressToken !== undefined) progress.close(progressToken);
      }
    },
    async listToolNames() {
      const { tools } = await client.listTools();
      return tools.map((tool) => tool.name);
    },
    async readResourceText(uri) {
      const { contents } = await client.readResource({ uri });
      return contents.map((content) => ('text' in content ? content.text : '')).join('\n');
    },
    async setLogLevel(level) {
      await client.setLoggingLevel(level);
    },
    async subscribe(request: SubscriptionRequest): Promise<InteractiveSubscription> {
      await getStreamOpened;
      const uris = request.resources ?? [];
      for (const uri of uris) await client.subscribeResource({ uri });
      return {
        honoured: request,
        async close() {
          for (const uri of uris) await client.unsubscribeResource({ uri });
        },
      };
    },
    async close() {
      await client.close();
    },
  };
}
