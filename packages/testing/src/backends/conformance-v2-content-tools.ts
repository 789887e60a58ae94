// The SDK v2 conformance fixture's content tools (conformance-v2-server.ts):
// each content block type, an error result, logging and progress while a
// call runs, a mid-call SSE reconnection, a JSON Schema 2020-12 input and a
// header-mapped parameter. Texts and schemas are conformance-catalog.ts's.

import { setTimeout as sleep } from 'node:timers/promises';

import { fromJsonSchema, type McpServer } from '@modelcontextprotocol/server';

import * as fixture from './conformance-catalog.ts';
import { noArguments, text } from './conformance-v2-rounds.ts';

export function registerContentTools(server: McpServer): void {
  server.registerTool('test_simple_text', { description: 'Returns one text block.', inputSchema: noArguments }, () =>
    text(fixture.simpleText),
  );
  server.registerTool('test_image_content', { description: 'Returns one PNG image block.', inputSchema: noArguments }, () => ({
    content: [{ type: 'image' as const, data: fixture.testImageBase64, mimeType: 'image/png' }],
  }));
  server.registerTool('test_audio_content', { description: 'Returns one WAV audio block.', inputSchema: noArguments }, () => ({
    content: [{ type: 'audio' as const, data: fixture.testAudioBase64, mimeType: 'audio/wav' }],
  }));
  server.registerTool('test_embedded_resource', { description: 'Returns one embedded text resource.', inputSchema: noArguments }, () => ({
    content: [{ type: 'resource' as const, resource: { ...fixture.embeddedResource } }],
  }));
  server.registerTool(
    'test_multiple_content_types',
    { description: 'Returns text, image and embedded resource blocks in one result.', inputSchema: noArguments },
    () => ({
      content: [
        { type: 'text' as const, text: 'Multiple content types test:' },
        { type: 'image' as const, data: fixture.testImageBase64, mimeType: 'image/png' },
        { type: 'resource' as const, resource: { ...fixture.mixedContentResource } },
      ],
    }),
  );
  server.registerTool('test_error_handling', { description: 'Always returns an isError result.', inputSchema: noArguments }, () => ({
    ...text(fixture.errorText),
    isError: true,
  }));
  server.registerTool(
    'test_tool_with_logging',
    { description: 'Sends three info log messages, 50 ms apart, while it runs.', inputSchema: noArguments },
    async (_args, ctx) => {
      for (const [index, data] of fixture.loggedMessages.entries()) {
        if (index > 0) await sleep(50, undefined, { signal: ctx.mcpReq.signal });
        // The SDK applies logging/setLevel (2025) or the request's logLevel _meta (2026).
        await ctx.mcpReq.log('info', data);
      }
      return text('Tool with logging executed successfully');
    },
  );
  server.registerTool(
    'test_tool_with_progress',
    { description: 'Reports progress 0, 50 and 100 of 100, 50 ms apart, when the request has a progressToken.', inputSchema: noArguments },
    async (_args, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      for (const progress of [0, 50, 100]) {
        if (progress > 0) await sleep(50, undefined, { signal: ctx.mcpReq.signal });
        if (progressToken !== undefined) {
          await ctx.mcpReq.notify({
            method: 'notifications/progress',
            params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` },
          });
        }
      }
      return text(`Progress reported for token ${String(progressToken ?? '(none)')}`);
    },
  );
  server.registerTool(
    'test_reconnection',
    { description: 'Closes its SSE stream mid-call and answers after the client resumes (SEP-1699).', inputSchema: noArguments },
    async (_args, ctx) => {
      ctx.http?.closeSSE?.();
      await sleep(100, undefined, { signal: ctx.mcpReq.signal });
      return text(fixture.reconnectionText);
    },
  );
  server.registerTool(
    fixture.jsonSchema2020Tool.name,
    {
      description: fixture.jsonSchema2020Tool.description,
      // Declared as raw JSON Schema so every keyword reaches the client as written (SEP-1613, SEP-2106).
      inputSchema: fromJsonSchema(structuredClone(fixture.jsonSchema2020Tool.inputSchema) as never),
    },
    (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  );
  server.registerTool(
    fixture.headerParamTool.name,
    { description: fixture.headerParamTool.description, inputSchema: fromJsonSchema(structuredClone(fixture.headerParamTool.inputSchema) as never) },
    (args) => text(`region: ${String((args as { region?: unknown }).region)}`),
  );
}
