// The process entry every kit server shares: `--stdio` (the default, for a
// gateway's stdio backend) or `--http [--port N] [--host H]`. Over HTTP it
// prints "listening on <url>" to stderr once ready (launchers wait for that
// line) and drains calls in flight on SIGTERM/SIGINT.

import { parseArgs } from 'node:util';

import { closeOnSignals, type KitServer } from './kit-server.ts';

export const RUN_USAGE = 'usage: [--stdio] | --http [--port N] [--host 127.0.0.1]';

export async function runKitServer(kit: KitServer, argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      stdio: { type: 'boolean', default: false },
      http: { type: 'boolean', default: false },
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    },
  });
  if (values.stdio && values.http) throw new TypeError(`choose one of --stdio and --http\n${RUN_USAGE}`);
  if (!values.http) {
    kit.serveStdio();
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`--port must be 0-65535, got "${values.port}"\n${RUN_USAGE}`);
  const running = await kit.listen({ port, host: values.host });
  process.stderr.write(`listening on ${running.url}\n`);
  closeOnSignals(running, kit.runtime.logger);
}
