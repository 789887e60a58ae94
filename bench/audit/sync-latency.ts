// `node bench/audit/sync-latency.ts`: how long this machine's disk takes to
// make one record durable (append ~1.2 KB, fdatasync), the floor under any
// durable audit: a call whose record must be on disk before its answer waits
// at least this long at c=1, and a write-ahead call (attempt, then outcome)
// twice, whatever the writer does in memory. Prints p50/p99 wall time and the
// CPU each sync costs this process. `--dir DIR` measures another file system
// (the audit database's), default the system temporary directory.
//
//   node bench/audit/sync-latency.ts [--dir /var/lib/gatehouse] [--syncs 2000]

import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

function parseOptions() {
  try {
    const { values } = parseArgs({ options: { dir: { type: 'string', default: tmpdir() }, syncs: { type: 'string', default: '2000' } } });
    const syncs = Number(values.syncs);
    if (!Number.isInteger(syncs) || syncs < 10) throw new Error('--syncs takes an integer of at least 10');
    return { dir: values.dir!, syncs };
  } catch (error) {
    process.stderr.write(`sync-latency: ${(error as Error).message}\n`);
    process.exit(2);
  }
}
const options = parseOptions();

const RECORD = Buffer.alloc(1_200, 'x');
const directory = await mkdtemp(join(options.dir, 'gatehouse-sync-latency-'));
try {
  const fd = openSync(join(directory, 'journal'), 'a');
  try {
    const wallUs: number[] = [];
    const cpuBefore = process.cpuUsage();
    for (let index = 0; index < options.syncs; index += 1) {
      const startedAt = performance.now();
      writeSync(fd, RECORD);
      fdatasyncSync(fd);
      wallUs.push((performance.now() - startedAt) * 1000);
    }
    const cpu = process.cpuUsage(cpuBefore);
    wallUs.sort((a, b) => a - b);
    const at = (quantile: number) => wallUs[Math.min(wallUs.length - 1, Math.floor(quantile * wallUs.length))]!.toFixed(0);
    process.stdout.write(
      `append 1.2 KB + fdatasync on ${options.dir}: p50 ${at(0.5)} µs, p99 ${at(0.99)} µs wall; CPU ${((cpu.user + cpu.system) / options.syncs).toFixed(0)} µs per sync (user ${(cpu.user / options.syncs).toFixed(0)}, system ${(cpu.system / options.syncs).toFixed(0)}); ${options.syncs} syncs\n` +
        `floor at c=1: one durable record before the answer adds >= ${at(0.5)} µs (p50); a write-ahead call (attempt + outcome) >= ${(2 * Number(at(0.5))).toFixed(0)} µs\n`,
    );
  } finally {
    closeSync(fd);
  }
} finally {
  await rm(directory, { recursive: true, force: true });
}
