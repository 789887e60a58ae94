// Preloaded into the gateway by `bench/call-cost/run.ts --full-gc`: a full
// collection on SIGUSR2, which the bench sends after its warm-up, so the
// measured seconds start from the state any full collection under load
// leaves (every long-lived table in the old generation). Needs --expose-gc.
'use strict';
process.on('SIGUSR2', () => globalThis.gc());
