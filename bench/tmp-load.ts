import { Pool } from 'undici';
const url = new URL(process.argv[2]!);
const seconds = Number(process.argv[3] ?? 5);
const concurrency = Number(process.argv[4] ?? 32);
const tool = process.argv[5] ?? 'bench__echo';
const pool = new Pool(url.origin, { connections: concurrency });
let done = 0, errors = 0, id = 0;
const end = Date.now() + seconds * 1000;
async function worker() {
  while (Date.now() < end) {
    const body = JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: tool, arguments: { message: `m${id}` }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'l', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } } });
    const res = await pool.request({ path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': tool }, body });
    const text = await res.body.text();
    if (res.statusCode !== 200 || !text.includes(`m${id}`.slice(0,1))) errors++;
    done++;
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
console.log(JSON.stringify({ done, errors, rps: done / seconds }));
await pool.close();
