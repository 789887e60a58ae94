// An SDK v1 (@modelcontextprotocol/sdk) client that answers server-to-client
// traffic on 2025-11-25: elicitation (form, url), sampling and roots through
// the given handlers, every notification recorded. It reaches a URL over
// Streamable HTTP (the gateway, or a backend) or a backend command over stdio.
// What does not depend on the SDK is shared with interactive-v2.ts.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  McpError,
  ProgressNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';

import { callWithProgress, createClientRecords, requestOptions, resourceText, subscribeLegacy } from './client-operations.ts';
import { type ClientTarget, interactiveClientInfo, isStdioTarget } from './client-target.ts';
import { watchGetStream } from './get-stream-watch.ts';
import type { CallOptions, InteractiveClient } from './interactive-client.ts';
import { declaredCapabilities, type InteractiveHandlers, type ReceivedRequest } from './interactive-handlers.ts';
import { serverRequestAnswers } from './server-request-answers.ts';

export { interactiveClientInfo, type StdioTarget } from './client-target.ts';

export interface InteractiveClientV1 extends InteractiveClient {
  readonly sdk: 'v1';
  readonly client: Client;
}

/** Registers the handlers the capabilities promise and records every request, answered or not. */
function answerServerRequests(client: Client, handlers: InteractiveHandlers, requests: ReceivedRequest[]): void {
  const answers = serverRequestAnswers(handlers, requests, (code, message) => new McpError(code, message));
  if (answers.elicitation !== undefined) client.setRequestHandler(ElicitRequestSchema, answers.elicitation);
  if (answers.sampling !== undefined) client.setRequestHandler(CreateMessageRequestSchema, answers.sampling);
  if (answers.roots !== undefined) client.setRequestHandler(ListRootsRequestSchema, answers.roots);
  client.fallbackRequestHandler = answers.refuseUnknown;
}

/**
 * Connects an SDK v1 client on 2025-11-25 to `target`: an MCP URL over
 * Streamable HTTP, or a stdio command. Capabilities follow `handlers`.
 */
export async function connectInteractiveV1(target: ClientTarget, handlers: InteractiveHandlers = {}): Promise<InteractiveClientV1> {
  const client = new Client(interactiveClientInfo, { capabilities: declaredCapabilities(handlers) });
  const records = createClientRecords();
  answerServerRequests(client, handlers, records.requests);
  client.fallbackNotificationHandler = records.onNotification;
  client.setNotificationHandler(ProgressNotificationSchema, records.onProgress);

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
    requests: records.requests,
    notifications: records.notifications,
    getStreamOpened,
    callTool(name, args = {}, options: CallOptions = {}) {
      return callWithProgress(records.progress, options, (progressToken) =>
        client.callTool(
          { name, arguments: args, ...(progressToken !== undefined && { _meta: { progressToken } }) },
          undefined,
          requestOptions(options),
        ),
      );
    },
    async listToolNames() {
      const { tools } = await client.listTools();
      return tools.map((tool) => tool.name);
    },
    async readResourceText(uri) {
      return resourceText((await client.readResource({ uri })).contents);
    },
    async setLogLevel(level) {
      await client.setLoggingLevel(level);
    },
    subscribe: (request) => subscribeLegacy(client, getStreamOpened, request),
    async close() {
      await client.close();
    },
  };
}
