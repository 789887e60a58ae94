// An SDK v2 (@modelcontextprotocol/client) client that answers what a server
// asks of it in either era: on 2025 connections as server-to-client requests,
// on 2026-07-28 as `input_required` results, which the SDK fulfils through the
// same registered handlers and retries with `inputResponses` and the echoed
// `requestState` (basic/patterns/mrtr). Every notification is recorded.

import {
  Client,
  LOG_LEVEL_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

import { watchGetStream } from './get-stream-watch.ts';
import {
  type CallOptions,
  type InteractiveClient,
  type InteractiveSubscription,
  type LoggingLevel,
  type SubscriptionRequest,
  toolOutcome,
} from './interactive-client.ts';
import {
  declaredCapabilities,
  type InteractiveHandlers,
  isUrlElicitation,
  type ReceivedRequest,
  samplingResult,
} from './interactive-handlers.ts';
import { interactiveClientInfo, type StdioTarget } from './interactive-v1.ts';
import { NotificationLog } from './notification-log.ts';
import { afterQueuedNotifications, ProgressRouter } from './progress-router.ts';

/** `legacy`: the 2025 initialize handshake only. `auto`: `server/discover` first, 2026-07-28 when the server speaks it. */
export type V2NegotiationMode = 'legacy' | 'auto';

export interface InteractiveClientV2 extends InteractiveClient {
  readonly sdk: 'v2';
  readonly client: Client;
}

/** Registers the handlers the capabilities promise and records every request, answered or not. */
function answerServerRequests(client: Client, handlers: InteractiveHandlers, requests: ReceivedRequest[]): void {
  const { elicitForm, elicitUrl, sampling, roots } = handlers;
  if (elicitForm !== undefined || elicitUrl !== undefined) {
    client.setRequestHandler('elicitation/create', async (request) => {
      const params = request.params;
      if (isUrlElicitation(params) && elicitUrl !== undefined && 'url' in params) {
        requests.push({ method: request.method, params, isAnswered: true });
        const elicitationId = 'elicitationId' in params && typeof params.elicitationId === 'string' ? params.elicitationId : undefined;
        return elicitUrl({ message: params.message, url: params.url, ...(elicitationId !== undefined && { elicitationId }) });
      }
      if (!isUrlElicitation(params) && elicitForm !== undefined && 'requestedSchema' in params) {
        requests.push({ method: request.method, params, isAnswered: true });
        return elicitForm({ message: params.message, requestedSchema: params.requestedSchema as Record<string, unknown> });
      }
      requests.push({ method: request.method, params, isAnswered: false });
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `This client did not declare elicitation mode "${params.mode ?? 'form'}"`);
    });
  }
  if (sampling !== undefined) {
    client.setRequestHandler('sampling/createMessage', async (request) => {
      requests.push({ method: request.method, params: request.params, isAnswered: true });
      const { messages, maxTokens, systemPrompt } = request.params;
      return samplingResult(await sampling({ messages, maxTokens, ...(systemPrompt !== undefined && { systemPrompt }) }));
    });
  }
  if (roots !== undefined) {
    client.setRequestHandler('roots/list', async (request) => {
      requests.push({ method: request.method, params: request.params, isAnswered: true });
      return { roots: await roots() };
    });
  }
  client.fallbackRequestHandler = async (request) => {
    requests.push({ method: request.method, params: request.params, isAnswered: false });
    throw new ProtocolError(ProtocolErrorCode.MethodNotFound, 'Method not found');
  };
}

function isStdioTarget(target: string | URL | StdioTarget): target is StdioTarget {
  return typeof target === 'object' && !(target instanceof URL);
}

/**
 * Connects an SDK v2 client to `target` (an MCP URL over Streamable HTTP, or a
 * stdio command). `mode: 'auto'` reaches 2026-07-28 when the server offers it
 * and falls back to 2025 otherwise; check `era`. Capabilities follow `handlers`.
 */
export async function connectInteractiveV2(
  target: string | URL | StdioTarget,
  mode: V2NegotiationMode,
  handlers: InteractiveHandlers = {},
): Promise<InteractiveClientV2> {
  const client = new Client(interactiveClientInfo, {
    capabilities: declaredCapabilities(handlers),
    versionNegotiation: { mode },
  });
  const requests: ReceivedRequest[] = [];
  const notifications = new NotificationLog();
  answerServerRequests(client, handlers, requests);
  client.fallbackNotificationHandler = async (notification) => {
    notifications.record(notification.method, notification.params as Record<string, unknown> | undefined);
  };
  const progress = new ProgressRouter();
  client.setNotificationHandler('notifications/progress', (notification) => {
    if (!progress.deliver(notification.params)) notifications.record(notification.method, notification.params);
  });

  let watchedGetStream: Promise<boolean> = Promise.resolve(true);
  if (isStdioTarget(target)) {
    await client.connect(new StdioClientTransport({ command: target.command, args: target.args, stderr: 'pipe' }));
  } else {
    const watch = watchGetStream();
    await client.connect(new StreamableHTTPClientTransport(new URL(target), { fetch: watch.fetch }));
    watchedGetStream = watch.opened;
  }
  const era = client.getProtocolEra() ?? 'legacy';
  const getStreamOpened = era === 'modern' ? Promise.resolve(false) : watchedGetStream;
  let defaultLogLevel: LoggingLevel | undefined;

  return {
    sdk: 'v2',
    era,
    client,
    requests,
    notifications,
    getStreamOpened,
    async callTool(name, args = {}, options: CallOptions = {}) {
      const logLevel = options.logLevel ?? defaultLogLevel;
      const progressToken = options.onprogress === undefined ? undefined : progress.open(options.onprogress);
      // The SDK merges this _meta over its own per-request envelope on 2026 connections.
      const meta = {
        ...(era === 'modern' && logLevel !== undefined && { [LOG_LEVEL_META_KEY]: logLevel }),
        ...(progressToken !== undefined && { progressToken }),
      };
      try {
        const result = await client.callTool(
          { name, arguments: args, ...(Object.keys(meta).length > 0 && { _meta: meta }) },
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
      const { tools } = await client.listTools(undefined, { cacheMode: 'refresh' });
      return tools.map((tool) => tool.name);
    },
    async readResourceText(uri) {
      const { contents } = await client.readResource({ uri }, { cacheMode: 'bypass' });
      return contents.map((content) => ('text' in content ? content.text : '')).join('\n');
    },
    async setLogLevel(level) {
      // 2026-07-28 has no logging/setLevel: the level rides each request's _meta instead.
      if (era === 'modern') defaultLogLevel = level;
      else await client.setLoggingLevel(level);
    },
    async subscribe(request: SubscriptionRequest): Promise<InteractiveSubscription> {
      if (era === 'modern') {
        const subscription = await client.listen({
          ...(request.toolsListChanged === true && { toolsListChanged: true }),
          ...(request.resources !== undefined && { resourceSubscriptions: request.resources }),
        });
        const honoured = subscription.honoredFilter;
        return {
          honoured: {
            ...(honoured.toolsListChanged !== undefined && { toolsListChanged: honoured.toolsListChanged }),
            ...(honoured.resourceSubscriptions !== undefined && { resources: honoured.resourceSubscriptions }),
          },
          close: () => subscription.close(),
        };
      }
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
