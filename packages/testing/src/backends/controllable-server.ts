#!/usr/bin/env node
// The v2 test backend under a test's remote control, for resilience tests:
// `--control FILE` names a JSON file `{ "latencyMs": N, "isDown": bool }`
// read on every HTTP request (each POST waits latencyMs first, so a test can
// make the whole backend slow, pings included) and at start (isDown: exit
// at once, so a killed stdio backend stays dead through its restarts until
// the test lets it up). The process writes its pid to FILE.pid, so a test
// can kill a stdio child the gateway spawned.

import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import type { RequestListener } from 'node:http';
import { announceListening, parseBackendOptions, runBackendMain } from './script-options.ts';
import { startV2BackendHttp, startV2BackendStdio } from './v2-server.ts';

export interface BackendControl {
  latencyMs: number;
  isDown: boolean;
}

/** Writes the control file a controllable backend reads; the backend sees it on its next request (or start). */
export function writeBackendControl(file: string, control: Partial<BackendControl>): void {
  writeFileSync(file, JSON.stringify({ latencyMs: 0, isDown: false, ...control }));
}

/** The pid the backend started last under this control file; throws while there is none yet. */
export function readBackendPid(file: string): number {
  const pid = Number(readFileSync(`${file}.pid`, 'utf8'));
  // Never 0 or negative: process.kill would signal a whole process group.
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${file}.pid holds no pid yet`);
  return pid;
}

function readControl(file: string): BackendControl {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<BackendControl>;
    return { latencyMs: parsed.latencyMs ?? 0, isDown: parsed.isDown === true };
  } catch {
    return { latencyMs: 0, isDown: false };
  }
}

function controlFileOf(argv: readonly string[]): { file: string; rest: string[] } {
  const { values, tokens } = parseArgs({ args: [...argv], options: { control: { type: 'string' } }, strict: false, tokens: true });
  if (typeof values.control !== 'string') throw new Error('--control FILE is required');
  const rest = argv.filter((_, index) => !tokens.some((token) => token.kind === 'option' && token.name === 'control' && (token.index === index || (token.inlineValue === false && token.index + 1 === index))));
  return { file: values.control, rest };
}

if (import.meta.main) {
  runBackendMain('controllable-backend', async () => {
    const { file, rest } = controlFileOf(process.argv.slice(2));
    if (readControl(file).isDown) {
      process.stderr.write('controllable-backend: held down by its control file\n');
      process.exit(3);
    }
    writeFileSync(`${file}.pid`, String(process.pid));
    const options = parseBackendOptions(rest);
    if (options.transport === 'stdio') {
      startV2BackendStdio();
      return undefined;
    }
    const running = await startV2BackendHttp(options);
    const listeners = running.server.listeners('request') as RequestListener[];
    running.server.removeAllListeners('request');
    running.server.on('request', (request, response) => {
      const { latencyMs } = request.method === 'POST' ? readControl(file) : { latencyMs: 0 };
      const pass = () => {
        for (const listener of listeners) listener.call(running.server, request, response);
      };
      if (latencyMs <= 0) pass();
      else void sleep(latencyMs).then(pass);
    });
    announceListening(running.url);
    return running;
  });
}
