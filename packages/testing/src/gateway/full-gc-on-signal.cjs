// Preloaded into a gateway (FULL_GC_ON_SIGNAL_PRELOAD in launch-gateway.ts,
// with --expose-gc) by `bench/call-cost/run.ts --full-gc` and
// test/e2e/call-garbage.test.ts: a full collection on SIGUSR2, sent after a
// warm-up, so what follows starts from the state any full collection under
// load leaves (every long-lived table in the old generation).
'use strict';
process.on('SIGUSR2', () => globalThis.gc());
