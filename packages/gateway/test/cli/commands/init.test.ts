import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { registerInitCommand } from '../../../src/cli/commands/init.ts';
import type { CommandIo } from '../../../src/cli/commands/command-io.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { renderStarterConfig } from '../../../src/config/starter.ts';
import { createTempDirectory, type TempDirectory } from '../../fixtures/config-files.ts';

const CLI = fileURLToPath(new URL('../../fixtures/config-cli.ts', import.meta.url));

async function runInit(args: string[]) {
  const result = { out: [] as string[], err: [] as string[], exitCode: 0 };
  const io: CommandIo = { out: (line) => result.out.push(line), err: (line) => result.err.push(line), fail: (code) => (result.exitCode = code), env: {} };
  const program = new Command().exitOverride();
  registerInitCommand(program, io);
  await program.parseAsync(['init', ...args], { from: 'user' });
  return result;
}

describe('gatehouse init', () => {
  let directory: TempDirectory;
  before(async () => {
    directory = await createTempDirectory();
  });
  after(() => directory.remove());

  it('writes the starter config, which then validates', async () => {
    const out = join(directory.path, 'starter', 'gatehouse.yaml');
    const result = await runInit(['--out', out]);
    assert.equal(result.exitCode, 0);
    assert.equal(await readFile(out, 'utf8'), renderStarterConfig());
    assert.equal((await loadConfig(out, {})).config.backends.length, 2);
  });

  it('refuses to overwrite an existing file without --force and leaves it unchanged', async () => {
    const out = await directory.write('existing.yaml', 'mine\n');
    const result = await runInit(['--out', out]);
    assert.equal(result.exitCode, 1);
    assert.deepEqual(result.err, [`${out} already exists; use --force to overwrite it`]);
    assert.equal(await readFile(out, 'utf8'), 'mine\n');
  });

  it('overwrites an existing file with --force', async () => {
    const out = await directory.write('forced.yaml', 'mine\n');
    assert.equal((await runInit(['--out', out, '--force'])).exitCode, 0);
    assert.equal(await readFile(out, 'utf8'), renderStarterConfig());
  });

  it('imports a Claude Desktop config with --from, reporting renames and skipped servers', async () => {
    const from = await directory.write(
      'claude_desktop_config.json',
      JSON.stringify({
        mcpServers: {
          'Demo CRM': { command: 'node', args: ['crm.js', '--stdio'] },
          docs: { type: 'http', url: 'https://docs.example.com/mcp' },
          legacy: { type: 'sse', url: 'https://legacy.example.com/sse' },
        },
      }),
    );
    const out = join(directory.path, 'imported.yaml');
    const result = await runInit(['--from', from, '--out', out]);
    assert.equal(result.exitCode, 0);
    assert.ok(result.out.includes('renamed "Demo CRM" to "demo-crm" (backend names are lowercase letters, digits and -)'));
    assert.match(result.err[0] ?? '', /^skipped "legacy": uses the HTTP\+SSE transport/);
    const loaded = await loadConfig(out, {});
    assert.deepEqual(loaded.config.backends.map((backend) => [backend.name, backend.kind]), [['demo-crm', 'stdio'], ['docs', 'http']]);
    assert.match(await readFile(out, 'utf8'), /# Imported from claude_desktop_config\.json by gatehouse init\./);
  });

  it('writes nothing and exits 1 when no server can be imported', async () => {
    const from = await directory.write('only-sse.json', JSON.stringify({ servers: { legacy: { type: 'sse', url: 'https://x/sse' } } }));
    const out = join(directory.path, 'never.yaml');
    const result = await runInit(['--from', from, '--out', out]);
    assert.equal(result.exitCode, 1);
    await assert.rejects(readFile(out, 'utf8'), { code: 'ENOENT' });
  });

  it('says which file is not JSON', async () => {
    const from = await directory.write('broken.json', '{ "mcpServers": ');
    const result = await runInit(['--from', from, '--out', join(directory.path, 'x.yaml')]);
    assert.equal(result.exitCode, 1);
    assert.match(result.err[0] ?? '', /broken\.json: not valid JSON: /);
  });

  it('runs as a real process and writes gatehouse.yaml in its working directory by default', async () => {
    const cwd = join(directory.path);
    const run = await promisify(execFile)(process.execPath, [CLI, 'init'], { cwd });
    assert.match(run.stdout, /^Wrote gatehouse\.yaml with two example backends\.\n/);
    assert.equal(await readFile(join(cwd, 'gatehouse.yaml'), 'utf8'), renderStarterConfig());
  });
});
