// An SDK v2 (@modelcontextprotocol/client) client that answers what a server
// asks of it in either era: on 2025 connections as server-to-client requests,
// on 2026-07-28 as `input_required` results, which the SDK fulfils through the
// same registered handlers and retries with `inputResponses` and the echoed
// `requestState` (basic/patterns/mrtr). Every notification is recorded.

import { Client, LOG_LEVEL_META_KEY, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

import { callWithProgress, createClientRecords, requestOptions, resourceText, subscribeLegacy } from './client-operations.ts';
import { type ClientTarget, interactiveClientInfo, isStdioTarget } from './client-target.ts';
import { watchGetStream } from './get-stream-watch.ts';
import type { CallOptions, InteractiveClient, InteractiveSubscription, LoggingLevel, SubscriptionRequest } from './interactive-client.ts';
import { declaredCapabilities, type InteractiveHandlers, type ReceivedRequest } from './interactive-handlers.ts';
import { serverRequestAnswers } from './server-request-answers.ts';

/** `legacy`: the 2025 initialize handshake only. `auto`: `server/discover` first, 2026-07-28 when the server speaks it. */
export type V2NegotiationMode = 'legacy' | 'auto';

export interface InteractiveClientV2 extends InteractiveClient {
  readonly sdk: 'v2';
  readonly client: Client;
}

/** Registers the handlers the capabilities promise and records every request, answered or not. */
function answerServerRequests(client: Client, handlers: InteractiveHandlers, requests: ReceivedRequest[]): void {
  const answers = serverRequestAnswers(handlers, requests, (code, message) => new ProtocolError(code, message));
  if (answers.elicitation !== undefined) client.setRequestHandler('elicitation/create', answers.elicitation);
  if (answers.sampling !== undefined) client.setRequestHandler('sampling/createMessage', answers.sampling);
  if (answers.roots !== undefined) client.setRequestHandler('roots/list', answers.roots);
  client.fallbackRequestHandler = answers.refuseUnknown;
}

/**
 * Connects an SDK v2 client to `target` (an MCP URL over Streamable HTTP, or a
 * stdio command). `mode: 'auto'` reaches 2026-07-28 when the server offers it
 * and falls back to 2025 otherwise; check `era`. Capabilities follow `handlers`.
 */
export async function connectInteractiveV2(
  target: ClientTarget,
  mode: V2NegotiationMode,
  handlers: InteractiveHandlers = {},
): Promise<InteractiveClientV2> {
  const client = new Client(interactiveClientInfo, {
    capabilities: declaredCapabilities(handlers),
    versionNegotiation: { mode },
  });
  const records = createClientRecords();
  answerServerRequests(client, handlers, records.requests);
  client.fallbackNotificationHandler = records.onNotification;
  client.setNotificationHandler('notifications/progress', records.onProgress);

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
    requests: records.requests,
    notifications: records.notifications,
    getStreamOpened,
    callTool(name, args = {}, options: CallOptions = {}) {
      const logLevel = options.logLevel ?? defaultLogLevel;
      return callWithProgress(records.progress, options, (progressToken) => {
        // The SDK merges this _meta over its own per-request envelope on 2026 connections.
        const meta = {
          ...(era === 'modern' && logLevel !== undefined && { [LOG_LEVEL_META_KEY]: logLevel }),
          ...(progressToken !== undefined && { progressToken }),
        };
        return client.callTool({ name, arguments: args, ...(Object.keys(meta).length > 0 && { _meta: meta }) }, requestOptions(options));
      });
    },
    async listToolNames() {
      const { tools } = await client.listTools(undefined, { cacheMode: 'refresh' });
      return tools.map((tool) => tool.name);
    },
    async readResourceText(uri) {
      return resourceText((await client.readResource({ uri }, { cacheMode: 'bypass' })).contents);
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
      return subscribeLegacy(client, getStreamOpened, request);
    },
    async close() {
      await client.close();
    },
  };
}
