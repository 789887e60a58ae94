// The resident set size of another process, read from Linux's
// /proc/<pid>/status (the VmRSS line, in kB), for the soak's leak check, and
// its file-backed part (RssFile: pages of node's own binary and the shared
// libraries, shared with other processes and reclaimable), for the footprint.

import { readFile } from 'node:fs/promises';

/** Bytes from the `VmRSS:   12345 kB` line of a /proc/<pid>/status text; undefined when absent. */
export function parseVmRssBytes(statusText: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(statusText);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

/** Bytes from the `RssFile:   12345 kB` line; undefined when absent (kernels before 4.5). */
export function parseRssFileBytes(statusText: string): number | undefined {
  const match = /^RssFile:\s+(\d+)\s+kB$/m.exec(statusText);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

export class RssUnavailableError extends Error {
  readonly code = 'rss_unavailable';
}

export async function readRssBytes(pid: number): Promise<number> {
  return (await readRssBreakdown(pid)).rssBytes;
}

/** RSS and its file-backed part; fileBytes is 0 where the kernel does not report it. */
export async function readRssBreakdown(pid: number): Promise<{ rssBytes: number; fileBytes: number }> {
  const statusText = await readFile(`/proc/${pid}/status`, 'utf8');
  const bytes = parseVmRssBytes(statusText);
  if (bytes === undefined) throw new RssUnavailableError(`/proc/${pid}/status has no VmRSS line; has process ${pid} exited?`);
  return { rssBytes: bytes, fileBytes: parseRssFileBytes(statusText) ?? 0 };
}
