// Checks of reading another process's figures out of Linux /proc texts:
// VmRSS from /proc/<pid>/status for the soak, utime + stime from
// /proc/<pid>/stat for the per-request CPU cost.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { parseCpuMs } from '../../../../bench/process-cpu.ts';
import { parseRssFileBytes, parseVmRssBytes } from '../../../../bench/process-memory.ts';

describe('VmRSS parsing', () => {
  it('reads the VmRSS line in kB as bytes', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1000 kB\nVmRSS:\t   84512 kB\nRssAnon:\t 60000 kB\n';
    assert.equal(parseVmRssBytes(status), 84512 * 1024);
  });

  it('returns undefined when the process has no VmRSS line (a zombie)', () => {
    assert.equal(parseVmRssBytes('Name:\tnode\nState:\tZ (zombie)\n'), undefined);
  });

  it('reads the file-backed part (RssFile) apart from the anonymous one', () => {
    const status = 'VmRSS:\t  141028 kB\nRssAnon:\t   79728 kB\nRssFile:\t   61300 kB\nRssShmem:\t       0 kB\n';
    assert.equal(parseRssFileBytes(status), 61300 * 1024);
    assert.equal(parseRssFileBytes('VmRSS:\t 100 kB\n'), undefined);
  });
});

describe('CPU time parsing', () => {
  it('adds utime and stime (fields 14 and 15) and converts 100 Hz ticks to ms', () => {
    const stat = '4242 (node) S 1 4242 4242 0 -1 4194560 5000 0 0 0 1234 56 0 0 20 0 11 0 100 1000000 2000 0';
    assert.equal(parseCpuMs(stat), (1234 + 56) * 10);
  });

  it('is not misled by spaces and parentheses in the command name', () => {
    const stat = '4242 (node (main) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 300 20 0 0 20 0';
    assert.equal(parseCpuMs(stat), 3200);
  });

  it('returns undefined for a truncated stat line', () => {
    assert.equal(parseCpuMs('4242 (node) S 1 4242'), undefined);
  });
});
