import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, isConfigError } from '../../src/config/errors.ts';
import { DEFAULT_CONFIG_PATH } from '../../src/config/default-config.ts';
import { GATEHOUSE_ROOT, loadConfig, parseConfig } from '../../src/config/load.ts';
import { createTempDirectory, MINIMAL_YAML, SEED_CHAPTER_6_AS_RUN_YAML, SEED_CHAPTER_6_CREDENTIALS, type TempDirectory } from '../fixtures/config-files.ts';

/** The ConfigError a call throws; fails the test if it does not throw one. */
async function configErrorOf(action: () => unknown): Promise<ConfigError> {
  try {
    await action();
  } catch (error) {
    if (isConfigError(error)) return error;
    throw error;
  }
  assert.fail('no ConfigError was thrown');
}

describe('loadConfig', () => {
  let directory: TempDirectory;
  before(async () => {
    directory = await createTempDirectory();
  });
  after(() => directory.remove());

  it('loads a file and returns its absolute path with the config', async () => {
    const file = await directory.write('seed.yaml', SEED_CHAPTER_6_AS_RUN_YAML);
    const loaded = await loadConfig(file, { ...SEED_CHAPTER_6_CREDENTIALS });
    assert.equal(loaded.path, file);
    assert.equal(loaded.config.backends.length, 3);
  });

  it('says config_not_found, with the path it looked at and how to make one, for a missing file', async () => {
    const missing = join(directory.path, 'nope.yaml');
    const error = await configErrorOf(() => loadConfig(missing, {}));
    assert.equal(error.code, 'config_not_found');
    assert.equal(error.message, `${missing}: no such file (looked for ${missing}); "gatehouse init" writes a starter`);
  });

  it('names the file, line and column of a YAML syntax error', async () => {
    const error = await configErrorOf(() => parseConfig('backends:\n  - name: a\n   url: http://a\n', 'gatehouse.yaml', {}));
    assert.equal(error.code, 'config_parse_error');
    assert.match(error.message, /^gatehouse\.yaml:3:\d+: \S/);
  });

  it('treats a key written twice as a syntax error at the second one', async () => {
    const error = await configErrorOf(() => parseConfig('gateway:\n  port: 1\n  port: 2\n', 'gatehouse.yaml', {}));
    assert.equal(error.code, 'config_parse_error');
    assert.match(error.message, /^gatehouse\.yaml:3:3: Map keys must be unique/);
  });

  it('refuses an empty file and points at gatehouse init', async () => {
    const error = await configErrorOf(() => parseConfig('# nothing yet\n', 'gatehouse.yaml', {}));
    assert.equal(error.code, 'config_invalid');
    assert.match(error.message, /^gatehouse\.yaml: is empty: .*gatehouse init/);
  });

  it('says config_env_missing, naming the key path and the variable, when a variable is unset', async () => {
    const text = 'backends:\n  - name: crm\n    command: node\n    env:\n      API_KEY: ${CRM_API_KEY}\n';
    const error = await configErrorOf(() => parseConfig(text, 'gatehouse.yaml', {}));
    assert.equal(error.code, 'config_env_missing');
    assert.equal(error.message, 'gatehouse.yaml: backends[0].env.API_KEY: environment variable CRM_API_KEY is not set (set it, or write ${CRM_API_KEY:-default} to give a default)');
  });

  it('says config_invalid for a malformed reference', async () => {
    const error = await configErrorOf(() => parseConfig('gateway:\n  host: ${HOST\n', 'gatehouse.yaml', {}));
    assert.equal(error.code, 'config_invalid');
    assert.match(error.message, /^gatehouse\.yaml: gateway\.host: "\$\{HOST" is not closed/);
  });

  it('sets GATEHOUSE_ROOT to the checkout root unless the environment has one', () => {
    const text = 'backends:\n  - name: crm\n    command: node\n    args: ["${GATEHOUSE_ROOT}/x.ts"]\n';
    const argsWith = (env: Record<string, string>) => {
      const backend = parseConfig(text, 'gatehouse.yaml', env).config.backends[0];
      return backend?.kind === 'stdio' ? backend.args : undefined;
    };
    assert.deepEqual(argsWith({}), [`${GATEHOUSE_ROOT}/x.ts`]);
    assert.ok(existsSync(join(GATEHOUSE_ROOT, 'packages', 'gateway', 'package.json')));
    assert.deepEqual(argsWith({ GATEHOUSE_ROOT: '/opt/gatehouse' }), ['/opt/gatehouse/x.ts']);
  });

  it("sets GATEHOUSE_CONFIG_DIR to the file's directory when loading a file", async () => {
    const file = await directory.write('dir.yaml', 'backends:\n  - name: a\n    command: node\n    cwd: ${GATEHOUSE_CONFIG_DIR}\n');
    const backend = (await loadConfig(file, {})).config.backends[0];
    assert.equal(backend?.kind === 'stdio' && backend.cwd, directory.path);
  });

  it('lets top-level x- keys hold YAML anchors that backends merge in', () => {
    const text = 'x-defaults: &defaults\n  timeout_ms: 5000\nbackends:\n  - <<: *defaults\n    name: a\n    url: http://a\n';
    assert.equal(parseConfig(text, 'gatehouse.yaml', {}).config.backends[0]?.timeoutMs, 5000);
  });

  it('refuses an alias that contains itself instead of recursing forever', async () => {
    const error = await configErrorOf(() => parseConfig('backends: &loop [*loop]\n', 'gatehouse.yaml', {}));
    assert.equal(error.message, 'gatehouse.yaml: backends[0]: is an alias that contains itself; expected a finite value');
  });

  it('returns no warnings for a config that uses only active keys', () => {
    assert.deepEqual(parseConfig(MINIMAL_YAML, 'gatehouse.yaml', {}).warnings, []);
  });
});

describe('the shipped default config', () => {
  it('validates without warnings and federates crm, docs and everything over stdio', async () => {
    const loaded = await loadConfig(DEFAULT_CONFIG_PATH, {});
    assert.deepEqual(loaded.warnings, []);
    assert.deepEqual(
      loaded.config.backends.map((backend) => [backend.name, backend.kind]),
      [['crm', 'stdio'], ['docs', 'stdio'], ['everything', 'stdio']],
    );
  });

  it('points its backends at files that exist in this checkout', async () => {
    const loaded = await loadConfig(DEFAULT_CONFIG_PATH, {});
    for (const backend of loaded.config.backends) {
      assert.equal(backend.kind === 'stdio' && backend.command, 'node');
      const script = backend.kind === 'stdio' ? backend.args[0] : undefined;
      assert.ok(script !== undefined && existsSync(script), `${backend.name}: ${script} does not exist`);
    }
  });
});
