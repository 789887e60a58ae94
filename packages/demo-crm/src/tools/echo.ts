// A tool that returns its input unchanged. Benchmarks call it to measure the
// gateway's own overhead, so it does no work beyond building the result.

import { defineTool } from '@gatehouse/server-kit';
import * as z from 'zod';

export const echoTool = defineTool({
  name: 'echo',
  title: 'Echo',
  description: 'Return the message unchanged. Use when testing connectivity or measuring latency.',
  input: z.object({ message: z.string().describe('Any text; it is returned as is.') }),
  output: z.object({ message: z.string() }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  describe: ({ message }) => message,
  handler: ({ message }) => ({ message }),
});
