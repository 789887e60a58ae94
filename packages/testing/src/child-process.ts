// The life of a child process a fixture starts (a test backend, a gateway):
// wait for the line that says it is up, and stop it politely, then firmly.
// The launchers (backends/launch.ts, gateway/launch-gateway.ts) build on these.

import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface WaitForOutputOptions<T> {
  /** Names the process in the messages, e.g. the script path or "the gateway". */
  name: string;
  /** The stream the process announces itself on (its stdout or stderr). */
  stream: Readable;
  /** What has been read from `stream` so far; the caller keeps it, since it keeps reading after the wait. */
  output: () => string;
  /** The value once `output()` shows the process is up, undefined while it is not yet. */
  parse: (output: string) => T | undefined;
  /** What the process prints when it is up, for the timeout message, e.g. `"listening on"`. */
  expected: string;
  timeoutMs: number;
}

/**
 * Resolves with `parse`'s value once the process printed what it prints when
 * it is up. Rejects (with a plain Error naming what happened) if it exits
 * first, cannot be spawned, or stays silent past the timeout; stopping it is
 * left to the caller, which knows what else to clean up.
 */
export function waitForOutput<T>(child: ChildProcess, options: WaitForOutputOptions<T>): Promise<T> {
  const { name, stream, timeoutMs } = options;
  return new Promise((resolve, reject) => {
    const fail = (message: string) => {
      finish();
      reject(new Error(message));
    };
    const onData = () => {
      const value = options.parse(options.output());
      if (value === undefined) return;
      finish();
      resolve(value);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`${name} exited (${signal ?? `code ${code}`}) before it was listening`);
    const onError = (error: Error) => fail(`could not spawn ${name}: ${error.message}`);
    const timer = setTimeout(() => fail(`${name} did not print ${options.expected} within ${timeoutMs} ms`), timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      stream.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    // Added after the caller's own 'data' listener, so output() already holds the chunk.
    stream.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** SIGTERM, then SIGKILL if the process has not exited after 5 s; resolves once it exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
