// The command line every test backend accepts: `--stdio` (the default) or
// `--http --port N [--host H]`, and the "listening on <url>" line an HTTP
// backend prints to stderr once ready, which launch.ts waits for.

import { parseArgs } from 'node:util';

export type BackendTransportOptions = { transport: 'stdio' } | { transport: 'http'; port: number; host: string };

export class BackendUsageError extends Error {
  readonly code = 'backend_usage';
}

export function parseBackendOptions(argv: readonly string[] = process.argv.slice(2)): BackendTransportOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      stdio: { type: 'boolean', default: false },
      http: { type: 'boolean', default: false },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  if (values.stdio && values.http) throw new BackendUsageError('choose one of --stdio and --http');
  if (!values.http) return { transport: 'stdio' };
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new BackendUsageError(`--port must be an integer 0-65535, got "${values.port}"`);
  }
  return { transport: 'http', port, host: values.host };
}

export function announceListening(url: string): void {
  process.stderr.write(`listening on ${url}\n`);
}

/**
 * Runs a backend script's main: reports failures on stderr with a non-zero
 * exit, and closes an HTTP backend on SIGINT/SIGTERM.
 */
export function runBackendMain(name: string, main: () => Promise<{ close(): Promise<void> } | undefined>): void {
  main()
    .then((running) => {
      if (running === undefined) return;
      const shutDown = () => void running.close().then(() => process.exit(0));
      process.once('SIGINT', shutDown);
      process.once('SIGTERM', shutDown);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(error instanceof BackendUsageError ? 2 : 1);
    });
}
