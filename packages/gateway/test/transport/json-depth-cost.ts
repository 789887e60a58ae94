// What the edge's nesting check costs per body, beside JSON.parse of the same
// text: `node packages/gateway/test/transport/json-depth-cost.ts`. Best of
// five rounds; the figures in json-depth.ts come from it.

import { isDeeperThan } from '../../src/transport/json-depth.ts';

const typical = Buffer.from(JSON.stringify({
  jsonrpc: '2.0', id: 1, method: 'tools/call',
  params: { name: 'crm__get_customer', arguments: { customer_id: 'C-1001' }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'agent', version: '1.0.0' }, 'io.modelcontextprotocol/clientCapabilities': {} } },
}));
const large = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'crm__import', arguments: { rows: Array.from({ length: 6000 }, (_, i) => ({ id: i, tags: ['a', 'b'], text: 'lorem ipsum dolor sit amet '.repeat(i % 5) })) } } }));

function nanosecondsPer(work: () => void, times: number): number {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < times; i++) work();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / times);
  }
  return best;
}

for (const [label, body, times] of [[`typical tools/call (${typical.length} B)`, typical, 200_000], [`large tools/call (${large.length} B)`, large, 50]] as const) {
  const text = body.toString('utf8');
  const scan = nanosecondsPer(() => isDeeperThan(body, 64), times);
  const parse = nanosecondsPer(() => JSON.parse(text), times);
  console.log(`${label}: depth scan ${Math.round(scan)} ns, JSON.parse ${Math.round(parse)} ns`);
}
