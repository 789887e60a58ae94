// Audit store outages under load, through `gatehouse start` children and the
// official SDK clients of both revisions: the test's own PostgreSQL stopped
// (pg_ctl -m immediate) and its SQLite file locked by another connection.
// The processes survive; fail-closed refuses with 503 + Retry-After and the
// backend never sees the refused call; fail-open answers and, once the store
// is back, every answered call has its records and `audit verify` passes;
// /readyz goes not ready and back.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gatehouseCli as cli, startGateway, type GatewayProcess } from '@gatehouse/testing/gateway/launch-gateway';
import { connectV1, connectV2 } from '../fixtures/clients.ts';
import { modernRequest, post } from '../fixtures/raw-http.ts';
import { privatePostgresSkip, startPrivatePostgres, type PrivatePostgres } from '../fixtures/private-postgres.ts';
import { sendJson, startRecordingServer, type RecordingServer } from '../upstream/fixtures/recording-server.ts';

const run = promisify(execFile);

/** A 2026-07-28 backend whose `update_entry` changes data (no readOnlyHint) and whose every call the test can count. */
function startLedgerBackend(): Promise<RecordingServer> {
  return startRecordingServer((request, res) => {
    const { id, method, params } = request.body ?? {};
    const results: Record<string, unknown> = {
      'server/discover': { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, ttlMs: 60_000, cacheScope: 'public' },
      'tools/list': {
        resultType: 'complete',
        tools: [
          { name: 'update_entry', inputSchema: { type: 'object' }, annotations: { readOnlyHint: false } },
          { name: 'read_entry', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } },
        ],
        ttlMs: 60_000,
        cacheScope: 'public',
      },
      'tools/call': { resultType: 'complete', content: [{ type: 'text', text: `done ${String(params?.arguments?.entry)}` }] },
    };
    const result = results[method];
    if (result === undefined) return sendJson(res, 404, { jsonrpc: '2.0', id, error: { code: -32601, message: 'not here' } });
    sendJson(res, 200, { jsonrpc: '2.0', id, result });
  });
}

/** Entry ids the backend was asked to update. */
function entriesSeen(backend: RecordingServer): Set<string> {
  return new Set(backend.requests.filter((request) => request.body?.method === 'tools/call').map((request) => String(request.body.params?.arguments?.entry)));
}

interface Load {
  answered: string[];
  refused: string[];
  stop(): Promise<void>;
}

/** Two SDK clients (2025-11-25 sessions and 2026-07-28) calling ledger__update_entry in a loop, each call with its own entry id. */
async function startLoad(url: string, label: string): Promise<Load> {
  const clients = [await connectV1(url), await connectV2(url, 'auto')];
  const answered: string[] = [];
  const refused: string[] = [];
  let isStopped = false;
  let next = 0;
  const loops = clients.map(async (client, index) => {
    while (!isStopped) {
      const entry = `${label}-${index}-${next++}`;
      try {
        await client.callTool({ name: 'ledger__update_entry', arguments: { entry } });
        answered.push(entry);
      } catch {
        refused.push(entry);
        await sleep(50);
      }
    }
  });
  return {
    answered,
    refused,
    stop: async () => {
      isStopped = true;
      await Promise.all(loops);
      await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    },
  };
}

async function readyz(gateway: GatewayProcess): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gateway.adminUrl}/readyz`);
  return { status: response.status, body: await response.json() };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

type AuditEntry = { audit_id: string; operation: { name: string | null; arguments: { entry?: string } | null }; result: { status: string }; context: { attempt_id?: string } };

async function queryRecords(configPath: string): Promise<AuditEntry[]> {
  const { stdout } = await run(process.execPath, [cli, 'audit', 'query', '--config', configPath, '--tool', 'update_entry', '--all', '--limit', '10000', '--format', 'json'], { maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(stdout) as AuditEntry[];
}

interface Outage {
  begin(): Promise<void>;
  end(): Promise<void>;
}

interface StoreCase {
  name: string;
  skip: string | false;
  /** The audit section's store lines for a gateway, and how to make and end an outage of that store. */
  prepare(directory: string): Promise<{ storeLines: (failMode: string) => string[]; outage: Outage; cleanup(): Promise<void> }>;
}

const CASES: StoreCase[] = [
  {
    name: 'PostgreSQL (its own server, stopped with pg_ctl -m immediate)',
    skip: privatePostgresSkip(),
    async prepare() {
      const postgres: PrivatePostgres = await startPrivatePostgres();
      return {
        storeLines: (failMode) => ['  store: postgres', `  postgres_url: ${postgres.url}`, `  postgres_schema: outage_${failMode}`],
        outage: { begin: () => postgres.stop(), end: () => postgres.start() },
        cleanup: () => postgres.remove(),
      };
    },
  },
  {
    name: 'SQLite (its file locked by another connection)',
    skip: false,
    async prepare(directory) {
      const lockers: DatabaseSync[] = [];
      return {
        storeLines: (failMode) => ['  store: sqlite', `  path: audit-${failMode}.db`],
        outage: {
          begin: async () => {
            // A write lock held elsewhere: the writer's BEGIN IMMEDIATE waits out its busy timeout and fails.
            for (const failMode of ['closed', 'open']) {
              const locker = new DatabaseSync(join(directory, `audit-${failMode}.db`), { timeout: 10_000 });
              locker.exec('BEGIN IMMEDIATE');
              lockers.push(locker);
            }
          },
          end: async () => {
            for (const locker of lockers.splice(0)) {
              locker.exec('ROLLBACK');
              locker.close();
            }
          },
        },
        cleanup: async () => {},
      };
    },
  },
];

for (const storeCase of CASES) {
  describe(`an audit store outage under load: ${storeCase.name}`, { skip: storeCase.skip }, () => {
    let directory: string;
    let backend: RecordingServer;
    let store: Awaited<ReturnType<StoreCase['prepare']>>;
    const gateways = new Map<string, { process: GatewayProcess; configPath: string }>();
    before(async () => {
      directory = await mkdtemp(join(tmpdir(), 'gatehouse-audit-outage-'));
      backend = await startLedgerBackend();
      store = await storeCase.prepare(directory);
      for (const failMode of ['closed', 'open']) {
        const configPath = join(directory, `gatehouse-${failMode}.yaml`);
        await writeFile(configPath, [
          'gateway:', `  id: outage-${failMode}`,
          'audit:', ...store.storeLines(failMode), `  fail_mode: ${failMode}`, `  fail_mode_for_changes: ${failMode}`, '  retention_interval_hours: 0',
          `  signing_key: key-${failMode}.pem`, `  spool_path: spool-${failMode}.jsonl`,
          'backends:', '  - name: ledger', `    url: ${backend.url}`, '',
        ].join('\n'));
        const process = await startGateway({ args: ['--config', configPath, '--port', '0', '--admin-port', '0', '--allow-anonymous'], env: { GATEHOUSE_LOG_LEVEL: 'error' }, waitFor: 'ready', timeoutMs: 90_000 });
        gateways.set(failMode, { process, configPath });
      }
    });
    after(async () => {
      await store?.outage.end().catch(() => undefined);
      for (const { process } of gateways.values()) await process.close();
      await store?.cleanup();
      await backend?.close();
      await rm(directory, { recursive: true, force: true });
    });

    it('survives, refuses fail-closed with 503 + Retry-After before the backend acts, answers fail-open, and keeps every record', { timeout: 300_000 }, async () => {
      const closed = gateways.get('closed')!;
      const open = gateways.get('open')!;
      const loads = { closed: await startLoad(closed.process.url, 'closed'), open: await startLoad(open.process.url, 'open') };
      await sleep(1_000);
      await store.outage.begin();
      await waitFor('both replicas report the audit outage on /readyz', async () => (await readyz(closed.process)).status === 503 && (await readyz(open.process)).status === 503);
      const notReady = await readyz(closed.process);
      assert.equal(notReady.body.status, 'audit_store_unavailable');
      assert.equal(notReady.body.auditStore.available, false);
      assert.equal(typeof notReady.body.auditStore.reason, 'string');

      // The attack of issue 14 item 9: a write while the store is down, fail-closed.
      const attack = modernRequest(1, 'tools/call', { name: 'ledger__update_entry', arguments: { entry: 'attack-while-down' } });
      const refusal = await post(closed.process.url, attack.body, attack.headers);
      assert.equal(refusal.status, 503, refusal.text);
      assert.equal(refusal.headers.get('retry-after'), '5');
      assert.equal(refusal.body.error.data.reason, 'audit_unavailable');
      assert.match(refusal.body.error.message, /nothing was done/);
      const answeredOpen = loads.open.answered.length;
      await sleep(1_500);
      assert.ok(loads.open.answered.length > answeredOpen, 'fail-open keeps answering during the outage');
      assert.equal(entriesSeen(backend).has('attack-while-down'), false, 'the refused call never reached the backend');

      await store.outage.end();
      await waitFor('both replicas are ready again with their spools replayed', async () => {
        const states = [await readyz(closed.process), await readyz(open.process)];
        return states.every((state) => state.status === 200 && state.body.auditStore.spooled === 0);
      });
      await sleep(500);
      await loads.closed.stop();
      await loads.open.stop();
      for (const { process } of gateways.values()) assert.equal(process.process.exitCode, null, `a gateway died: ${process.stderr().slice(-2000)}`);
      assert.ok(loads.closed.refused.length > 0, 'fail-closed refused calls during the outage');
      for (const { process } of gateways.values()) await process.close();

      for (const [failMode, { configPath }] of gateways) {
        const records = await queryRecords(configPath);
        const attempts = new Set(records.filter((record) => record.result.status === 'attempted').map((record) => record.operation.arguments?.entry));
        const outcomes = new Set(records.filter((record) => record.result.status !== 'attempted' && record.context.attempt_id !== undefined).map((record) => record.operation.arguments?.entry));
        const load = loads[failMode as 'closed' | 'open'];
        const missing = load.answered.filter((entry) => !attempts.has(entry) || !outcomes.has(entry));
        assert.deepEqual(missing, [], `${failMode}: every answered call has its attempt and its outcome record`);
        // No backend action without its record: every update the backend saw was recorded first.
        const unrecorded = [...entriesSeen(backend)].filter((entry) => entry.startsWith(`${failMode}-`) && !attempts.has(entry));
        assert.deepEqual(unrecorded, [], `${failMode}: the backend acted on no call without its attempt record`);
        const verified = await run(process.execPath, [cli, 'audit', 'verify', '--config', configPath]);
        assert.match(verified.stdout, /ok|verified/i);
      }
    });
  });
}
