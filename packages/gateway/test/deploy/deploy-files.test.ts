// The deployment files in deploy/ and the Dockerfile, checked without a
// cluster or a registry: the Helm chart's templates only read values that
// values.yaml defines, the configuration it ships passes the gateway's own
// validation, the image copies what exists, and nginx accepts its config.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

import { parseConfig } from '../../src/config/load.ts';

const repositoryRoot = resolve(import.meta.dirname, '../../../..');
const chartDirectory = join(repositoryRoot, 'deploy/helm/gatehouse');

function valueAt(values: unknown, path: readonly string[]): unknown {
  let current = values;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !(key in current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

describe('Helm chart (deploy/helm/gatehouse)', () => {
  it('reads only values that values.yaml defines', async () => {
    const values = parse(await readFile(join(chartDirectory, 'values.yaml'), 'utf8')) as unknown;
    const templates = await readdir(join(chartDirectory, 'templates'));
    const missing: string[] = [];
    for (const template of templates) {
      const text = await readFile(join(chartDirectory, 'templates', template), 'utf8');
      for (const match of text.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) {
        if (valueAt(values, match[1]!.split('.')) === undefined) missing.push(`${template}: .Values.${match[1]}`);
      }
    }
    assert.deepEqual(missing, []);
    assert.ok(templates.includes('hpa.yaml') && templates.includes('pdb.yaml') && templates.includes('deployment.yaml'));
  });

  it('ships a configuration the gateway accepts, with its secrets from the environment', async () => {
    const values = parse(await readFile(join(chartDirectory, 'values.yaml'), 'utf8')) as { config: unknown; secrets: Record<string, string> };
    const environment = { ...values.secrets, GATEHOUSE_STATE_SECRET: 'ab'.repeat(32) };
    const loaded = parseConfig(stringify(values.config), 'values.yaml#config', environment, { hostname: 'gatehouse-0' });
    assert.equal(loaded.config.gateway.host, '0.0.0.0');
    assert.equal(loaded.config.gateway.adminHost, '0.0.0.0');
    assert.equal(loaded.config.session.store, values.secrets.GATEHOUSE_REDIS_URL);
    assert.equal(loaded.config.backends[0]?.name, 'crm');
  });

  it('probes the admin port the config listens on, and mounts the config where the image reads it', async () => {
    const deployment = await readFile(join(chartDirectory, 'templates/deployment.yaml'), 'utf8');
    const values = parse(await readFile(join(chartDirectory, 'values.yaml'), 'utf8')) as { config: { gateway: { port: number; admin_port: number } } };
    assert.match(deployment, new RegExp(`containerPort: ${values.config.gateway.admin_port}\\b`));
    assert.match(deployment, new RegExp(`containerPort: ${values.config.gateway.port}\\b`));
    assert.match(deployment, /path: \/readyz/);
    assert.match(deployment, /path: \/healthz/);
    const dockerfile = await readFile(join(repositoryRoot, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /\/etc\/gatehouse\/gatehouse\.yaml/);
    assert.match(deployment, /mountPath: \/etc\/gatehouse\n/);
  });
});

describe('Dockerfile', () => {
  it('copies only paths that exist and starts the bundle it builds', async () => {
    const dockerfile = await readFile(join(repositoryRoot, 'Dockerfile'), 'utf8');
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((match) => match[1]!.trim().split(/\s+/).slice(0, -1));
    assert.ok(sources.length >= 5);
    for (const source of sources) await stat(join(repositoryRoot, source));
    // The last argument is the script; the ones before it are the V8 flags (test/cli/start-node-flags.test.ts).
    const entrypoint = (JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[]).at(-1);
    assert.equal(entrypoint, 'packages/gateway/dist/gatehouse.mjs');
    // dist/ is not in the repository: the image's bundle stage builds it with the script that exists here.
    assert.match(dockerfile, /^RUN .*node packages\/gateway\/scripts\/build-bundle\.ts --strict$/m);
    assert.match(dockerfile, /^COPY --from=bundle \/app\/packages\/gateway\/dist packages\/gateway\/dist$/m);
    await stat(join(repositoryRoot, 'packages/gateway/scripts/build-bundle.ts'));
  });
});

describe('nginx example (deploy/nginx)', () => {
  const nginx = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => spawnSync(path, ['-v']).status === 0);
  const skip = nginx === undefined && process.env.CI !== 'true' ? 'nginx is not installed (apt-get install nginx-light)' : false;

  it('is a configuration nginx accepts', { skip }, async () => {
    assert.ok(nginx !== undefined, 'nginx is required under CI=true');
    const prefix = await mkdtemp(join(tmpdir(), 'gatehouse-nginx-'));
    try {
      await cp(join(repositoryRoot, 'deploy/nginx'), prefix, { recursive: true });
      await mkdir(join(prefix, 'tmp'));
      const result = spawnSync(nginx, ['-t', '-p', prefix, '-c', 'nginx.conf', '-g', 'error_log stderr;'], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stderr, /syntax is ok/);
    } finally {
      await rm(prefix, { recursive: true, force: true });
    }
  });
});
