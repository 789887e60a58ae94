import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load.ts';
import { parseBackendFile } from '../../../src/discovery/backend-entry.ts';
import { serverResponseSchema } from '../../../src/registry/mcp-registry-format.ts';
import { Command } from 'commander';
import { registerRegistryCommand } from '../../../src/cli/commands/registry.ts';
import type { CommandIo } from '../../../src/cli/commands/command-io.ts';
import { createTempDirectory, type TempDirectory } from '../../fixtures/config-files.ts';
import { registryEntry, startRegistryFixture, type RegistryFixture } from '../../fixtures/mcp-registry-server.ts';
import { startCountingListener } from '../../fixtures/counting-listener.ts';

/** The real program, and the registry command alone (test/fixtures/registry-cli.ts), which starts faster. */
const GATEHOUSE = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));
const REGISTRY_CLI = fileURLToPath(new URL('../../fixtures/registry-cli.ts', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function runProgram(program: string, args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [program, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const gatehouse = (...args: string[]) => runProgram(REGISTRY_CLI, args);

/** The command in-process, for what needs no process boundary. */
async function runInProcess(...args: string[]) {
  const result = { out: [] as string[], err: [] as string[], exitCode: 0 };
  const io: CommandIo = { out: (line) => result.out.push(line), err: (line) => result.err.push(line), fail: (code) => (result.exitCode = code), env: {} };
  const program = new Command().exitOverride();
  registerRegistryCommand(program, io);
  await program.parseAsync(['registry', ...args], { from: 'user' });
  return result;
}

const ENTRIES = [
  registryEntry('com.example/weather', { remotes: [{ type: 'streamable-http', url: 'https://weather.example.com/mcp', headers: [{ name: 'X-Api-Key', isRequired: true, isSecret: true }] }] }, { updatedAt: '2025-02-01T00:00:00Z' }),
  registryEntry('io.modelcontextprotocol/filesystem', { packages: [{ registryType: 'npm', identifier: '@modelcontextprotocol/server-filesystem', version: '1.0.2', transport: { type: 'stdio' }, packageArguments: [{ type: 'positional', value: '/srv' }] }] }, { updatedAt: '2025-04-01T00:00:00Z' }),
  { server: { name: 'com.example/broken', description: 'no version' }, _meta: {} },
  registryEntry('com.example/dotnet', { packages: [{ registryType: 'nuget', identifier: 'Example.Mcp', version: '1.0.0', transport: { type: 'stdio' } }] }, { updatedAt: '2025-06-01T00:00:00Z' }),
  registryEntry('com.example/gone', { remotes: [{ type: 'streamable-http', url: 'https://gone.example.com/mcp' }] }, { status: 'deleted', updatedAt: '2025-07-01T00:00:00Z' }),
];

const EXPORT_CONFIG = `gateway:
  endpoint: https://mcp.company.com
backends:
  - name: crm
    url: http://crm.internal:8000/mcp
  - name: files
    command: node
    args: [files-server.js]
  - name: legacy
    url: http://legacy.internal/mcp
    enabled: false
`;

describe('gatehouse registry import', () => {
  let registry: RegistryFixture;
  let directory: TempDirectory;
  before(async () => {
    registry = await startRegistryFixture({ entries: ENTRIES, pageSize: 2 });
    directory = await createTempDirectory();
  });
  after(async () => {
    await registry.close();
    await directory.remove();
  });

  test('prints a table of proposals from every page, with progress, the malformed entry and the deleted server on stderr', async () => {
    const run = await runProgram(GATEHOUSE, ['registry', 'import', '--from', registry.origin]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^BACKEND\s+VERSION\s+KIND\s+TARGET\s+REGISTRY NAME$/);
    assert.match(run.stdout, /^weather\s+1\.0\.0\s+http\s+https:\/\/weather\.example\.com\/mcp\s+com\.example\/weather$/m);
    assert.match(run.stdout, /^ {4}note: remotes\[0\]: needs header X-Api-Key \(a secret\)/m);
    assert.match(run.stdout, /^filesystem\s+1\.0\.0\s+stdio\s+npx -y @modelcontextprotocol\/server-filesystem@1\.0\.2 \/srv\s+io\.modelcontextprotocol\/filesystem$/m);
    assert.match(run.stdout, /^dotnet\s+1\.0\.0\s+-\s+\(not mapped\)\s+com\.example\/dotnet$/m);
    assert.doesNotMatch(run.stdout, /gone/);
    assert.match(run.stderr, /^registry import: page 1, 2 servers so far$/m);
    assert.match(run.stderr, /^registry import: page 3, 4 servers so far, 1 problem$/m);
    assert.match(run.stderr, /^warning: page 2 \(.*\): servers\[0\]\.server\.version \(com\.example\/broken\): .*; entry skipped$/m);
    assert.match(run.stderr, /^note: com\.example\/gone is deleted in the registry; not proposed$/m);
  });

  test('reads a saved answer FILE and prints JSON, honouring --updated-since', async () => {
    const saved = await directory.write('saved.json', JSON.stringify({ servers: ENTRIES, metadata: { count: ENTRIES.length } }));
    const run = await gatehouse('registry', 'import', '--from', saved, '--json', '--updated-since', '2025-03-01');
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { proposals: Array<{ registryName: string; backend: unknown; notes: string[] }> };
    assert.deepEqual(result.proposals.map((proposal) => proposal.registryName), ['io.modelcontextprotocol/filesystem', 'com.example/dotnet']);
    assert.deepEqual(result.proposals[0]!.backend, { name: 'filesystem', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem@1.0.2', '/srv'] });
    assert.doesNotMatch(run.stderr, /registry import: page/);
  });

  test('--write writes the proposed backends disabled, as a backends list that loads as a gatehouse.yaml', async () => {
    const file = join(directory.path, 'proposed.yaml');
    const run = await gatehouse('registry', 'import', '--from', registry.origin, '--write', file);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^wrote 2 proposed backends \(disabled\) to /m);
    assert.match(run.stderr, /^note: com\.example\/dotnet has no remote or package Gatehouse can run; not written/m);
    const text = await readFile(file, 'utf8');
    assert.match(text, /^ {2}# com\.example\/weather 1\.0\.0 \(remotes\[0\]\); lifecycle: proposed$/m);
    const { config } = await loadConfig(file, {});
    assert.deepEqual(config.backends.map((backend) => [backend.name, backend.kind, backend.enabled]), [['weather', 'http', false], ['filesystem', 'stdio', false]]);
    const again = await gatehouse('registry', 'import', '--from', registry.origin, '--write', file);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /proposed\.yaml exists and is not overwritten/);
  });

  test('--write-dir writes one disabled backend file per proposal that the discovery directory reads', async () => {
    const backends = join(directory.path, 'backends.d');
    const run = await gatehouse('registry', 'import', '--from', registry.origin, '--write-dir', backends);
    assert.equal(run.code, 0, run.stderr);
    const files = (await readdir(backends)).sort();
    assert.deepEqual(files, ['filesystem.yaml', 'weather.yaml']);
    for (const name of files) {
      const path = join(backends, name);
      const backend = parseBackendFile(await readFile(path, 'utf8'), path, '__');
      assert.equal(backend.enabled, false);
      assert.equal(`${backend.name}.yaml`, name);
    }
  });

  test('--dry-run prints what --write would write and writes nothing', async () => {
    const file = join(directory.path, 'not-written.yaml');
    const run = await gatehouse('registry', 'import', '--from', registry.origin, '--write', file, '--dry-run');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(existsSync(file), false);
    const printed = run.stdout.slice(run.stdout.indexOf('# Proposed by'));
    assert.deepEqual((parse(printed) as { backends: Array<{ name: string; enabled: boolean }> }).backends.map((backend) => [backend.name, backend.enabled]), [['weather', false], ['filesystem', false]]);
    assert.match(run.stderr, /^would write 2 proposed backends/m);
  });

  test('registry text with line breaks and terminal escapes reaches neither the terminal nor the YAML raw', async () => {
    const hostile = registryEntry('com.evil/paint', { remotes: [{ type: 'streamable-http', url: 'https://paint.example.com/mcp', headers: [{ name: 'X-Key\u001b[2J', isRequired: true }] }] }, { status: 'deprecated', statusMessage: 'bye\nenabled: true\u001b]0;owned\u0007' });
    const saved = await directory.write('hostile.json', JSON.stringify({ servers: [hostile] }));
    const file = join(directory.path, 'hostile.yaml');
    const result = await runInProcess('import', '--from', saved, '--write', file);
    assert.equal(result.exitCode, 0, result.err.join('\n'));
    assert.doesNotMatch([...result.out, ...result.err].join('\n'), /[\u001b\u0007]/);
    const text = await readFile(file, 'utf8');
    assert.doesNotMatch(text, /[\u001b\u0007]|^\s*enabled: true/m);
    const { config } = await loadConfig(file, {});
    assert.deepEqual(config.backends.map((backend) => [backend.name, backend.enabled]), [['paint', false]]);
  });

  test('an unreachable registry exits 1 with a message, not a stack', async () => {
    const closed = await startCountingListener();
    await closed.close();
    const run = await gatehouse('registry', 'import', '--from', closed.origin);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^page 1 \(http:\/\/127\.0\.0\.1:\d+\/v0\.1\/servers\?limit=100&version=latest\): cannot reach the registry \(ECONNREFUSED\); check the URL and the network, then retry$/m);
    assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/);
  });

  test('a bad --updated-since exits 1 naming the option', async () => {
    const run = await gatehouse('registry', 'import', '--from', registry.origin, '--updated-since', 'yesterday-ish');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /--updated-since "yesterday-ish" is not an ISO date/);
  });
});

describe('gatehouse registry export', () => {
  let directory: TempDirectory;
  before(async () => {
    directory = await createTempDirectory();
  });
  after(() => directory.remove());

  test('writes the enabled backends as a v0.1 list whose remotes are the gateway\'s endpoints, and imports back to the same names', async () => {
    const config = await directory.write('gatehouse.yaml', EXPORT_CONFIG);
    const out = join(directory.path, 'servers.json');
    const run = await gatehouse('registry', 'export', '--config', config, '--out', out);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^note: legacy is disabled; not exported$/m);
    const list = JSON.parse(await readFile(out, 'utf8')) as { servers: unknown[]; metadata: { count: number } };
    assert.equal(list.metadata.count, 2);
    const entries = list.servers.map((entry) => serverResponseSchema.parse(entry));
    assert.deepEqual(entries.map((entry) => [entry.server.name, entry.server.remotes]), [
      ['com.company.mcp/crm', [{ type: 'streamable-http', url: 'https://mcp.company.com/servers/crm/mcp' }]],
      ['com.company.mcp/files', [{ type: 'streamable-http', url: 'https://mcp.company.com/servers/files/mcp' }]],
    ]);
    assert.doesNotMatch(JSON.stringify(list), /internal|files-server/);

    const back = await gatehouse('registry', 'import', '--from', out, '--json');
    assert.equal(back.code, 0, back.stderr);
    const proposals = (JSON.parse(back.stdout) as { proposals: Array<{ backendName: string; backend: unknown }> }).proposals;
    assert.deepEqual(proposals.map((proposal) => [proposal.backendName, proposal.backend]), [
      ['crm', { name: 'crm', url: 'https://mcp.company.com/servers/crm/mcp' }],
      ['files', { name: 'files', url: 'https://mcp.company.com/servers/files/mcp' }],
    ]);
  });

  test('a config without gateway.endpoint exits 1 asking for --endpoint; --endpoint and --namespace set them', async () => {
    const config = await directory.write('no-endpoint.yaml', EXPORT_CONFIG.replace('  endpoint: https://mcp.company.com\n', '  port: 8080\n'));
    const refused = await gatehouse('registry', 'export', '--config', config);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /has no gateway\.endpoint .*pass --endpoint/);
    const run = await gatehouse('registry', 'export', '--config', config, '--endpoint', 'https://gw.example.org', '--namespace', 'org.example.tools');
    assert.equal(run.code, 0, run.stderr);
    const list = JSON.parse(run.stdout) as { servers: Array<{ server: { name: string; remotes: Array<{ url: string }> } }> };
    assert.deepEqual(list.servers.map((entry) => [entry.server.name, entry.server.remotes[0]!.url]), [
      ['org.example.tools/crm', 'https://gw.example.org/servers/crm/mcp'],
      ['org.example.tools/files', 'https://gw.example.org/servers/files/mcp'],
    ]);
  });
});
