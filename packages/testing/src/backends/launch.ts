// Starts test backends as child processes the way the gateway will meet
// them: over HTTP (spawn with `--http --port 0` and wait for the
// "listening on <url>" line) or as a stdio command for a stdio client.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild, waitForOutput } from '../child-process.ts';

/** Paths of the runnable backend scripts, for startHttpBackend and stdioCommand. */
export const backendScripts = {
  v1: fileURLToPath(new URL('./v1-server.ts', import.meta.url)),
  v2: fileURLToPath(new URL('./v2-server.ts', import.meta.url)),
  /** The conformance fixture on SDK v1 (2025-11-25). */
  conformance: fileURLToPath(new URL('./conformance-server.ts', import.meta.url)),
  /** The conformance fixture on SDK v2 (2026-07-28 and 2025-11-25). */
  conformanceV2: fileURLToPath(new URL('./conformance-v2-server.ts', import.meta.url)),
  /** The v2 backend with latency and availability set by a control file (controllable-server.ts). */
  controllable: fileURLToPath(new URL('./controllable-server.ts', import.meta.url)),
} as const;

export interface HttpBackendProcess {
  /** The MCP endpoint the backend printed, e.g. http://127.0.0.1:43117/mcp. */
  url: string;
  process: ChildProcess;
  /** SIGTERM, then SIGKILL if the process has not exited after 5 s. */
  close(): Promise<void>;
}

export class BackendStartError extends Error {
  readonly code = 'backend_start_failed';
  readonly stderr: string;
  constructor(message: string, stderr: string) {
    super(`${message}; stderr:\n${stderr || '(empty)'}`);
    this.name = 'BackendStartError';
    this.stderr = stderr;
  }
}

export interface StartHttpBackendOptions {
  /** How long to wait for the "listening on" line. Default 15 s. */
  timeoutMs?: number;
}

// Keep the tail only: a chatty backend must not grow the test process without bound.
const stderrTailBytes = 64 * 1024;

/**
 * Spawns `node <scriptPath> --http --port 0 ...args` and resolves once the
 * backend prints "listening on <url>". Rejects with a BackendStartError that
 * carries the child's stderr if it exits first or takes longer than the timeout.
 */
export async function startHttpBackend(
  scriptPath: string,
  args: string[] = [],
  options: StartHttpBackendOptions = {},
): Promise<HttpBackendProcess> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const child = spawn(process.execPath, [scriptPath, '--http', '--port', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // A test that crashes must not leave backends holding ports behind it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-stderrTailBytes);
  });

  let url: string;
  try {
    url = await waitForOutput(child, {
      name: scriptPath,
      stream: child.stderr,
      output: () => stderr,
      parse: (output) => /listening on (http\S+)/.exec(output)?.[1],
      expected: '"listening on"',
      timeoutMs,
    });
  } catch (error) {
    process.off('exit', killOnExit);
    child.kill('SIGKILL');
    throw new BackendStartError((error as Error).message, stderr);
  }

  return {
    url,
    process: child,
    async close() {
      process.off('exit', killOnExit);
      await stopChild(child);
    },
  };
}

/** The command and arguments that run a backend script over stdio, for a stdio client transport. */
export function stdioCommand(scriptPath: string): { command: string; args: string[] } {
  return { command: process.execPath, args: [scriptPath, '--stdio'] };
}
