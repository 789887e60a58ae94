// Starts `gatehouse start` as a child process, the way an operator runs it,
// and waits until it is listening (its connection help printed) or, when
// asked, until its /readyz answers 200. One launcher for the end-to-end
// tests, the replica fixtures and the benchmarks.

import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { stopChild, waitForOutput } from '../child-process.ts';

// Found beside the CLI as gatehouseCli is, without importing the gateway package's whole index.
const { GATEWAY_NODE_FLAGS } = (await import(new URL('./cli/start-node-flags.ts', import.meta.resolve('@gatehouse/gateway')).href)) as typeof import('../../../gateway/src/cli/start-node-flags.ts');

/** A preload (with --expose-gc) that makes the gateway run a full garbage collection on SIGUSR2. */
export const FULL_GC_ON_SIGNAL_PRELOAD = fileURLToPath(new URL('./full-gc-on-signal.cjs', import.meta.url));

/** The `gatehouse` CLI of the workspace's gateway package. */
export const gatehouseCli = fileURLToPath(new URL('./cli/main.ts', import.meta.resolve('@gatehouse/gateway')));

export interface GatewayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() in this process when the exit was seen, to time a drain against a signal. */
  at: number;
}

export interface GatewayProcess {
  /** The client-facing MCP endpoint the gateway printed, e.g. http://127.0.0.1:41234/mcp. */
  url: string;
  /** The admin listener's base URL (…/healthz, …/readyz, …/metrics); undefined when the gateway runs none. */
  adminUrl: string | undefined;
  process: ChildProcess;
  /** Settles when the process exits, whoever stopped it. */
  exited: Promise<GatewayExit>;
  /** The tail of what the gateway wrote to stdout so far (the connection help). */
  stdout(): string;
  /** The tail of what the gateway wrote to stderr so far (its log lines). */
  stderr(): string;
  /** SIGTERM, then SIGKILL if the process has not exited after 5 s. */
  close(): Promise<void>;
}

export interface StartGatewayOptions {
  /** The arguments after `gatehouse start`, e.g. `['--config', path, '--port', '0', '--admin-port', '0']`. */
  args?: readonly string[];
  /** Added to this process's environment (GATEHOUSE_LOG_LEVEL, GATEHOUSE_IDP_PORT, ...). */
  env?: Readonly<Record<string, string>>;
  /**
   * `listening` (the default): the connection help is printed, so both
   * listeners accept connections. `ready`: in addition /readyz answers 200,
   * which waits for the backends; needs the admin listener.
   */
  waitFor?: 'listening' | 'ready';
  /** How long the whole start may take. Default 60 s: a start on a loaded two-core machine can take tens of seconds. */
  timeoutMs?: number;
  /** How much of each output stream to keep, from the end. Default 1 MiB. */
  outputTailChars?: number;
  /** The CLI script to run instead of `gatehouseCli`, e.g. the compile-cached entry cli/gatehouse.mjs. */
  cli?: string;
  /** Node or V8 flags after the shipped ones (GATEWAY_NODE_FLAGS), e.g. `--trace-gc-nvp` for a bench; the later of two wins. */
  nodeFlags?: readonly string[];
}

export class GatewayStartError extends Error {
  readonly code = 'gateway_start_failed';
  readonly stdout: string;
  readonly stderr: string;
  constructor(message: string, stdout: string, stderr: string) {
    super(`${message}; stdout:\n${stdout || '(empty)'}\nstderr:\n${stderr || '(empty)'}`);
    this.name = 'GatewayStartError';
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

const defaultTimeoutMs = 60_000;
const defaultOutputTailChars = 1024 * 1024;
const readyzPollMs = 100;

/**
 * Spawns `node <gatehouse cli> start ...args` and resolves once it is
 * listening (or ready, see `waitFor`). A gateway that exits first or takes
 * longer than the timeout is killed, and the promise rejects with a
 * GatewayStartError that carries its output.
 */
export async function startGateway(options: StartGatewayOptions = {}): Promise<GatewayProcess> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const tailChars = options.outputTailChars ?? defaultOutputTailChars;
  const deadline = Date.now() + timeoutMs;
  // The V8 flags every shipped way of starting a gateway passes, so tests and benches run what users run.
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, ...(options.nodeFlags ?? []), options.cli ?? gatehouseCli, 'start', ...(options.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  // A test or bench that crashes must not leave a gateway behind holding ports.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<GatewayExit>((resolve) => {
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      resolve({ code, signal, at: performance.now() });
    });
  });

  // Both pipes are drained for the child's whole life: a full pipe would block the gateway.
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(-tailChars)));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-tailChars)));

  try {
    const listening = await waitForOutput(child, {
      name: 'the gateway',
      stream: child.stdout,
      output: () => stdout,
      parse: parseConnectionHelp,
      expected: 'where it listens',
      timeoutMs,
    });
    if (options.waitFor === 'ready') await waitUntilReady(child, listening.adminUrl, deadline, timeoutMs);
    return {
      ...listening,
      process: child,
      exited,
      stdout: () => stdout,
      stderr: () => stderr,
      close: () => stopChild(child),
    };
  } catch (error) {
    // A live child would keep the test file (or the bench) from ever exiting.
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    throw new GatewayStartError((error as Error).message, stdout, stderr);
  }
}

/** The URLs from the connection help, once it is printed whole: one write that ends with the per-backend endpoints line. */
function parseConnectionHelp(stdout: string): { url: string; adminUrl: string | undefined } | undefined {
  const url = /Gatehouse is listening on (http\S+)/.exec(stdout)?.[1];
  if (url === undefined || !stdout.includes('Per-backend endpoints')) return undefined;
  return { url, adminUrl: /Admin \(health, readiness\): (http\S+)\/healthz/.exec(stdout)?.[1] };
}

/** Polls /readyz until it answers 200: every backend is connected. */
async function waitUntilReady(child: ChildProcess, adminUrl: string | undefined, deadline: number, timeoutMs: number): Promise<void> {
  if (adminUrl === undefined) throw new Error("waitFor: 'ready' needs the admin listener (give an admin port), but the gateway printed no admin URL");
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the gateway exited (${child.signalCode ?? `code ${child.exitCode}`}) before it was ready`);
    const status = await fetch(`${adminUrl}/readyz`).then((response) => (void response.body?.cancel(), response.status), () => 0);
    if (status === 200) return;
    await sleep(readyzPollMs);
  }
  throw new Error(`the gateway's /readyz did not answer 200 within ${timeoutMs} ms`);
}
