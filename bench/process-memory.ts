// The resident set size of another process, read from Linux's
// /proc/<pid>/status (the VmRSS line, in kB), for the soak's leak check.

import { readFile } from 'node:fs/promises';

/** Bytes from the `VmRSS:   12345 kB` line of a /proc/<pid>/status text; undefined when absent. */
export function parseVmRssBytes(statusText: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(statusText);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

export class RssUnavailableError extends Error {
  readonly code = 'rss_unavailable';
}

export async function readRssBytes(pid: number): Promise<number> {
  const statusText = await readFile(`/proc/${pid}/status`, 'utf8');
  const bytes = parseVmRssBytes(statusText);
  if (bytes === undefined) throw new RssUnavailableError(`/proc/${pid}/status has no VmRSS line; has process ${pid} exited?`);
  return bytes;
}
