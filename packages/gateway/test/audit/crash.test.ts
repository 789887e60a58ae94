// The crash test: a process appends with group commit and is killed with
// SIGKILL mid-stream; every record it reported durable (as a gateway would
// answer its call) is in the store afterwards, the log verifies, and a
// restarted writer continues it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSigningKey } from '../../src/audit/checkpoint.ts';
import { PostgresAuditSink } from '../../src/audit/postgres-sink.ts';
import { PostgresAuditStore } from '../../src/audit/postgres-store.ts';
import type { AuditStore } from '../../src/audit/sink.ts';
import { SqliteAuditSink } from '../../src/audit/sqlite-sink.ts';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.ts';
import { verifyStore } from '../../src/audit/verify.ts';
import { createTempDirectory, dropSchema, POSTGRES_URL, postgresSkip, recordsFor, trusted, uniqueSchema, type TempDirectory } from './fixtures/audit-fixtures.ts';

const CHILD = fileURLToPath(new URL('./fixtures/append-child.ts', import.meta.url));
const pgSkip = await postgresSkip();
/** How many durable reports to wait for before the kill. */
const KILL_AFTER = 3_000;

/** Runs the child until it reported KILL_AFTER durable records, kills it with SIGKILL, and returns every audit_id it reported. */
function appendUntilKilled(kind: string, location: string, keyPath: string): Promise<Set<string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, kind, location, keyPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    const durable = new Set<string>();
    let buffered = '';
    let isKilled = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line.startsWith('durable ')) durable.add(line.slice('durable '.length));
      if (!isKilled && durable.size >= KILL_AFTER) {
        isKilled = true;
        child.kill('SIGKILL');
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(durable);
      else reject(new Error(`the appending child exited with ${code ?? signal} before it was killed`));
    });
  });
}

async function storedIds(store: AuditStore): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const log of await store.listLogs()) {
    for (let seq = 0; ; ) {
      const entries = await store.readEntries(log.logId, seq, 5_000);
      for (const entry of entries) ids.add(entry.columns.auditId);
      if (entries.length < 5_000) break;
      seq = entries.at(-1)!.seq + 1;
    }
  }
  return ids;
}

// `sqlite-normal` (no WAL sync) promises durability across a process crash: this is that crash.
for (const kind of ['sqlite', 'sqlite-normal', 'postgres'] as const) {
  describe(`a ${kind} writer killed with SIGKILL`, { skip: kind === 'postgres' ? pgSkip : false }, () => {
    let directory: TempDirectory;
    const schema = uniqueSchema('crash');
    before(async () => {
      directory = await createTempDirectory();
    });
    after(async () => {
      await directory.remove();
      if (kind === 'postgres') await dropSchema(schema);
    });

    it('keeps every record it reported durable, verifies, and continues after a restart', async () => {
      const keyPath = join(directory.path, 'key.pem');
      const location = kind === 'postgres' ? schema : join(directory.path, 'audit.db');
      const durable = await appendUntilKilled(kind, location, keyPath);
      assert.ok(durable.size >= KILL_AFTER);

      const key = (await readSigningKey(keyPath))!;
      const store: AuditStore = kind !== 'postgres' ? new SqliteAuditStore(location) : await PostgresAuditStore.open({ url: POSTGRES_URL, schema });
      try {
        const stored = await storedIds(store);
        const missing = [...durable].filter((id) => !stored.has(id));
        assert.deepEqual(missing, [], `${missing.length} of ${durable.size} acknowledged records are missing`);
        const report = await verifyStore(store, { trustedKeys: trusted(key) });
        assert.equal(report.failure, undefined);

        const sink = kind === 'sqlite'
          ? await SqliteAuditSink.open({ path: location, gatewayId: 'crash-test', signingKey: key })
          : kind === 'sqlite-normal'
          ? await SqliteAuditSink.open({ path: location, gatewayId: 'crash-test', signingKey: key, synchronous: 'normal' })
          : await PostgresAuditSink.open({ store: store as PostgresAuditStore, gatewayId: 'crash-test', signingKey: key });
        const before = (await store.listLogs()).find((log) => log.logId === 'crash-test/routine')!.size;
        const receipt = await sink.append(recordsFor(1)[0]!);
        assert.equal(receipt.seq, before);
        await sink.close();
        const after = await verifyStore(store, { trustedKeys: trusted(key) });
        assert.equal(after.failure, undefined);
        assert.equal(after.logs.find((log) => log.logId === 'crash-test/routine')?.latestCheckpoint?.treeSize, before + 1);
      } finally {
        await store.close();
      }
    });
  });
}
