#!/usr/bin/env node
// The demo CRM as a process: stdio by default (`--stdio`), or Streamable HTTP
// with `--http --port N [--host H]` on path /mcp. Once the HTTP endpoint is
// ready it prints "listening on <url>" to stderr; launchers wait for that line.

import { parseArgs } from 'node:util';

import { serveStdio } from '@modelcontextprotocol/server/stdio';

import { serveOverHttp } from './http.ts';
import { createDemoCrmHandler, createDemoCrmServer, createDemoCrmState } from './server.ts';

const usage = 'usage: demo-crm [--stdio] | --http [--port N] [--host 127.0.0.1]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stdio: { type: 'boolean', default: false },
      http: { type: 'boolean', default: false },
      port: { type: 'string', default: '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stderr.write(`${usage}\n`);
    return;
  }
  if (values.stdio && values.http) throw new UsageError('choose one of --stdio and --http');

  const state = createDemoCrmState();
  if (!values.http) {
    // stdout carries the protocol; anything human-readable goes to stderr.
    serveStdio(() => createDemoCrmServer({ state }), {
      onerror: (error) => process.stderr.write(`demo-crm: ${error.message}\n`),
    });
    return;
  }

  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got "${values.port}"`);
  const running = await serveOverHttp(
    createDemoCrmHandler({ state, handler: { onerror: (error) => process.stderr.write(`demo-crm: ${error.message}\n`) } }),
    { port, host: values.host },
  );
  process.stderr.write(`listening on ${running.url}\n`);
  const shutDown = () => void running.close().then(() => process.exit(0));
  process.once('SIGINT', shutDown);
  process.once('SIGTERM', shutDown);
}

class UsageError extends Error {
  readonly code = 'usage';
}

main().catch((error: unknown) => {
  process.stderr.write(`demo-crm: ${error instanceof Error ? error.message : String(error)}\n${error instanceof UsageError ? `${usage}\n` : ''}`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
