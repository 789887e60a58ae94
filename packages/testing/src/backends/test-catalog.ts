// What the SDK v1 and SDK v2 test backends offer in common, written once
// without either SDK: each tool's spec (description and zod input schema, which
// both SDKs' registerTool accept), its handler logic as a plain function, and
// the data behind the resources and prompt. v1-server.ts and v2-server.ts only
// register these with their own SDK's McpServer.

import { setTimeout as sleep } from 'node:timers/promises';

import * as z from 'zod';

/** Which backend a URI or text belongs to: `test://v1/...` or `test://v2/...`. */
export type BackendTag = 'v1' | 'v2';

/** A tool result of text blocks only, assignable to either SDK's CallToolResult. */
export interface TextResult {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  isError?: boolean;
}

export function textResult(value: string, isError = false): TextResult {
  return isError ? { content: [{ type: 'text', text: value }], isError } : { content: [{ type: 'text', text: value }] };
}

export const echoTool = {
  description: 'Return the message unchanged. Use when testing connectivity or latency.',
  inputSchema: z.object({ message: z.string().describe('Any text; it is returned as is.') }),
};

export function echo({ message }: { message: string }): TextResult {
  return textResult(message);
}

export const failTool = {
  description: 'Always fail with an isError result. Use when testing how tool errors are passed through.',
  inputSchema: z.object({ message: z.string().optional().describe('Error text to return; a default is used when omitted.') }),
};

export function fail({ message }: { message?: string | undefined }): TextResult {
  return textResult(message ?? 'The fail tool always fails; this error is expected by the test', true);
}

export const slowTool = {
  description: 'Wait the given number of milliseconds, then answer. Use when testing timeouts and cancellation.',
  inputSchema: z.object({ ms: z.number().int().min(0).max(600_000).describe('How long to wait, in milliseconds.') }),
};

/** Rejects with an AbortError when `signal` (the call's cancellation) fires first. */
export async function slow({ ms }: { ms: number }, signal: AbortSignal): Promise<TextResult> {
  await sleep(ms, undefined, { signal });
  return textResult(`waited ${ms} ms`);
}

/** The static readme resource: name, URI, metadata and read callback for registerResource. */
export function readmeResource(backend: BackendTag) {
  return {
    name: 'readme',
    uri: `test://${backend}/readme`,
    metadata: { title: `${backend} backend readme`, description: 'A static text resource.', mimeType: 'text/plain' },
    read: (uri: URL) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: `This is the ${backend} backend readme.` }] }),
  };
}

const items = [
  { id: '1', name: 'first item' },
  { id: '2', name: 'second item' },
  { id: '3', name: 'third item' },
];

/** The item resource template: any id is readable, three are listed, ids complete by prefix. */
export function itemTemplate(backend: BackendTag) {
  return {
    name: 'item',
    uriTemplate: `test://${backend}/items/{id}`,
    /** The list and completion callbacks for the SDK's ResourceTemplate. */
    callbacks: {
      list: () => ({ resources: items.map((item) => ({ uri: `test://${backend}/items/${item.id}`, name: item.name })) }),
      complete: { id: (typed: string) => items.map((item) => item.id).filter((id) => id.startsWith(typed)) },
    },
    metadata: { title: `${backend} item`, description: 'One item as JSON; any id is readable.', mimeType: 'application/json' },
    read: (uri: URL, variables: Record<string, string | string[]>) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ id: variables['id'], backend }) }],
    }),
  };
}

const personNames = ['Ada', 'Alan', 'Grace', 'Linus', 'Margaret'];

/** Completion for a prompt's `name` argument: the known names that start with what was typed, ignoring case. */
export function completePersonName(typed: string): string[] {
  return personNames.filter((name) => name.toLowerCase().startsWith(typed.toLowerCase()));
}
