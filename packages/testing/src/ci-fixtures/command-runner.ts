// Runs one `gatehouse` CI command in-process, the way the CLI would, and
// returns what it printed and the exit code it set; and the same as a real
// child process of the CLI, for tests that prove the registration and the
// process's exit status.

import { execFile } from 'node:child_process';
import { Command } from 'commander';
// Type only: the gateway package exports its index alone, and the CLI's io shape is all this needs.
import type { CommandIo } from '../../../gateway/src/cli/commands/command-io.ts';
import { gatehouseCli } from '../gateway/launch-gateway.ts';

export interface CommandResult {
  out: string;
  err: string;
  exitCode: number;
}

export async function runCommandInProcess(
  register: (program: Command, io: CommandIo) => unknown,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CommandResult> {
  const out: string[] = [];
  const err: string[] = [];
  let exitCode = 0;
  const io: CommandIo = { out: (line) => out.push(line), err: (line) => err.push(line), fail: (code) => (exitCode = code), env };
  const program = new Command().exitOverride();
  register(program, io);
  await program.parseAsync([...args], { from: 'user' });
  return { out: out.join('\n'), err: err.join('\n'), exitCode };
}

export function runCliProcess(args: readonly string[], options: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [gatehouseCli, ...args],
      { env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024, ...(options.cwd !== undefined && { cwd: options.cwd }) },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1;
        resolve({ out: stdout, err: stderr, exitCode: code });
      },
    );
  });
}
