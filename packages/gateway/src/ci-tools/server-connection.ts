// One MCP client session held by a CI tool, over either transport and in
// either protocol revision, behind one small interface. 2025-11-25 sessions
// use the official SDK v1 client (@modelcontextprotocol/sdk); 2026-07-28 is
// reached with the SDK v2 client (@modelcontextprotocol/client) in its `auto`
// negotiation mode, as packages/testing's interactive clients do: it sends
// `server/discover` first and falls back to `initialize` when the server
// does not answer it (2026-07-28 basic/versioning).

import { Client as ClientV2, StreamableHTTPClientTransport as HttpTransportV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioTransportV2 } from '@modelcontextprotocol/client/stdio';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioTransportV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as HttpTransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import type { JsonObject } from '../schema-diff/schema-snapshot.ts';
import { GATEWAY_VERSION } from '../version.ts';
import { CiToolError } from './ci-tool-error.ts';
import { describeTarget, type ServerTarget } from './server-target.ts';

/**
 * How to connect. `auto`: the newest revision the server speaks (SDK v2
 * discovery; a 2025 server is then spoken to with SDK v1). `v1`: SDK v1 on
 * 2025-11-25 only. `v2-legacy`: SDK v2 with the 2025 handshake only.
 */
export type ClientGeneration = 'auto' | 'v1' | 'v2-legacy';

// Defined beside the snapshot it shapes; the checks import it from here.
export type { JsonObject };

/** What a tools/call came back with, whether the tool failed (isError) or the request did (a JSON-RPC error). */
export interface ToolCallOutcome {
  isError: boolean;
  /** The text contents joined, and the structured content serialized: what a model would read. */
  text: string;
  structuredContent?: unknown;
  /** Set when the request itself failed (JSON-RPC error, transport failure, timeout). */
  protocolError?: { code: number | undefined; message: string };
}

export interface ServerConnection {
  /** Which SDK spoke: `v1` or `v2`. */
  readonly sdk: 'v1' | 'v2';
  readonly protocolVersion: string | undefined;
  readonly era: 'legacy' | 'modern';
  readonly serverInfo: { name: string; version: string; title?: string } | undefined;
  readonly capabilities: JsonObject;
  listTools(): Promise<JsonObject[]>;
  listResources(): Promise<JsonObject[]>;
  listResourceTemplates(): Promise<JsonObject[]>;
  listPrompts(): Promise<JsonObject[]>;
  callTool(name: string, args: JsonObject, timeoutMs?: number): Promise<ToolCallOutcome>;
  readResource(uri: string): Promise<string>;
  close(): Promise<void>;
}

const clientInfo = { name: 'gatehouse-ci-tools', version: GATEWAY_VERSION };
const defaultTimeoutMs = 15_000;

export async function connectToServer(target: ServerTarget, generation: ClientGeneration = 'auto'): Promise<ServerConnection> {
  try {
    if (generation === 'v1') return await connectV1(target);
    const modern = await connectV2(target, generation === 'auto' ? 'auto' : 'legacy');
    if (generation === 'v2-legacy' || modern.era === 'modern') return modern;
    await modern.close();
    return await connectV1(target);
  } catch (error) {
    if (error instanceof CiToolError) throw error;
    throw new CiToolError('target_unreachable', `could not open an MCP session with ${describeTarget(target)}: ${(error as Error).message}; check the URL or command, and the token if the server needs one`, { cause: error });
  }
}

async function connectV1(target: ServerTarget): Promise<ServerConnection> {
  const client = new ClientV1(clientInfo, { capabilities: {} });
  let negotiated: string | undefined;
  if (target.kind === 'stdio') {
    const transport = new StdioTransportV1({ command: target.command, args: [...target.args], stderr: 'pipe' });
    // The SDK hands the negotiated revision to transports that take it; stdio has no slot, so this one records it.
    Object.assign(transport, { setProtocolVersion: (version: string) => (negotiated = version) });
    await client.connect(transport);
  } else {
    const transport = new HttpTransportV1(target.url, { requestInit: { headers: { ...target.headers } } });
    await client.connect(transport);
    negotiated = transport.protocolVersion;
  }
  const paged = async (list: (cursor: string | undefined) => Promise<{ nextCursor?: string } & JsonObject>, key: string) => {
    const items: JsonObject[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 64; page++) {
      const result = await list(cursor);
      items.push(...((result[key] as JsonObject[] | undefined) ?? []));
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
    return items;
  };
  const capabilities = (client.getServerCapabilities() ?? {}) as JsonObject;
  return {
    sdk: 'v1',
    protocolVersion: negotiated,
    era: 'legacy',
    serverInfo: client.getServerVersion(),
    capabilities,
    listTools: () => (capabilities.tools ? paged((cursor) => client.listTools({ cursor }), 'tools') : Promise.resolve([])),
    listResources: () => (capabilities.resources ? paged((cursor) => client.listResources({ cursor }), 'resources') : Promise.resolve([])),
    listResourceTemplates: () => (capabilities.resources ? paged((cursor) => client.listResourceTemplates({ cursor }), 'resourceTemplates') : Promise.resolve([])),
    listPrompts: () => (capabilities.prompts ? paged((cursor) => client.listPrompts({ cursor }), 'prompts') : Promise.resolve([])),
    callTool: (name, args, timeoutMs = defaultTimeoutMs) => toolOutcome(() => client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs })),
    readResource: async (uri) => contentsText((await client.readResource({ uri })).contents),
    close: () => client.close(),
  };
}

async function connectV2(target: ServerTarget, mode: 'auto' | 'legacy'): Promise<ServerConnection> {
  const client = new ClientV2(clientInfo, { capabilities: {}, versionNegotiation: { mode } });
  if (target.kind === 'stdio') {
    await client.connect(new StdioTransportV2({ command: target.command, args: [...target.args], stderr: 'pipe' }));
  } else {
    await client.connect(new HttpTransportV2(target.url, { requestInit: { headers: { ...target.headers } } }));
  }
  const capabilities = (client.getServerCapabilities() ?? {}) as JsonObject;
  // Every listing goes to the server: a rug-pull check must see what it serves now, not a cached page.
  const fresh = { cacheMode: 'refresh' } as const;
  return {
    sdk: 'v2',
    protocolVersion: client.getNegotiatedProtocolVersion(),
    era: client.getProtocolEra() ?? 'legacy',
    serverInfo: client.getServerVersion(),
    capabilities,
    listTools: async () => (capabilities.tools ? ((await client.listTools(undefined, fresh)).tools as JsonObject[]) : []),
    listResources: async () => (capabilities.resources ? ((await client.listResources(undefined, fresh)).resources as JsonObject[]) : []),
    listResourceTemplates: async () => (capabilities.resources ? ((await client.listResourceTemplates(undefined, fresh)).resourceTemplates as JsonObject[]) : []),
    listPrompts: async () => (capabilities.prompts ? ((await client.listPrompts(undefined, fresh)).prompts as JsonObject[]) : []),
    callTool: (name, args, timeoutMs = defaultTimeoutMs) => toolOutcome(() => client.callTool({ name, arguments: args }, { timeout: timeoutMs })),
    readResource: async (uri) => contentsText((await client.readResource({ uri }, { cacheMode: 'bypass' })).contents),
    close: () => client.close(),
  };
}

async function toolOutcome(call: () => Promise<unknown>): Promise<ToolCallOutcome> {
  try {
    const result = (await call()) as { isError?: boolean; content?: unknown[]; structuredContent?: unknown };
    const text = [
      contentsText((result.content ?? []) as JsonObject[]),
      result.structuredContent === undefined ? '' : JSON.stringify(result.structuredContent),
    ].filter((part) => part.length > 0).join('\n');
    return { isError: result.isError === true, text, ...(result.structuredContent !== undefined && { structuredContent: result.structuredContent }) };
  } catch (error) {
    const failure = error as { code?: unknown; message?: string };
    const code = typeof failure.code === 'number' ? failure.code : undefined;
    const message = String(failure.message ?? error);
    return { isError: true, text: message, protocolError: { code, message } };
  }
}

function contentsText(contents: ReadonlyArray<JsonObject>): string {
  return contents
    .map((content) => (typeof content.text === 'string' ? content.text : content.type === 'resource' ? contentsText([content.resource as JsonObject]) : ''))
    .filter((text) => text.length > 0)
    .join('\n');
}
