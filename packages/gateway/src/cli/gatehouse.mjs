#!/usr/bin/env node
// The `gatehouse` command's entry: turns on Node's module compile cache
// before loading the CLI (main.ts), so every start after the first reads
// compiled code from disk instead of parsing the gateway's modules again
// (docs/benchmarks.md, "Footprint"). Plain JavaScript so that it is itself
// loaded without type stripping. The cache lives in NODE_COMPILE_CACHE, or
// Node's default under the system temporary directory.

import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./main.ts');
