#!/usr/bin/env node
// The demo CRM as a process: stdio by default (`--stdio`), or Streamable HTTP
// with `--http --port N [--host H]` on path /mcp (the kit's entry, which
// prints "listening on <url>" to stderr once ready; launchers wait for it).

import { runKitServer } from '@gatehouse/server-kit';

import { createDemoCrmServer } from './server.ts';

runKitServer(createDemoCrmServer()).catch((error: unknown) => {
  process.stderr.write(`demo-crm: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
