// CPU per traced message, in-process: the tracing calls the gateway makes for
// one 2026 `tools/call` (message span, backend-call span, `_meta` and header
// injection, outcome) against an OTLP/HTTP sink in the same process, export
// included. Not a test; run it by hand:
//   node packages/gateway/test/telemetry/tracing-cost.ts [on|off] [messages] [http/protobuf|http/json]
// with TRACE_RATIO=0 for messages that are not sampled, TRACE_CHAIN=1 for the
// full chain's four spans (policy chain with two decisions and audit write too). Figures: docs/observability.md, "Cost".

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTracing } from '../../src/telemetry/tracing.ts';

const mode = process.argv[2] ?? 'on';
const messages = Number(process.argv[3] ?? 100_000);
const protocol = (process.argv[4] ?? 'http/protobuf') as 'http/protobuf' | 'http/json';

const sink = createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200).end());
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
sink.unref();
const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`;
const tracing = await createTracing({ isEnabled: mode !== 'off', endpoint, protocol, samplingRatio: Number(process.env.TRACE_RATIO ?? 1) });
const isFullChain = process.env.TRACE_CHAIN === '1';
const decisions = [{ policy: 'scope_check', decision: 'allow' }, { policy: 'rate_limit', decision: 'allow' }] as const;
const headers = { host: '127.0.0.1', 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28' };

function traceOneCall(id: number): void {
  const message = { method: 'tools/call', id, params: { name: 'bench__echo', arguments: { message: 'hello' }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } } };
  const trace = tracing.startMessage(message, headers, '2026-07-28', undefined);
  if (isFullChain) trace.startPolicyChain().end(decisions);
  const call = trace.startBackendCall('bench', 'tools/call', 'echo', 'http');
  const params: Record<string, unknown> = { ...message.params, name: 'echo' };
  call.injectMeta(params);
  call.injectHeaders({ 'content-type': 'application/json', accept: 'application/json' });
  call.end('success');
  trace.setTarget('bench', 'echo');
  if (isFullChain) trace.startAuditWrite().end();
  trace.end('success');
}

/** 64 messages per event-loop turn, as at the bench's concurrency, so exports run between them. */
async function run(count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 64) {
    for (let index = 0; index < 64; index++) traceOneCall(sent + index);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

await run(5000);
await tracing.forceFlush();
const before = process.cpuUsage();
await run(messages);
await tracing.forceFlush();
const cpu = process.cpuUsage(before);
process.stdout.write(`tracing ${mode}, ${protocol}, sampling ${process.env.TRACE_RATIO ?? 1}${isFullChain ? ', full chain' : ''}: ${((cpu.user + cpu.system) / messages).toFixed(1)} µs CPU per message\n`);
await tracing.shutdown();
