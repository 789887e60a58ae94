#!/usr/bin/env node
// The demo documents server as a process: stdio by default (`--stdio`), or
// Streamable HTTP with `--http --port N [--host H]` on /mcp, printing
// "listening on <url>" to stderr once ready.

import { runKitServer } from '@gatehouse/server-kit';

import { createDemoDocsServer } from './server.ts';

runKitServer(createDemoDocsServer().kit).catch((error: unknown) => {
  process.stderr.write(`demo-docs: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
