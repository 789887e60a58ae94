// Every shipped way of starting a gateway passes the same V8 flags
// (src/cli/start-node-flags.ts): they cannot be set from inside the process,
// so a start path that drifts would run with different memory and CPU.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { GATEWAY_NODE_FLAGS } from '../../src/cli/start-node-flags.ts';

const root = new URL('../../../../', import.meta.url);
const read = (path: string) => readFile(new URL(path, root), 'utf8');

describe('the gateway start flags', () => {
  it('are passed by npm start and the Docker image (the bundle) and the gatehouse bin (the sources)', async () => {
    const flags = GATEWAY_NODE_FLAGS.join(' ');
    const scripts = (JSON.parse(await read('package.json')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts.start!, new RegExp(`(^|&& )node ${flags} packages/gateway/dist/gatehouse\\.mjs start$`));
    const shebang = (await read('packages/gateway/src/cli/gatehouse.mjs')).split('\n')[0];
    assert.equal(shebang, `#!/usr/bin/env -S node ${flags}`);
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(await read('Dockerfile'))?.[1];
    assert.deepEqual(JSON.parse(entrypoint ?? 'null'), ['node', ...GATEWAY_NODE_FLAGS, 'packages/gateway/dist/gatehouse.mjs']);
  });

  it('are flags this Node accepts', () => {
    for (const flag of GATEWAY_NODE_FLAGS) assert.ok(process.allowedNodeEnvironmentFlags.has(flag.split('=')[0]!), `${flag} is not a Node/V8 flag`);
  });
});
