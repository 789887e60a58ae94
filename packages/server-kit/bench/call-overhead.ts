#!/usr/bin/env node
// What the kit costs per tools/call: the same echo tool on a bare SDK McpServer
// and through the kit (scope check, trace, output check, audit record, metrics,
// log line), both served by the SDK's per-request 2026-07-28 handler and
// called in-process by the official client (no socket), sequentially.
//
//   node packages/server-kit/bench/call-overhead.ts [--calls 2000]

import { parseArgs } from 'node:util';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import pino from 'pino';
import * as z from 'zod';

import { createKitServer, defineTool, MemoryAuditSink } from '../src/index.ts';
import { testAuthInfo } from '../src/testing/index.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '2000' } } });
const calls = Number(values.calls);
const input = z.object({ message: z.string() });
const output = z.object({ message: z.string() });

const bare = createMcpHandler(() => {
  const server = new McpServer({ name: 'bare', version: '1' });
  server.registerTool('echo', { description: 'Echo.', inputSchema: input, outputSchema: output }, ({ message }) => ({
    content: [{ type: 'text', text: message }],
    structuredContent: { message },
  }));
  return server;
}, { legacy: 'reject' });

const audit = new MemoryAuditSink();
const kit = createKitServer({
  name: 'kit',
  version: '1',
  tools: [defineTool({ name: 'echo', description: 'Echo.', input, output, scopes: ['echo:call'], handler: ({ message }) => ({ message }) })],
  audit,
  logger: pino({ level: 'silent' }),
});
const authInfo = testAuthInfo({ subject: 'bench', scopes: ['echo:call'] });

async function measure(label: string, fetch: (request: Request) => Promise<Response>): Promise<number[]> {
  const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new StreamableHTTPClientTransport(new URL('http://bench.test/mcp'), { fetch: (url, init) => fetch(new Request(url, init)) }));
  for (let warm = 0; warm < 200; warm += 1) await client.callTool({ name: 'echo', arguments: { message: 'warm' } });
  const samples: number[] = [];
  for (let call = 0; call < calls; call += 1) {
    const started = performance.now();
    await client.callTool({ name: 'echo', arguments: { message: `m${call}` } });
    samples.push(performance.now() - started);
  }
  await client.close();
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!.toFixed(3);
  process.stdout.write(`${label.padEnd(6)} calls=${calls} p50=${at(0.5)} ms p95=${at(0.95)} ms p99=${at(0.99)} ms\n`);
  return samples;
}

const bareSamples = await measure('bare', (request) => bare.fetch(request));
const kitSamples = await measure('kit', (request) => kit.serveMcp(request, authInfo));
const median = (samples: number[]) => samples[Math.floor(samples.length / 2)]!;
process.stdout.write(`kit overhead at p50: ${(median(kitSamples) - median(bareSamples)).toFixed(3)} ms per call; audit records written: ${audit.records.length}\n`);
await Promise.all([bare.close(), kit.close()]);
