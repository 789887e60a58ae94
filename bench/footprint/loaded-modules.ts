// A preload (`node --import`) that reports what a process loaded: the number
// of modules, the packages they came from, and RSS and heap after a full GC,
// a set time after start (FOOTPRINT_REPORT_AFTER_MS, default 10 s); then it
// exits the process. Deterministic where bench:footprint's timings are not,
// so a change that keeps a package unloaded shows as a count:
//
//   node --expose-gc --import ./bench/footprint/loaded-modules.ts \
//     packages/gateway/src/cli/main.ts start --config gatehouse.yaml

import { registerHooks } from 'node:module';

const loaded = new Set<string>();
registerHooks({
  load(url, context, nextLoad) {
    loaded.add(url);
    return nextLoad(url, context);
  },
});

const MB = 1024 * 1024;
setTimeout(() => {
  (globalThis as { gc?: () => void }).gc?.();
  const packages = new Map<string, number>();
  for (const url of loaded) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    if (name !== undefined) packages.set(name, (packages.get(name) ?? 0) + 1);
  }
  const memory = process.memoryUsage();
  const top = [...packages].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([name, count]) => `${name} ${count}`).join(', ');
  process.stderr.write(`loaded-modules: ${loaded.size} modules, ${packages.size} packages; RSS ${(memory.rss / MB).toFixed(0)} MB, heap used ${(memory.heapUsed / MB).toFixed(0)} MB\nloaded-modules: most modules: ${top}\n`);
  process.exit(0);
}, Number(process.env.FOOTPRINT_REPORT_AFTER_MS ?? 10_000)).unref();
