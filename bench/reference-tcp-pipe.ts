// The lowest floor of the comparison: a TCP byte pump, one backend socket per
// client socket, no HTTP parsing at all. What it adds over direct is what the
// extra hop itself costs on this machine (two more loopback round trips and
// process wake-ups); what reference-proxy.ts adds above it is the price of
// terminating HTTP in Node (node:http in, undici out). No proxy that reads
// requests, as the gateway must, can be cheaper than either.
//
// Run as a child: `node reference-tcp-pipe.ts --http --port 0 --target URL`;
// it prints "listening on <url>" on stderr like the test backends do.

import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

function main(): void {
  const { values } = parseArgs({ options: { http: { type: 'boolean' }, port: { type: 'string', default: '0' }, target: { type: 'string' } } });
  if (values.target === undefined) throw new Error('reference-tcp-pipe: --target URL is required');
  const target = new URL(values.target);
  const server = createServer({ noDelay: true }, (client: Socket) => {
    const backend = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    client.pipe(backend);
    backend.pipe(client);
    // Either side closing or failing ends the pair: a half-open pair would hold a backend connection forever.
    const end = () => {
      client.destroy();
      backend.destroy();
    };
    for (const socket of [client, backend]) {
      socket.once('error', end);
      socket.once('close', end);
    }
  });
  server.listen(Number(values.port), '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stderr.write(`tcp pipe listening on http://127.0.0.1:${port}${target.pathname}\n`);
  });
  process.once('SIGTERM', () => process.exit(0));
}

main();
