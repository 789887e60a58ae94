// What the CI commands share around their work: the target options
// (--token, --header, --client), and exit codes CI can branch on: 0 passed,
// 1 a check failed, 2 the tool could not run (bad arguments, unreachable
// server), printed as one agent-actionable line.

import { InvalidArgumentError, type Command } from 'commander';
import { isCiToolError } from '../../ci-tools/ci-tool-error.ts';
import type { ClientGeneration } from '../../ci-tools/server-connection.ts';
import { parseTarget, type ServerTarget } from '../../ci-tools/server-target.ts';
import type { CommandIo } from './command-io.ts';

export const EXIT_TOOL_FAILED = 2;

export interface TargetOptions {
  token?: string;
  header: string[];
  client: ClientGeneration;
}

export function addTargetOptions(command: Command): Command {
  return command
    .option('--token <token>', 'bearer token sent to an HTTP server (or set GATEHOUSE_TOKEN)')
    .option('--header <name:value>', 'extra HTTP header, repeatable', collect, [])
    .option('--client <generation>', 'auto (newest revision the server speaks), v1 (SDK v1, 2025-11-25) or v2-legacy', parseClientGeneration, 'auto');
}

export function targetFrom(text: string, options: TargetOptions, env: CommandIo['env']): ServerTarget {
  const headers: Record<string, string> = {};
  for (const header of options.header) {
    const colon = header.indexOf(':');
    headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  }
  const token = options.token ?? env.GATEHOUSE_TOKEN;
  return parseTarget(text, { headers, ...(token !== undefined && token !== '' && { token }) });
}

/** Runs a CI command's work; a CiToolError becomes its message on stderr and exit 2. */
export async function runCiCommand(io: CommandIo, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!isCiToolError(error)) throw error;
    io.err(`gatehouse: ${error.message}`);
    io.fail(EXIT_TOOL_FAILED);
  }
}

export function collect(value: string, previous: string[]): string[] {
  if (!value.includes(':') && !value.includes('=')) throw new InvalidArgumentError(`expected NAME:VALUE or NAME=VALUE, got "${value}"`);
  return [...previous, value.includes(':') ? value : value.replace('=', ':')];
}

export function parseClientGeneration(value: string): ClientGeneration {
  if (value === 'auto' || value === 'v1' || value === 'v2-legacy') return value;
  throw new InvalidArgumentError(`expected auto, v1 or v2-legacy, got "${value}"`);
}
