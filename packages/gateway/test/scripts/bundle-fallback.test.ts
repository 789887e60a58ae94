// When the bundle cannot be built (scripts/build-bundle.ts), `npm start` must
// still start: the entry written instead runs the sources, and says why.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundleOrSources } from '../../scripts/build-bundle.ts';
import { GATEWAY_VERSION } from '../../src/version.ts';

const run = promisify(execFile);
const gatewayPackage = fileURLToPath(new URL('../../', import.meta.url));

describe('bundleOrSources', () => {
  let directory: string;
  before(async () => {
    directory = await mkdtemp(`${gatewayPackage}.bundle-test-`);
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('writes an entry that runs the sources when bundling fails, and says why', async () => {
    const warnings: string[] = [];
    const failing = () => Promise.reject(new Error('the rolldown binding is missing'));
    const result = await bundleOrSources(directory, (message) => warnings.push(message), failing);
    assert.equal(result.isBundle, false);
    assert.match(warnings.join('\n'), /the rolldown binding is missing[\s\S]*runs from its sources/);
    const { stdout } = await run(process.execPath, [result.entry, '--version'], { timeout: 60_000 });
    assert.equal(stdout.trim(), GATEWAY_VERSION);
  });

  it('uses the bundle when it builds', async () => {
    const warnings: string[] = [];
    const result = await bundleOrSources(directory, (message) => warnings.push(message), async () => `${directory}/gatehouse.mjs`);
    assert.deepEqual(result, { entry: `${directory}/gatehouse.mjs`, isBundle: true });
    assert.deepEqual(warnings, []);
  });
});
