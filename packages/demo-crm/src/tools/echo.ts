// A tool that returns its input unchanged. Benchmarks call it to measure the
// gateway's own overhead, so it does no work beyond building the result.

import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';

export function registerEchoTool(server: McpServer): void {
  server.registerTool(
    'echo',
    {
      title: 'Echo',
      description: 'Return the message unchanged. Use when testing connectivity or measuring latency.',
      inputSchema: z.object({ message: z.string().describe('Any text; it is returned as is.') }),
      outputSchema: z.object({ message: z.string() }),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ message }) => ({ content: [{ type: 'text', text: message }], structuredContent: { message } }),
  );
}
