// `gatehouse new server`: the real CLI writes a scaffold; its dependencies are
// linked from this checkout the way `npm install` would link them (nothing
// comes from the network); the scaffold's own test then runs and passes in
// both protocol eras, and its catalog entry is a valid backends.d file.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';

import { Command } from 'commander';

import { parse } from 'yaml';

import type { CommandIo } from '../../../src/cli/commands/command-io.ts';
import { registerNewCommand, renderServerScaffold } from '../../../src/cli/commands/new-server.ts';
import { backendSchema } from '../../../src/config/backend-schema.ts';
import { interpolateEnv } from '../../../src/config/env-interpolation.ts';

const run = promisify(execFile);
const repositoryRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
const cli = join(repositoryRoot, 'packages/gateway/src/cli/main.ts');

let workspace: string;
before(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'gatehouse-new-server-'));
});
after(async () => {
  await rm(workspace, { recursive: true, force: true });
});

/** What `npm install` would do for a local file: dependency and registry packages already in this checkout's node_modules. */
async function linkDependencies(directory: string): Promise<void> {
  const manifest = JSON.parse(await readFile(join(directory, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const [name, spec] of Object.entries(manifest.dependencies)) {
    const target = spec.startsWith('file:') ? spec.slice('file:'.length) : join(repositoryRoot, 'node_modules', name);
    const link = join(directory, 'node_modules', name);
    await mkdir(join(link, '..'), { recursive: true });
    await symlink(target, link, 'dir');
  }
}

describe('gatehouse new server', () => {
  it('scaffolds a kit server whose own test passes, with a Dockerfile and a valid catalog entry', async () => {
    const directory = join(workspace, 'acme-tickets');
    const scaffolded = await run(process.execPath, [cli, 'new', 'server', 'acme-tickets', '--dir', directory, '--owner', 'team:support']);
    for (const file of ['package.json', 'src/server.ts', 'src/main.ts', 'test/server.test.ts', 'Dockerfile', 'catalog/acme-tickets.yaml', 'README.md']) {
      assert.match(scaffolded.stdout, new RegExp(`wrote .*${file.replace('.', '\\.')}`));
    }
    await linkDependencies(directory);
    // Without NODE_TEST_CONTEXT the child runs as its own test runner, not as a subtest reporting to this one.
    const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
    const tested = await run(process.execPath, ['--test', '--test-reporter=spec', 'test/server.test.ts'], { cwd: directory, env, timeout: 60_000 });
    assert.match(tested.stdout, /ℹ pass 6/);
    assert.match(tested.stdout, /ℹ fail 0/);

    const entry = interpolateEnv(parse(await readFile(join(directory, 'catalog/acme-tickets.yaml'), 'utf8')), {});
    assert.deepEqual(entry.problems, []);
    const backend = backendSchema.safeParse(entry.value);
    assert.ok(backend.success, JSON.stringify(backend.error?.issues));
    assert.equal(backend.data.name, 'acme-tickets');
    assert.equal((backend.data as { lifecycle?: string }).lifecycle, 'proposed');
    assert.match(await readFile(join(directory, 'Dockerfile'), 'utf8'), /CMD \["node", "src\/main\.ts", "--http"/);
  });

  it('refuses a name that is not a backend name, and a directory that is not empty', async () => {
    const said: { err: string[]; exitCode?: number } = { err: [] };
    const io: CommandIo = { out: () => undefined, err: (line) => said.err.push(line), fail: (code) => (said.exitCode = code), env: {} };
    const gatehouse = (...args: string[]) => {
      const program = new Command('gatehouse').exitOverride();
      registerNewCommand(program, io);
      return program.parseAsync(['node', 'gatehouse', ...args]);
    };
    await gatehouse('new', 'server', 'Bad_Name', '--dir', join(workspace, 'bad'));
    assert.equal(said.exitCode, 2);
    assert.match(said.err.join('\n'), /not a server name/);
    const directory = join(workspace, 'twice');
    said.exitCode = undefined;
    await gatehouse('new', 'server', 'twice', '--dir', directory);
    assert.equal(said.exitCode, undefined);
    await gatehouse('new', 'server', 'twice', '--dir', directory);
    assert.equal(said.exitCode, 2);
    assert.match(said.err.join('\n'), /not empty/);
  });

  it('names the scopes after the server', () => {
    const files = renderServerScaffold({ name: 'billing', owner: 'team:finance', kitSpec: 'file:/kit' });
    assert.match(files['src/server.ts']!, /scopes: \['billing:read'\]/);
    assert.match(files['src/server.ts']!, /scopes: \['billing:write'\]/);
  });
});
