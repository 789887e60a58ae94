// Run as a child by the footprint bench: imports the gateway module once and
// prints how long that took and the process's RSS after it, as one JSON line.
// `--compile-cache DIR` turns Node's module compile cache on first, as the CLI
// entry (cli/gatehouse.mjs) does, so a second probe reads the cache the first wrote.
// `--gateway FILE` imports another checkout's gateway.ts (a before/after run).

import { enableCompileCache } from 'node:module';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { 'compile-cache': { type: 'string' }, gateway: { type: 'string', default: new URL('../../packages/gateway/src/gateway.ts', import.meta.url).pathname } } });
if (values['compile-cache'] !== undefined) enableCompileCache(values['compile-cache']);

const startedAt = performance.now();
await import(values.gateway);
const importMs = performance.now() - startedAt;
process.stdout.write(`${JSON.stringify({ importMs, rssBytes: process.memoryUsage().rss })}\n`);
