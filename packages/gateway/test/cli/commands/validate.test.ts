import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { registerValidateCommand } from '../../../src/cli/commands/validate.ts';
import type { CommandIo } from '../../../src/cli/commands/command-io.ts';
import { createTempDirectory, MINIMAL_YAML, SEED_CHAPTER_6_YAML, type TempDirectory } from '../../fixtures/config-files.ts';

const CLI = fileURLToPath(new URL('../../fixtures/config-cli.ts', import.meta.url));

/** Runs `validate` in-process and returns what it printed and its exit code. */
async function runValidate(args: string[], env: Record<string, string> = {}) {
  const result = { out: [] as string[], err: [] as string[], exitCode: 0 };
  const io: CommandIo = { out: (line) => result.out.push(line), err: (line) => result.err.push(line), fail: (code) => (result.exitCode = code), env };
  const program = new Command().exitOverride();
  registerValidateCommand(program, io);
  await program.parseAsync(['validate', ...args], { from: 'user' });
  return result;
}

describe('gatehouse validate', () => {
  let directory: TempDirectory;
  before(async () => {
    directory = await createTempDirectory();
  });
  after(() => directory.remove());

  it('prints OK with the number of backends and policies, then each warning, and exits 0', async () => {
    const file = await directory.write('seed.yaml', SEED_CHAPTER_6_YAML);
    const result = await runValidate([file]);
    assert.equal(result.exitCode, 0);
    assert.equal(result.out[0], `OK: ${file} is valid (3 backends, 3 policies)`);
    assert.equal(result.out.length, 4);
    assert.equal(result.out[1], `warning: ${file}: backends[0].auth (service-account-salesforce): accepted but not applied yet in this version (requests reach the backend without these credentials)`);
    assert.deepEqual(result.err, []);
  });

  it('prints every problem on stderr and exits 1 for an invalid file', async () => {
    const file = await directory.write('bad.yaml', 'backends:\n  - name: a\n    url: ftp://x\n    tiemout_ms: 5\n');
    const result = await runValidate([file]);
    assert.equal(result.exitCode, 1);
    assert.deepEqual(result.out, []);
    assert.deepEqual(result.err, [`${file}: backends[0].url: expected an http(s) URL, got "ftp://x"`, `${file}: backends[0].tiemout_ms: unknown key (did you mean "timeout_ms"?)`]);
  });

  it('interpolates with the environment it is given', async () => {
    const file = await directory.write('env.yaml', 'backends:\n  - name: a\n    url: ${A_URL}\n');
    assert.equal((await runValidate([file])).exitCode, 1);
    assert.equal((await runValidate([file], { A_URL: 'http://a' })).exitCode, 0);
  });

  it('runs as a real process: exit 0 and OK for a valid file, exit 1 and the problem for a missing one', async () => {
    const file = await directory.write('minimal.yaml', MINIMAL_YAML);
    const valid = await promisify(execFile)(process.execPath, [CLI, 'validate', file]);
    assert.equal(valid.stdout, `OK: ${file} is valid (1 backend, 0 policies)\n`);
    const missing = `${directory.path}/absent.yaml`;
    await assert.rejects(promisify(execFile)(process.execPath, [CLI, 'validate', missing]), (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr ?? '', /absent\.yaml: no such file/);
      return true;
    });
  });
});
