// SIEM export from a real SQLite store: JSON lines to a file, HTTP POST to a
// webhook on 127.0.0.1, and NATS JetStream (skipped when NATS is absent,
// unless CI=true), each resuming from its stored offset.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { isAuditError } from '../../src/audit/errors.ts';
import { FileDestination, NatsDestination, WebhookDestination } from '../../src/audit/export-destinations.ts';
import { exportOnce } from '../../src/audit/export.ts';
import { SqliteAuditStore } from '../../src/audit/sqlite-store.ts';
import { entryHash } from '../../src/audit/hash-chain.ts';
import { canonicalJson } from '../../src/audit/canonical-json.ts';
import { createTempDirectory, NATS_URL, natsSkip, openSqlite, recordsFor, type OpenedStore, type TempDirectory } from './fixtures/audit-fixtures.ts';

const EXPORT_CHILD = fileURLToPath(new URL('./fixtures/export-child.ts', import.meta.url));
const skipNats = await natsSkip();

describe('export to a JSON-lines file', () => {
  let directory: TempDirectory;
  let opened: OpenedStore;
  before(async () => {
    directory = await createTempDirectory();
    opened = await openSqlite(directory.path);
    for (const record of [...recordsFor(30), ...recordsFor(5, 'auth_failure')]) await opened.sink.append(record);
  });
  after(async () => {
    await opened.close();
    await directory.remove();
  });

  it('writes every record once, as a line a SIEM can check against the chain', async () => {
    const path = join(directory.path, 'audit.jsonl');
    const report = await exportOnce(opened.store, new FileDestination(path), { batchSize: 7 });
    assert.equal(report.exported, 35);
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
    assert.equal(lines.length, 35);
    const first = lines[0]!;
    const { integrity, ...record } = first;
    assert.equal(integrity.hash, entryHash(integrity.log_id, integrity.seq, Buffer.from(integrity.prev_hash, 'hex'), canonicalJson(record)).toString('hex'));
  });

  it('resumes after the last exported record and sends only what is new', async () => {
    const path = join(directory.path, 'resume.jsonl');
    await exportOnce(opened.store, new FileDestination(path), { exporter: 'resume' });
    for (const record of recordsFor(4)) await opened.sink.append(record);
    const report = await exportOnce(opened.store, new FileDestination(path), { exporter: 'resume' });
    assert.equal(report.exported, 4);
    const ids = (await readFile(path, 'utf8')).trimEnd().split('\n').map((line) => (JSON.parse(line) as { audit_id: string }).audit_id);
    assert.equal(new Set(ids).size, ids.length);
  });
});

describe('export to a webhook', () => {
  let directory: TempDirectory;
  let opened: OpenedStore;
  let server: Server;
  let url: string;
  const received: string[] = [];
  let failuresToSend: number[] = [];
  before(async () => {
    directory = await createTempDirectory();
    opened = await openSqlite(directory.path);
    for (const record of recordsFor(12)) await opened.sink.append(record);
    server = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        const status = failuresToSend.shift();
        if (status !== undefined) {
          response.writeHead(status).end();
          return;
        }
        assert.equal(request.headers['content-type'], 'application/x-ndjson');
        assert.equal(request.headers.authorization, 'Bearer siem-token');
        received.push(...body.trimEnd().split('\n'));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`;
  });
  after(async () => {
    server.close();
    await opened.close();
    await directory.remove();
  });

  it('posts batches of JSON lines and retries a transient failure', async () => {
    failuresToSend = [503];
    const report = await exportOnce(opened.store, new WebhookDestination(url, { headers: { authorization: 'Bearer siem-token' } }), { batchSize: 5, exporter: 'hook' });
    assert.equal(report.exported, 12);
    assert.equal(received.length, 12);
  });

  it('stops at a permanent refusal with a coded error and keeps the offset before that batch', async () => {
    failuresToSend = [400];
    for (const record of recordsFor(3)) await opened.sink.append(record);
    await assert.rejects(exportOnce(opened.store, new WebhookDestination(url, { headers: { authorization: 'Bearer siem-token' } }), { exporter: 'hook' }), (error) => isAuditError(error) && error.code === 'audit_export_failed' && !error.isTransient);
    assert.equal(await opened.store.readExportOffset('hook', 'gw-test/routine'), 12);
  });
});

describe('export to NATS JetStream', { skip: skipNats }, () => {
  let directory: TempDirectory;
  const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const subject = `gatehouse_test_${suffix}`;
  const stream = `GATEHOUSE_TEST_${suffix}`;
  before(async () => {
    directory = await createTempDirectory();
  });
  after(async () => {
    const connection = await connect({ servers: NATS_URL });
    await (await jetstreamManager(connection)).streams.delete(stream).catch(() => false);
    await connection.drain();
    await directory.remove();
  });

  it('resumes after the exporter is killed midway, with no gap and no duplicate', async () => {
    const opened = await openSqlite(directory.path);
    const records = [...recordsFor(400), ...recordsFor(50, 'admin_action')];
    for (const record of records) await opened.sink.append(record);
    await opened.sink.close();
    await opened.store.close();
    const path = join(directory.path, 'audit.db');

    const batches = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [EXPORT_CHILD, path, NATS_URL, subject, stream], { stdio: ['ignore', 'pipe', 'inherit'] });
      let seen = 0;
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        seen += chunk.split('\n').filter((line) => line.startsWith('batch ')).length;
        if (seen >= 4) child.kill('SIGKILL');
      });
      child.once('error', reject);
      child.once('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(seen) : reject(new Error('the exporter finished before it was killed'))));
    });
    assert.ok(batches >= 4);

    const store = new SqliteAuditStore(path);
    const destination = new NatsDestination({ servers: NATS_URL, subject, stream });
    try {
      const resumed = await exportOnce(store, destination);
      assert.ok(resumed.exported < records.length, 'the second run resumed instead of starting over');
      assert.ok(resumed.exported >= records.length - batches * 25);
    } finally {
      await destination.close();
      await store.close();
    }

    const connection = await connect({ servers: NATS_URL });
    try {
      assert.equal((await (await jetstreamManager(connection)).streams.info(stream)).state.messages, records.length);
      const consumer = await jetstream(connection).consumers.get(stream);
      const ids: string[] = [];
      const messages = await consumer.fetch({ max_messages: records.length, expires: 5_000 });
      for await (const message of messages) {
        ids.push((JSON.parse(new TextDecoder().decode(message.data)) as { audit_id: string }).audit_id);
        if (ids.length === records.length) break;
      }
      assert.equal(ids.length, records.length);
      assert.deepEqual(new Set(ids), new Set(records.map((record) => record.audit_id)));
    } finally {
      await connection.drain();
    }
  });
});
