// CPU time per thread of another process, from /proc/<pid>/task/<tid>/stat:
// which of the gateway's threads (its event loop, V8's GC helpers, the audit
// writer) a configuration's cost lands on.

import { readdir, readFile } from 'node:fs/promises';
import { parseCpuMs, readCpuMs } from '../process-cpu.ts';

export interface ThreadCpu {
  /** The thread's name from its stat line (MainThread, V8Worker, WorkerThread, ...). */
  name: string;
  cpuMs: number;
}

/** The thread name between the parentheses of a stat line. */
export function threadNameOf(statText: string): string {
  return statText.slice(statText.indexOf('(') + 1, statText.lastIndexOf(')'));
}

/** Each live thread's CPU so far, by thread id. */
export async function readThreadCpu(pid: number): Promise<Map<string, ThreadCpu>> {
  const threads = new Map<string, ThreadCpu>();
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    let text: string;
    try {
      text = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    const cpuMs = parseCpuMs(text);
    if (cpuMs !== undefined) threads.set(tid, { name: threadNameOf(text), cpuMs });
  }
  return threads;
}

/**
 * CPU µs per call of each kind of thread between two readings, summed over
 * threads of one name (V8's GC helpers are several `V8Worker`s); threads
 * that started in between count from zero.
 */
export function cpuPerCallByThread(before: ReadonlyMap<string, ThreadCpu>, after: ReadonlyMap<string, ThreadCpu>, calls: number): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const [tid, thread] of after) {
    const used = thread.cpuMs - (before.get(tid)?.cpuMs ?? 0);
    byName[thread.name] = (byName[thread.name] ?? 0) + used;
  }
  for (const name of Object.keys(byName)) byName[name] = calls > 0 ? Math.round((byName[name]! * 1000) / calls) : 0;
  return byName;
}

/** The CPU so far of the direct children of `pid` (its stdio backends), from /proc/<pid>/task/<tid>/children. */
export async function childrenCpuMs(pid: number): Promise<number> {
  let total = 0;
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    let children: string;
    try {
      children = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.split(' ').filter((text) => text !== '')) {
      try {
        total += await readCpuMs(Number(child));
      } catch {
        // the child exited between the listing and the read
      }
    }
  }
  return total;
}
