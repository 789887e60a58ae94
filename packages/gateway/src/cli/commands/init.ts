// `gatehouse init [--out FILE] [--force] [--from FILE]`: writes the commented
// starter gatehouse.yaml, or one whose backends are imported from a desktop
// client's MCP server list. Never overwrites a file unless told to.

import type { Command } from 'commander';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { isConfigError } from '../../config/errors.ts';
import { importMcpServers, parseJsonWithComments, renderBackendsYaml, type McpServersImport } from '../../config/import-mcp-servers.ts';
import { renderStarterConfig } from '../../config/starter.ts';
import { processIo, type CommandIo } from './command-io.ts';

interface InitOptions {
  out: string;
  force?: boolean;
  from?: string;
}

export function registerInitCommand(program: Command, io: CommandIo = processIo): Command {
  return program
    .command('init')
    .description('write a commented starter gatehouse.yaml')
    .option('-o, --out <file>', 'where to write the configuration', 'gatehouse.yaml')
    .option('-f, --force', 'overwrite the file if it exists')
    .option('--from <file>', 'import the servers of a Claude Desktop, Claude Code, Cursor or VS Code MCP config (JSON)')
    .action(async (options: InitOptions) => {
      const text = options.from === undefined ? renderStarterConfig() : await importedConfig(options.from, io);
      if (text === undefined) return io.fail(1);
      const target = resolve(options.out);
      try {
        await mkdir(dirname(target), { recursive: true });
        // 'wx' fails if the file exists, without a check-then-write race.
        await writeFile(target, text, { flag: options.force === true ? 'w' : 'wx' });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        io.err(code === 'EEXIST' ? `${options.out} already exists; use --force to overwrite it` : `cannot write ${options.out}: ${(error as Error).message}`);
        return io.fail(1);
      }
      io.out(`Wrote ${options.out}${options.from === undefined ? ' with two example backends' : ''}.`);
      io.out(`Check it with: gatehouse validate ${options.out}`);
    });
}

/** The starter with the imported backends, or undefined after reporting why there is none. */
async function importedConfig(from: string, io: CommandIo): Promise<string | undefined> {
  let imported: McpServersImport;
  try {
    imported = importMcpServers(parseJsonWithComments(await readFile(from, 'utf8')), from);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') io.err(`${from}: no such file`);
    else if (error instanceof SyntaxError) io.err(`${from}: not valid JSON: ${error.message}`);
    else if (isConfigError(error)) for (const line of error.message.split('\n')) io.err(line);
    else throw error;
    return undefined;
  }
  for (const { name, reason } of imported.skipped) io.err(`skipped "${name}": ${reason}`);
  if (imported.backends.length === 0) {
    io.err(`${from}: no server could be imported; nothing written`);
    return undefined;
  }
  io.out(`Imported ${imported.backends.length} of ${imported.backends.length + imported.skipped.length} servers from ${from}.`);
  for (const { from: original, to } of imported.renames) io.out(`renamed "${original}" to "${to}" (backend names are lowercase letters, digits and -)`);
  for (const warning of imported.warnings) io.err(`warning: ${warning}`);
  if (imported.variables.length > 0) io.out(`Set these environment variables before starting the gateway: ${imported.variables.join(', ')}`);
  const backends = renderBackendsYaml(imported.backends)
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return renderStarterConfig({ backends: `${backends}\n`, backendsNote: [`Imported from ${basename(from)} by gatehouse init.`] });
}
