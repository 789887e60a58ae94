// The CPU time another process has used, read from Linux's /proc/<pid>/stat
// (utime + stime), so each scenario can report the gateway's and the
// backend's CPU cost per request, a figure other load on the machine barely moves.

import { readFile } from 'node:fs/promises';

// USER_HZ, the unit of utime/stime: fixed at 100 by the Linux user-space ABI on x86 and arm.
const ticksPerSecond = 100;

/** utime + stime in ms from a /proc/<pid>/stat line; the command name in parentheses may hold spaces. */
export function parseCpuMs(statText: string): number | undefined {
  const afterName = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  // Fields after the name start at field 3 (state); utime and stime are fields 14 and 15 (proc(5)).
  const userTicks = Number(afterName[11]);
  const systemTicks = Number(afterName[12]);
  if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) return undefined;
  return ((userTicks + systemTicks) * 1000) / ticksPerSecond;
}

export class CpuUnavailableError extends Error {
  readonly code = 'cpu_unavailable';
}

export async function readCpuMs(pid: number): Promise<number> {
  const cpuMs = parseCpuMs(await readFile(`/proc/${pid}/stat`, 'utf8'));
  if (cpuMs === undefined) throw new CpuUnavailableError(`/proc/${pid}/stat has no utime/stime; has process ${pid} exited?`);
  return cpuMs;
}
