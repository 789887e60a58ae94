// What `npm start` and the Docker image run: the gateway bundled by
// scripts/build-bundle.ts. Built here from the sources into a folder of its
// own, started on the embedded default (demo backends over stdio, the
// embedded identity provider, SQLite audit) as a real child process, then
// used through the official SDK client with a token the bundle's own
// `token` subcommand got: the files the sources find beside themselves (the
// default config, the demo servers, the OpenAPI document, the console) must
// be found from the bundle too.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { backendScripts, startHttpBackend } from '@gatehouse/testing/backends/launch';
import { startGateway, type GatewayProcess } from '@gatehouse/testing/gateway/launch-gateway';
import pg from 'pg';
import { buildGatewayBundle } from '../../scripts/build-bundle.ts';
import { isOneByte } from '../../scripts/one-byte-source.ts';
import { dropSchema, POSTGRES_URL, postgresSkip, uniqueSchema } from '../audit/fixtures/audit-fixtures.ts';
import { redisSkipReason, SHARED_REDIS_URL } from '../fixtures/redis.ts';

const run = promisify(execFile);
const gatewayPackage = fileURLToPath(new URL('../../', import.meta.url));
const consoleBuilt = existsSync(fileURLToPath(new URL('../../../console/dist/index.html', import.meta.url)));

describe('the bundled gateway (npm start, the Docker image)', () => {
  let directory: string;
  let entry: string;
  let gateway: GatewayProcess | undefined;
  let token: string;

  before(async () => {
    // Inside the package, as packages/gateway/dist is: the bundle's few runtime requires resolve from node_modules above it.
    directory = await mkdtemp(`${gatewayPackage}.bundle-test-`);
    entry = await buildGatewayBundle(directory);
    gateway = await startGateway({ cli: entry, args: ['--port', '0', '--admin-port', '0'], waitFor: 'ready', env: { GATEHOUSE_LOG_LEVEL: 'warn' } });
    const { stdout } = await run(process.execPath, [entry, 'token', '--agent', 'admin', '--gateway', gateway.url.replace(/\/mcp$/, '')], { timeout: 60_000 });
    token = stdout.trim().split('\n').at(-1)!;
  });
  after(async () => {
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('is a few files, with each part loaded on demand in a chunk of its own', async () => {
    const modules = (await readdir(directory)).filter((name) => name.endsWith('.mjs'));
    assert.ok(modules.includes('gatehouse.mjs'));
    // The lazily loaded parts (subcommands, policy types, stores) stay separate, so a start does not load them.
    assert.ok(modules.length > 20 && modules.length < 400, `${modules.length} chunks`);
  });

  it('holds every chunk to one byte per character, so V8 keeps its source at half the size', async () => {
    const modules = (await readdir(directory)).filter((name) => name.endsWith('.mjs'));
    const wide = [];
    for (const name of modules) if (!isOneByte(await readFile(join(directory, name), 'utf8'))) wide.push(name);
    assert.deepEqual(wide, []);
  });

  it('starts the embedded default with every demo backend ready', async () => {
    const readiness = (await (await fetch(`${gateway!.adminUrl}/readyz`)).json()) as { backends: Array<{ name: string; state: string }> };
    assert.deepEqual(readiness.backends.map((backend) => [backend.name, backend.state]), [['crm', 'ready'], ['docs', 'ready'], ['everything', 'ready']]);
  });

  it('lists and calls tools through the SDK client with the token its token subcommand got', async () => {
    const client = new Client({ name: 'bundle-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gateway!.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      for (const name of ['crm__get_customer', 'docs__search_docs']) assert.ok(names.includes(name), names.join(', '));
      assert.ok(names.some((name) => name.startsWith('everything__')), names.join(', '));
      const result = await client.callTool({ name: 'crm__echo', arguments: { message: 'through the bundle' } });
      assert.match(JSON.stringify(result.content), /through the bundle/);
    } finally {
      await client.close();
    }
  });

  it('refuses a caller without a token', async () => {
    const response = await fetch(gateway!.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}' });
    assert.equal(response.status, 401);
  });

  it('serves the OpenAPI document and the console from the files beside the sources', async () => {
    const openapi = await fetch(`${gateway!.adminUrl}/admin/openapi.json`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(openapi.status, 200);
    assert.match(((await openapi.json()) as { openapi: string }).openapi, /^3\.1/);
    const console = await fetch(`${gateway!.adminUrl}/console/`);
    const page = await console.text();
    if (consoleBuilt) {
      assert.equal(console.status, 200);
      assert.match(page, /<div id="root">|<script/);
    } else {
      assert.match(page, /the web console is not built/);
    }
  });

  it('forwards to an HTTP backend (undici, preloaded into a chunk of its own)', async () => {
    const backend = await startHttpBackend(backendScripts.v2);
    const configPath = join(directory, 'http-backend.yaml');
    await writeFile(configPath, `gateway:\n  host: 127.0.0.1\nbackends:\n  - name: web\n    url: ${backend.url}\n`);
    const httpGateway = await startGateway({ cli: entry, args: ['--config', configPath, '--port', '0', '--admin-port', '0'], waitFor: 'ready', env: { GATEHOUSE_LOG_LEVEL: 'warn' } });
    const client = new Client({ name: 'bundle-test', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(httpGateway.url)));
      const result = await client.callTool({ name: 'web__echo', arguments: { message: 'over HTTP from the bundle' } });
      assert.match(JSON.stringify(result.content), /over HTTP from the bundle/);
    } finally {
      await client.close();
      await httpGateway.close();
      await backend.close();
    }
  });

  it('audits into PostgreSQL and keeps sessions in Redis (pg and redis, each in its chunk)', async (context) => {
    const skip = (await postgresSkip()) || (await redisSkipReason());
    if (skip) return context.skip(skip);
    const backend = await startHttpBackend(backendScripts.v2);
    const schema = uniqueSchema('bundle');
    const configPath = join(directory, 'shared-stores.yaml');
    await writeFile(configPath, [
      'gateway:', '  host: 127.0.0.1',
      `session_store: ${SHARED_REDIS_URL}`, `session_key_prefix: bundle-test-${process.pid}`,
      'audit:', '  store: postgres', `  postgres_url: ${POSTGRES_URL}`, `  postgres_schema: ${schema}`,
      'backends:', '  - name: web', `    url: ${backend.url}`, '',
    ].join('\n'));
    const sharedGateway = await startGateway({ cli: entry, args: ['--config', configPath, '--port', '0', '--admin-port', '0'], waitFor: 'ready', env: { GATEHOUSE_LOG_LEVEL: 'warn' } });
    const client = new Client({ name: 'bundle-test', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(sharedGateway.url)));
      await client.callTool({ name: 'web__echo', arguments: { message: 'audited in PostgreSQL' } });
      // /readyz names the session store it checks.
      assert.match(await (await fetch(`${sharedGateway.adminUrl}/readyz`)).text(), /"redis"/);
      const database = new pg.Client({ connectionString: POSTGRES_URL });
      await database.connect();
      try {
        const { rows } = await database.query(`SELECT count(*)::int AS n FROM "${schema}".audit_records WHERE record::text LIKE '%audited in PostgreSQL%'`);
        assert.ok(rows[0].n >= 1, 'the call is audited in PostgreSQL');
      } finally {
        await database.end();
      }
    } finally {
      await client.close();
      await sharedGateway.close();
      await backend.close();
      await dropSchema(schema);
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    gateway!.process.kill('SIGTERM');
    assert.equal((await gateway!.exited).code, 0);
    gateway = undefined;
  });
});
