#!/usr/bin/env -S node --max-semi-space-size=8
// The `gatehouse` command's entry: turns on Node's module compile cache
// before loading the CLI (main.ts), so every start after the first reads
// compiled code (and the stripped TypeScript) from disk instead of parsing
// the gateway's modules again (docs/benchmarks.md, "Footprint"). Plain
// JavaScript so that it is itself loaded without type stripping. The cache
// lives in NODE_COMPILE_CACHE, or Node's default under the system temporary
// directory. The shebang passes the V8 flags of start-node-flags.ts.

import { enableCompileCache } from 'node:module';

const { directory } = enableCompileCache();
// Worker threads (the SQLite audit writer) use the cache only when the environment names it.
if (directory !== undefined) process.env.NODE_COMPILE_CACHE ??= directory;
await import('./main.ts');
