// The registry store at both edges of the MCP Registry API, over real HTTP:
// `gatehouse registry import --from URL --propose` reads a local registry
// fixture (the v0.1 `GET /v0.1/servers` shape) and proposes each server as a
// registry entry through the admin API (the token's principal the proposer);
// after another admin's review, `gatehouse registry export --store` publishes
// the store's reviewed entries in the same shape, reached through the gateway.
// On a SQLite and a PostgreSQL store.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { startGateway, type RunningGateway } from '../../src/gateway.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { agentToken } from '../../src/cli/commands/token.ts';
import type { GatewayConfig } from '../../src/config/schema.ts';
import { registerRegistryCommand } from '../../src/cli/commands/registry.ts';
import { registerRegistryLifecycleCommands } from '../../src/cli/commands/registry-lifecycle.ts';
import { gatewayConfig, httpBackend } from '../fixtures/gateway-config.ts';
import { useEmbeddedIdentity } from '../fixtures/embedded-default-identity.ts';
import { registryEntry, startRegistryFixture, type RegistryFixture } from '../fixtures/mcp-registry-server.ts';
import { dropSchema, POSTGRES_URL, postgresSkip } from '../audit/fixtures/audit-fixtures.ts';

const pgSkip = await postgresSkip();
const AGENTS = [
  { name: 'importer', secret: 'importer-test-secret', scopes: ['gatehouse.admin'], roles: ['platform'], description: 'test agent' },
  { name: 'reviewer', secret: 'reviewer-test-secret', scopes: ['gatehouse.admin'], roles: ['platform'], description: 'test agent' },
  { name: 'second', secret: 'second-test-secret', scopes: ['gatehouse.admin'], roles: ['platform'], description: 'test agent' },
];

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`registry import --propose and export --store (${kind} store)`, { skip: kind === 'postgres' ? pgSkip : false }, () => {
    let directory: string;
    let fixture: RegistryFixture;
    let config: GatewayConfig;
    let gateway: RunningGateway;
    const tokens: Record<string, string> = {};
    const schema = `registry_exchange_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

    before(async () => {
      directory = await mkdtemp(join(tmpdir(), 'gatehouse-registry-exchange-'));
      fixture = await startRegistryFixture({ entries: [
        registryEntry('io.github.acme/weather', { title: 'Weather', remotes: [{ type: 'streamable-http', url: 'https://weather.acme.example/mcp' }], repository: { url: 'https://github.com/acme/weather-mcp', source: 'github' }, version: '2.1.0' }),
        registryEntry('io.github.acme/tickets', { remotes: [{ type: 'streamable-http', url: 'https://tickets.acme.example/mcp' }] }),
      ] });
      // The config's own backend is pre-approved (active); it points nowhere reachable, which the registry does not mind.
      config = gatewayConfig([httpBackend('known', 'http://127.0.0.1:9/mcp')]);
      useEmbeddedIdentity(config, { embeddedIdp: { port: 0, agents: AGENTS } });
      config.registry = { store: kind === 'sqlite' ? { kind, path: join(directory, 'registry.db') } : { kind, url: POSTGRES_URL, schema }, enforce: true };
      gateway = await startGateway(config, { logger: silentLogger, adminPort: 0 });
      const base = gateway.url.replace(/\/mcp$/, '');
      for (const agent of AGENTS) tokens[agent.name] = (await agentToken(base, agent.name, agent.secret)).token;
    });
    after(async () => {
      await gateway?.close();
      await fixture?.close();
      if (kind === 'postgres') await dropSchema(schema);
      await rm(directory, { recursive: true, force: true });
    });

    async function cli(agent: string, ...args: string[]): Promise<{ out: string[]; err: string[]; exitCode: number }> {
      const result = { out: [] as string[], err: [] as string[], exitCode: 0 };
      const io = { out: (line: string) => result.out.push(line), err: (line: string) => result.err.push(line), fail: (code: number) => { result.exitCode = code; }, env: { GATEHOUSE_ADMIN_TOKEN: tokens[agent] } };
      const program = new Command('gatehouse').exitOverride();
      registerRegistryLifecycleCommands(registerRegistryCommand(program, io), io);
      await program.parseAsync(['node', 'gatehouse', 'registry', ...args]);
      return result;
    }
    async function admin(agent: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
      const response = await fetch(`${gateway.adminUrl}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${tokens[agent]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: response.status, body: await response.json() };
    }

    it('proposes every imported server into the store, the importer its proposer, and leaves existing ones alone on a second import', async () => {
      const imported = await cli('importer', 'import', '--from', fixture.origin, '--propose', '--owner', 'team:platform', '--risk-tier', 'high', '--admin', gateway.adminUrl!);
      assert.equal(imported.exitCode, 0, imported.err.join('\n'));
      assert.ok(imported.err.includes(`proposed 2 registry entries through ${gateway.adminUrl}; list them with gatehouse registry list --state proposed`), imported.err.join('\n'));
      const proposed = (await admin('reviewer', '/admin/registry?state=proposed')).body.entries;
      assert.deepEqual(proposed.map((entry: any) => [entry.spec.name, entry.status.proposedBy, entry.spec.owner, entry.spec.riskTier, entry.spec.preApproved]), [
        ['tickets', 'agent:importer', 'team:platform', 'high', false],
        ['weather', 'agent:importer', 'team:platform', 'high', false],
      ]);
      const weather = proposed.find((entry: any) => entry.spec.name === 'weather');
      assert.deepEqual([weather.spec.version, weather.spec.links, weather.spec.description], ['2.1.0', { repo: 'https://github.com/acme/weather-mcp' }, 'Weather: weather tools']);

      const again = await cli('importer', 'import', '--from', fixture.origin, '--propose', '--admin', gateway.adminUrl!);
      assert.equal(again.exitCode, 0);
      assert.equal(again.err.filter((line) => /^warning: (weather|tickets) not proposed: 409 already_exists: /.test(line)).length, 2, again.err.join('\n'));
      assert.equal((await admin('reviewer', '/admin/registry/weather')).body.entry.spec.owner, 'team:platform', 'the second import changed nothing');
    });

    it('stops at once, proposing nothing, without an admin token', async () => {
      const result = { out: [] as string[], err: [] as string[], exitCode: 0 };
      const io = { out: (line: string) => result.out.push(line), err: (line: string) => result.err.push(line), fail: (code: number) => { result.exitCode = code; }, env: {} };
      const program = new Command('gatehouse').exitOverride();
      registerRegistryCommand(program, io);
      await program.parseAsync(['node', 'gatehouse', 'registry', 'import', '--from', fixture.origin, '--propose', '--admin', gateway.adminUrl!]);
      assert.equal(result.exitCode, 1);
      assert.match(result.err.at(-1)!, /an admin token is needed/);
    });

    it('exports the store\'s reviewed entries, and only those, in the /v0.1/servers shape through the gateway', async () => {
      // The importer submits weather; two other admins approve it (a high tier needs two, never the proposer); it goes live.
      const steps: [string, Record<string, unknown>][] = [
        ['importer', { to: 'in_review', reason: 'imported, review it' }],
        ['reviewer', { to: 'in_review', reason: 'vetted', review: { decision: 'approve' } }],
        ['second', { to: 'approved', reason: 'vetted too', review: { decision: 'approve' } }],
        ['reviewer', { to: 'active', reason: 'go live' }],
      ];
      assert.equal((await admin('importer', '/admin/registry/weather/transitions', { to: 'approved', reason: 'mine', review: { decision: 'approve' } })).body.code, 'illegal_transition', 'proposed cannot be approved directly');
      for (const [agent, body] of steps) {
        const answer = await admin(agent, '/admin/registry/weather/transitions', body);
        assert.equal(answer.status, 200, `${agent}: ${JSON.stringify(answer.body)}`);
      }
      const storeLines = kind === 'sqlite' ? ['  store: sqlite', `  path: ${join(directory, 'registry.db')}`] : [`  store: ${POSTGRES_URL}`, `  postgres_schema: ${schema}`];
      const configPath = join(directory, 'gatehouse.yaml');
      await writeFile(configPath, ['gateway:', '  endpoint: https://mcp.company.example/mcp', 'registry:', ...storeLines, 'backends:', '  - name: known', '    url: http://127.0.0.1:9/mcp', ''].join('\n'));
      const out = join(directory, 'servers.json');
      const exported = await cli('reviewer', 'export', '--config', configPath, '--store', '--out', out);
      assert.equal(exported.exitCode, 0, exported.err.join('\n'));
      const list = JSON.parse(await readFile(out, 'utf8'));
      assert.deepEqual(list.servers.map((entry: any) => [entry.server.name, entry.server.remotes, entry._meta['io.modelcontextprotocol.registry/official'].status]), [
        ['example.company.mcp/known', [{ type: 'streamable-http', url: 'https://mcp.company.example/mcp/servers/known/mcp' }], 'active'],
        ['example.company.mcp/weather', [{ type: 'streamable-http', url: 'https://mcp.company.example/mcp/servers/weather/mcp' }], 'active'],
      ], 'tickets is only proposed: not published');
      const weather = list.servers[1].server;
      assert.deepEqual([weather.version, weather.repository, weather.description], ['2.1.0', { url: 'https://github.com/acme/weather-mcp', source: 'github' }, 'Weather: weather tools']);
      assert.deepEqual(list.metadata, { count: 2 });

      // Deprecated entries are still published, marked so, with who to ask.
      assert.equal((await admin('reviewer', '/admin/registry/weather/transitions', { to: 'deprecated', reason: 'weather-v2 is coming' })).status, 200);
      const again = await cli('reviewer', 'export', '--config', configPath, '--store');
      const official = JSON.parse(again.out.join('\n')).servers[1]._meta['io.modelcontextprotocol.registry/official'];
      assert.equal(official.status, 'deprecated');
      assert.match(official.statusMessage, /^deprecated since .*; its owner is team:platform$/);
    });
  });
}
