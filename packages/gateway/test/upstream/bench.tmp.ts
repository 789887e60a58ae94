import { createServer } from 'node:http';
import { Pool } from 'undici';
import { createHttpBackend } from '../../src/upstream/http-backend.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString());
    const result = body.method === 'server/discover' ? { supportedVersions: ['2026-07-28'], capabilities: {} } : { content: [{ type: 'text', text: 'x' }] };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: body.id, result }));
  });
}).listen(0);
await new Promise((r) => server.once('listening', r));
const url = `http://127.0.0.1:${(server.address() as any).port}/mcp`;
const N = 20000, C = 64;
async function run(label: string, one: () => Promise<unknown>) {
  const t0 = performance.now(); let i = 0;
  await Promise.all(Array.from({ length: C }, async () => { while (i++ < N) await one(); }));
  console.log(label, Math.round(N / ((performance.now() - t0) / 1000)), 'req/s');
}
const pool = new Pool(new URL(url).origin, { connections: 128 });
let id = 0;
const direct = async () => { const r = await pool.request({ path: '/mcp', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: 'echo', arguments: {} } }) }); return r.body.json(); };
const backend = createHttpBackend({ name: 'b', url, timeoutMs: 5000, clientInfo: { name: 'g', version: '1' }, logger: silentLogger });
await backend.connect();
const via = () => backend.request({ method: 'tools/call', params: { name: 'echo', arguments: {} } });
for (let k = 0; k < 2; k++) { await run('direct', direct); await run('backend', via); }
await backend.close(); await pool.close(); server.close();
