// What a `gatehouse start` loads is what its config uses (docs/benchmarks.md, "Footprint"): a
// routing-only gateway does not import the packages of policy types, token
// checks or the embedded OpenID provider it does not run, and a config that
// names a policy type does load that type's package. Each gateway is a real
// child process with a preload that lists the packages it loaded.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from '@gatehouse/testing/gateway/launch-gateway';

const recorder = fileURLToPath(new URL('../fixtures/loaded-packages-recorder.ts', import.meta.url));
const ROUTING_YAML = 'gateway:\n  host: 127.0.0.1\n  port: 0\n  admin_port: 0\nbackends:\n  - name: crm\n    url: http://127.0.0.1:9/mcp\n';

/** Starts `gatehouse start` on `yaml`, stops it once it is listening (policies and identity are built by then), and returns the packages it loaded. */
async function packagesLoadedBy(directory: string, name: string, yaml: string): Promise<Set<string>> {
  const configPath = join(directory, `${name}.yaml`);
  const listPath = join(directory, `${name}.packages`);
  await writeFile(configPath, yaml);
  const gateway = await startGateway({
    args: ['--config', configPath],
    env: { NODE_OPTIONS: `--import ${recorder}`, LOADED_PACKAGES_FILE: listPath, GATEHOUSE_LOG_LEVEL: 'error' },
  });
  await gateway.close();
  return new Set((await readFile(listPath, 'utf8')).split('\n'));
}

describe('a gatehouse start loads only what its config uses', () => {
  let directory: string;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-start-footprint-'));
  });

  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('a routing-only start loads no policy, token or OpenID provider package', async () => {
    const loaded = await packagesLoadedBy(directory, 'routing', ROUTING_YAML);
    assert.ok(loaded.has('yaml'), 'the recorder saw the config loader');
    for (const unused of ['ajv', 'ajv-formats', 'rate-limiter-flexible', '@bufbuild/cel', 'jose', 'oidc-provider', 'koa']) {
      assert.equal(loaded.has(unused), false, `${unused} was loaded by a config that does not use it`);
    }
  });

  it('a config naming argument_validation and rate_limit loads ajv and rate-limiter-flexible', async () => {
    const policies = 'policies:\n  - name: argument_validation\n    type: argument_validation\n  - name: per_user\n    type: rate_limit\n    requests_per_minute: 60\n';
    const loaded = await packagesLoadedBy(directory, 'policies', ROUTING_YAML + policies);
    assert.ok(loaded.has('ajv'));
    assert.ok(loaded.has('rate-limiter-flexible'));
    assert.equal(loaded.has('oidc-provider'), false);
  });
});
