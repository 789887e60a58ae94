// One spawned stdio backend process and its framing: newline-delimited JSON
// on stdin/stdout, stderr lines to the log, and the shutdown ladder (close
// stdin, SIGTERM, SIGKILL) of 2026-07-28 transports/stdio "Shutdown".

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from '../telemetry/logger.ts';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT, EACCES, ...). */
  error?: Error;
}

export interface StdioChild {
  readonly pid: number | undefined;
  /** Resolves once the process is running; rejects when it cannot be started. */
  readonly started: Promise<void>;
  /** Resolves when the process has exited (or never started). */
  readonly exited: Promise<ChildExit>;
  readonly hasExited: boolean;
  /** Writes one message as one line; false when stdin is already closed. */
  send(message: unknown): boolean;
  stop(graceMs: number): Promise<void>;
}

export interface StdioChildOptions {
  backend: string;
  command: string;
  args: readonly string[];
  env?: Record<string, string>;
  cwd?: string;
  logger: Logger;
  onMessage(value: unknown): void;
}

/**
 * Variables a child inherits from the gateway. Everything else (tokens,
 * database URLs) stays out unless the backend's config names it in `env`,
 * the same allow-list the MCP SDKs use for stdio servers.
 */
const INHERITED_VARIABLES = process.platform === 'win32'
  ? ['APPDATA', 'HOMEDRIVE', 'HOMEPATH', 'LOCALAPPDATA', 'PATH', 'PROCESSOR_ARCHITECTURE', 'SYSTEMDRIVE', 'SYSTEMROOT', 'TEMP', 'USERNAME', 'USERPROFILE', 'PROGRAMFILES']
  : ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'TMPDIR', 'LANG'];

/** A line on stderr that reads like a problem is logged at warn; stderr is not an error channel by itself (transports/stdio). */
const TROUBLE_WORDS = /\b(error|fatal|warn(ing)?|exception|panic)\b/i;
const PREVIEW_CHARS = 200;
/** After `exit`, how long to wait for the pipes to close (a grandchild may hold them open). */
const PIPE_CLOSE_WAIT_MS = 1_000;

export function childEnvironment(configured: Record<string, string> | undefined, parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const variable of INHERITED_VARIABLES) {
    const value = parent[variable];
    // Exported shell functions start with "()"; passing them on is a known injection vector.
    if (value !== undefined && !value.startsWith('()')) environment[variable] = value;
  }
  return { ...environment, ...configured };
}

/** `node` means the gateway's own Node, so a backend runs on the same runtime whatever PATH says. */
export function resolveExecutable(command: string): string {
  return command === 'node' ? process.execPath : command;
}

function waitFor(promise: Promise<unknown>, milliseconds: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), milliseconds);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export function spawnStdioChild(options: StdioChildOptions): StdioChild {
  const { backend, logger } = options;
  const child = spawn(resolveExecutable(options.command), [...options.args], {
    cwd: options.cwd,
    env: childEnvironment(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  let hasExited = false;
  let resolveExit!: (exit: ChildExit) => void;
  const exited = new Promise<ChildExit>((resolve) => {
    resolveExit = (exit) => {
      hasExited = true;
      resolve(exit);
    };
  });
  const started = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  started.catch(() => undefined);

  child.on('error', (error) => {
    if (child.pid === undefined) resolveExit({ code: null, signal: null, error });
    else logger.warn({ backend, err: error }, 'stdio backend process error');
  });
  child.on('exit', (code, signal) => {
    setTimeout(() => resolveExit({ code, signal }), PIPE_CLOSE_WAIT_MS).unref();
  });
  child.on('close', (code, signal) => resolveExit({ code, signal }));
  // EPIPE after the child died: the exit handler reports it, the write must not crash the gateway.
  child.stdin.on('error', (error) => logger.debug({ backend, err: error }, 'stdin of the stdio backend closed'));

  const stdout = createInterface({ input: child.stdout, crlfDelay: Infinity });
  stdout.on('line', (line) => {
    if (line.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // transports/stdio: the server MUST NOT write anything but MCP messages
      // to stdout; some do anyway (banners, stray prints), so skip, never crash.
      logger.warn({ backend, preview: line.slice(0, PREVIEW_CHARS) }, 'skipped a stdout line that is not JSON');
      return;
    }
    options.onMessage(value);
  });
  const stderr = createInterface({ input: child.stderr, crlfDelay: Infinity });
  stderr.on('line', (line) => {
    if (line.length === 0) return;
    if (TROUBLE_WORDS.test(line)) logger.warn({ backend, stream: 'stderr' }, line);
    else logger.info({ backend, stream: 'stderr' }, line);
  });

  // Under load many calls reach one child in the same turn of the event loop:
  // their lines leave in one write after it (setImmediate), so one system
  // call and one wake-up of the child serve them all. Per message those cost
  // more than the bytes: the pipe writes were about a third of a routing
  // gateway's CPU in profiles. Order is kept; a lone call waits microseconds.
  let unsent = '';
  let isFlushScheduled = false;
  const flush = () => {
    isFlushScheduled = false;
    const text = unsent;
    unsent = '';
    if (text !== '' && !hasExited && child.stdin.writable) child.stdin.write(text);
  };

  return {
    get pid() {
      return child.pid;
    },
    started,
    exited,
    get hasExited() {
      return hasExited;
    },
    send(message) {
      if (hasExited || !child.stdin.writable) return false;
      // JSON.stringify escapes newlines inside strings, so one message is one line.
      unsent += `${JSON.stringify(message)}\n`;
      if (!isFlushScheduled) {
        isFlushScheduled = true;
        setImmediate(flush);
      }
      return true;
    },
    async stop(graceMs) {
      if (hasExited || child.pid === undefined) return;
      flush();
      child.stdin.end();
      if (await waitFor(exited, graceMs)) return;
      child.kill('SIGTERM');
      if (await waitFor(exited, graceMs)) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
