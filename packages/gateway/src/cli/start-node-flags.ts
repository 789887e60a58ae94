// The V8 flags a gateway process starts with. They cannot be set from inside
// a running process, so every way of starting one names them: `npm start`
// (package.json), the `gatehouse` bin's shebang (gatehouse.mjs), the
// Dockerfile's entrypoint, and the launcher tests and benches use
// (packages/testing/src/gateway/launch-gateway.ts);
// test/cli/start-node-flags.test.ts fails when one of them drifts.
//
// --max-semi-space-size=8 (MB): a smaller young generation. Measured
// (docs/benchmarks.md, "Session 9"): 24-52 MB less RSS, and about 12% less
// gateway CPU per call with the full chain at c=64, three alternated runs
// of `node bench/call-cost/run.ts --config full`.
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
