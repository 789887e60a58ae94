// docs/server-kit.md is a tutorial a new user follows from scaffold to a
// registered, audited server; this test runs its shell blocks, in order, in
// one bash, as written. Two substitutions, both said here: the environment
// block gets free ports and a scratch folder, and `npm install` links the
// scaffold's dependencies from this checkout as npm would (no network).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const tutorialPath = join(repositoryRoot, 'docs/server-kit.md');

/** The ```sh blocks in order; the one after the environment marker is returned apart. */
export function tutorialBlocks(markdown: string): { environment: string; steps: string[] } {
  const marker = markdown.indexOf('<!-- tutorial: environment');
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => ({ at: match.index, text: match[1]! }));
  const environment = blocks.find((block) => block.at > marker);
  assert.ok(marker >= 0 && environment !== undefined, 'the tutorial marks its environment block');
  return { environment: environment.text, steps: blocks.filter((block) => block !== environment).map((block) => block.text) };
}

/** Distinct free ports: all held open together, so the system cannot hand out one twice. */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}

const linkDependencies = `
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
for (const [name, spec] of Object.entries(manifest.dependencies ?? {})) {
  const target = spec.startsWith('file:') ? spec.slice(5) : join(process.env.GATEHOUSE_ROOT, 'node_modules', name);
  mkdirSync(dirname(join('node_modules', name)), { recursive: true });
  symlinkSync(target, join('node_modules', name), 'dir');
}
console.log('linked', Object.keys(manifest.dependencies ?? {}).join(', '));
`;

let workspace: string;
after(async () => {
  if (workspace !== undefined) await rm(workspace, { recursive: true, force: true });
});

describe('docs/server-kit.md', () => {
  it('runs from scaffold to a call through the gateway that both audit logs record', { timeout: 240_000 }, async () => {
    workspace = await mkdtemp(join(tmpdir(), 'gatehouse-tutorial-'));
    const linker = join(workspace, 'link-dependencies.mjs');
    await writeFile(linker, linkDependencies);
    const { steps } = tutorialBlocks(await readFile(tutorialPath, 'utf8'));
    const [port, gatewayPort, adminPort] = await freePorts(3);
    const environment = [
      `export GATEHOUSE_ROOT='${repositoryRoot.replace(/\/$/, '')}'`,
      'gatehouse() { node "$GATEHOUSE_ROOT/packages/gateway/src/cli/main.ts" "$@"; }',
      `export TICKETS_PORT=${port} GATEWAY_PORT=${gatewayPort} ADMIN_PORT=${adminPort}`,
      `cd '${workspace}'`,
    ].join('\n');
    const script = [
      'set -euo pipefail',
      // Stop what the tutorial started in the background, whatever happens.
      "trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT",
      environment,
      ...steps.map((step, index) => `echo "::step ${index + 1}"\n${step.replaceAll(/^npm install$/gm, `node '${linker}'`)}`),
    ].join('\n');
    const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
    // Its own process group: the tutorial's background servers are children of subshells that the script's trap
    // does not reach, so the whole group is killed once the script ends (a gateway outlived a CI run before).
    const child = spawn('bash', ['-c', script], { env: { ...env, PATH: `${dirname(process.execPath)}:${env.PATH ?? ''}` }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
    };
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(killGroup, 220_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(killer);
    killGroup();
    const gatewayLog = await readFile(join(workspace, 'gateway/gateway.log'), 'utf8').catch(() => '(no gateway.log)');
    assert.equal(code, 0, `${output.slice(-3000)}\n--- gateway.log\n${gatewayLog.slice(-3000)}`);

    assert.equal(output.match(/^::step \d+$/gm)?.length, steps.length);
    assert.match(output, /wrote tickets\/catalog\/tickets\.yaml/);
    assert.match(output, /ℹ pass 6/);
    assert.match(output, /"structuredContent":\{"item":\{"id":"I-1","title":"First item","status":"open"\}\}/);
    // Both audit logs hold the call under the caller's trace id: the gateway's query and the kit's log line.
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    assert.equal(output.split('\n').filter((line) => new RegExp(`^"trace_id": ?"${traceId}"$`).test(line)).length, 2, output.slice(-2000));
    const kitLog = await readFile(join(workspace, 'tickets/tickets.log'), 'utf8');
    const kitRecords = kitLog.split('\n').filter((line) => line.includes('"msg":"audit"')).map((line) => JSON.parse(line).audit as { operation: { name: string; server: string }; caller: { trace_id: string } });
    assert.ok(kitRecords.some((record) => record.operation.name === 'get_item' && record.operation.server === 'tickets' && record.caller.trace_id === traceId));
  });
});
