// The floor of the comparison: the thinnest HTTP proxy Node can run with the
// gateway's own stack (node:http in, an undici Pool's dispatch out), copying
// each request and answer through with no MCP logic at all. Measured beside
// the gateway in the same rounds, it shows what any Node hop costs on this
// machine, so the gateway's own share can be read off.
//
// Run as a child: `node reference-proxy.ts --http --port 0 --target URL`; it
// prints "listening on <url>" on stderr like the test backends do, so the
// bench starts it with the same launcher.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

import { Pool } from './undici.ts';

/** Connection-level headers a proxy must not copy (RFC 9110 7.6.1), plus the length undici recomputes. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host', 'content-length']);

function forwardedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (typeof value === 'string' && !HOP_BY_HOP.has(name)) kept[name] = value;
  }
  return kept;
}

function main(): void {
  const { values } = parseArgs({ options: { http: { type: 'boolean' }, port: { type: 'string', default: '0' }, target: { type: 'string' } } });
  if (values.target === undefined) throw new Error('reference-proxy: --target URL is required');
  const target = new URL(values.target);
  const pool = new Pool(target.origin, { connections: 128, pipelining: 1 });
  const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      pool.dispatch({
        path: target.pathname,
        method: (request.method ?? 'GET') as 'POST',
        headers: forwardedHeaders(request.headers),
        body: chunks.length === 0 ? null : Buffer.concat(chunks),
      }, {
        onRequestStart() {},
        onResponseStart(_controller, status, headers) {
          response.writeHead(status, forwardedHeaders(headers));
        },
        onResponseData(_controller, chunk) {
          response.write(chunk);
        },
        onResponseEnd() {
          response.end();
        },
        onResponseError(_controller, error) {
          if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
          response.end(`reference proxy: ${error.message}`);
        },
      });
    });
  });
  server.listen(Number(values.port), '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stderr.write(`reference proxy listening on http://127.0.0.1:${port}${target.pathname}\n`);
  });
  process.once('SIGTERM', () => server.close(() => void pool.close().then(() => process.exit(0))));
}

main();
