#!/usr/bin/env -S node --max-semi-space-size=8
// The `gatehouse` command's entry: turns on Node's module compile cache
// before loading the CLI (main.ts), so every start after the first reads
// compiled code (and the stripped TypeScript) from disk instead of parsing
// the gateway's modules again (docs/benchmarks.md, "Footprint"). Plain
// JavaScript so that it is itself loaded without type stripping. It is also
// the bundle's entry (scripts/build-bundle.ts), which `npm start` and the
// Docker image run. The cache lives in NODE_COMPILE_CACHE, or Node's default
// under the system temporary directory. The shebang passes the V8 flags of
// start-node-flags.ts.

import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./main.ts');
