// The tools the official conformance suite's server scenarios call, declared
// with raw JSON Schemas rather than zod so that json_schema_2020_12_tool's
// `$schema`, `$defs` and `additionalProperties` reach the client untouched
// (SEP-1613, SEP-2106; the schema is in conformance-catalog.ts). The tools that ask the client for input are in
// conformance-interactive-tools.ts.

import { setTimeout as sleep } from 'node:timers/promises';

import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type {
  CallToolResult,
  LoggingLevel,
  ServerNotification,
  ServerRequest,
  Tool,
} from '@modelcontextprotocol/sdk/types.js';

import * as fixture from './conformance-catalog.ts';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ConformanceTool {
  definition: Tool;
  run(args: Record<string, unknown>, extra: ToolExtra): Promise<CallToolResult>;
}

/** What a tool may ask of the session it runs in. */
export interface ToolSession {
  /** Whether a log message at this level passes the level the client set with logging/setLevel. */
  isLogged(level: LoggingLevel): boolean;
  /** Adds a tool (test_trigger_tool_change) and sends tools/list_changed; returns its name. */
  addTool(): string;
  /** Adds a prompt (test_trigger_prompt_change) and sends prompts/list_changed; returns its name. */
  addPrompt(): string;
}

export { testImageBase64 } from './conformance-catalog.ts';
const { testImageBase64, testAudioBase64 } = fixture;

const noArguments: Tool['inputSchema'] = { type: 'object', properties: {} };

function textResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }] };
}

export function createConformanceTools(session: ToolSession): ConformanceTool[] {
  return [
    {
      definition: { name: 'test_simple_text', description: 'Returns one text block.', inputSchema: noArguments },
      run: async () => textResult('This is a simple text response for testing.'),
    },
    {
      definition: { name: 'test_image_content', description: 'Returns one PNG image block.', inputSchema: noArguments },
      run: async () => ({ content: [{ type: 'image', data: testImageBase64, mimeType: 'image/png' }] }),
    },
    {
      definition: { name: 'test_audio_content', description: 'Returns one WAV audio block.', inputSchema: noArguments },
      run: async () => ({ content: [{ type: 'audio', data: testAudioBase64, mimeType: 'audio/wav' }] }),
    },
    {
      definition: {
        name: 'test_embedded_resource',
        description: 'Returns one embedded text resource.',
        inputSchema: noArguments,
      },
      run: async () => ({
        content: [
          {
            type: 'resource',
            resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' },
          },
        ],
      }),
    },
    {
      definition: {
        name: 'test_multiple_content_types',
        description: 'Returns text, image and embedded resource blocks in one result.',
        inputSchema: noArguments,
      },
      run: async () => ({
        content: [
          { type: 'text', text: 'Multiple content types test:' },
          { type: 'image', data: testImageBase64, mimeType: 'image/png' },
          {
            type: 'resource',
            resource: {
              uri: 'test://mixed-content-resource',
              mimeType: 'application/json',
              text: JSON.stringify({ test: 'data', value: 123 }),
            },
          },
        ],
      }),
    },
    {
      definition: {
        name: 'test_tool_with_logging',
        description: 'Sends three info log notifications, 50 ms apart, while it runs.',
        inputSchema: noArguments,
      },
      run: async (_args, extra) => {
        const messages = ['Tool execution started', 'Tool processing data', 'Tool execution completed'];
        for (const [index, data] of messages.entries()) {
          if (index > 0) await sleep(50, undefined, { signal: extra.signal });
          // Sent as related notifications so they travel on this request's SSE stream.
          if (session.isLogged('info')) {
            await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data } });
          }
        }
        return textResult('Tool with logging executed successfully');
      },
    },
    {
      definition: {
        name: 'test_tool_with_progress',
        description: 'Reports progress 0, 50 and 100 of 100, 50 ms apart, when the request has a progressToken.',
        inputSchema: noArguments,
      },
      run: async (_args, extra) => {
        const progressToken = extra._meta?.progressToken;
        for (const progress of [0, 50, 100]) {
          if (progress > 0) await sleep(50, undefined, { signal: extra.signal });
          if (progressToken !== undefined) {
            await extra.sendNotification({
              method: 'notifications/progress',
              params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` },
            });
          }
        }
        return textResult(`Progress reported for token ${String(progressToken ?? '(none)')}`);
      },
    },
    {
      definition: { name: 'test_error_handling', description: 'Always returns an isError result.', inputSchema: noArguments },
      run: async () => ({
        content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }],
        isError: true,
      }),
    },
    {
      definition: {
        name: 'test_reconnection',
        description:
          'Closes its SSE stream mid-call and answers after the client reconnects with Last-Event-ID (SEP-1699).',
        inputSchema: noArguments,
      },
      run: async (_args, extra) => {
        // Only offered to clients of 2025-11-25 or later, which got a priming event id to resume from.
        extra.closeSSEStream?.();
        await sleep(100, undefined, { signal: extra.signal });
        return textResult(
          'Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.',
        );
      },
    },
    {
      // Structured clones: the SDK must not share (or be able to change) the catalog's objects.
      definition: structuredClone(fixture.jsonSchema2020Tool) as unknown as Tool,
      run: async (args) => textResult(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
    },
    {
      definition: structuredClone(fixture.headerParamTool) as unknown as Tool,
      run: async (args) => textResult(`region: ${String(args['region'])}`),
    },
    {
      definition: { name: 'test_logging_tool', description: 'Logs one info message.', inputSchema: noArguments },
      run: async (_args, extra) => {
        if (session.isLogged('info')) {
          await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: 'test_logging_tool ran' } });
        }
        return textResult('Logging tool executed.');
      },
    },
    {
      definition: { name: 'test_trigger_tool_change', description: 'Adds a tool, so the tool list changes and the client is told.', inputSchema: noArguments },
      run: async () => textResult(`Added tool ${session.addTool()}`),
    },
    {
      definition: { name: 'test_trigger_prompt_change', description: 'Adds a prompt, so the prompt list changes and the client is told.', inputSchema: noArguments },
      run: async () => textResult(`Added prompt ${session.addPrompt()}`),
    },
  ];
}
