// The SQLite sink's worker thread: owns the write connection and the log
// heads, chains and hashes each batch, and commits it in one transaction, so
// that neither hashing nor fsync ever blocks the gateway's event loop.
// Speaks to sqlite-sink.ts by messages; nothing else imports it.

import { parentPort, workerData } from 'node:worker_threads';
import { signingKeyFromPem } from './checkpoint.ts';
import { describeCause, isAuditError } from './errors.ts';
import { LogAppender, type CheckpointSchedule, type PreparedBatch } from './log-appender.ts';
import type { AuditRecord } from './record.ts';
import { SqliteAuditStore, type SqliteSynchronous } from './sqlite-store.ts';

export interface SqliteWorkerData {
  path: string;
  gatewayId: string;
  signingKeyPem: string;
  synchronous: SqliteSynchronous;
  checkpoints: CheckpointSchedule;
}

export type SqliteWorkerRequest =
  /** `texts`: each record's canonical JSON, hashed and stored as given. */
  | { type: 'batch'; id: number; texts: string[] }
  | { type: 'checkpoint'; id: number; isForced: boolean }
  /** Whether the database takes a write lock now (after an outage: a lock held elsewhere, a full or read-only disk). */
  | { type: 'probe'; id: number }
  | { type: 'close'; id: number };

export type SqliteWorkerReply =
  | { type: 'ready' }
  | { type: 'open-failed'; error: { code: string; message: string } }
  | { type: 'done'; id: number; receipts: { logId: string; seq: number; hash: string }[] }
  | { type: 'failed'; id: number; error: { code: string; message: string } };

const port = parentPort!;
const data = workerData as SqliteWorkerData;

function errorFields(error: unknown): { code: string; message: string } {
  return isAuditError(error) ? { code: error.code, message: error.message } : { code: 'audit_unavailable', message: describeCause(error) };
}

let store: SqliteAuditStore;
let appender: LogAppender;
try {
  store = new SqliteAuditStore(data.path, { synchronous: data.synchronous });
  const key = signingKeyFromPem(data.signingKeyPem);
  store.storePublicKey(key);
  appender = new LogAppender(store.openLogs(data.gatewayId), key, data.checkpoints);
  for (const checkpoint of store.lastCheckpoints()) appender.noteStoredCheckpoint(checkpoint.logId, checkpoint.treeSize, checkpoint.timestampMs);
  port.postMessage({ type: 'ready' } satisfies SqliteWorkerReply);
} catch (error) {
  port.postMessage({ type: 'open-failed', error: errorFields(error) } satisfies SqliteWorkerReply);
  process.exit(0);
}

/** A conflicting writer moved the heads: adopt the stored ones and chain after them once. */
function write(prepare: () => PreparedBatch): PreparedBatch {
  const batch = prepare();
  try {
    store.writeBatch(batch);
    return batch;
  } catch (error) {
    if (!isAuditError(error) || error.code !== 'audit_log_conflict') throw error;
    appender.replaceHeads(store.readLogsOf(data.gatewayId));
    const retried = prepare();
    store.writeBatch(retried);
    return retried;
  }
}

port.on('message', (request: SqliteWorkerRequest) => {
  try {
    switch (request.type) {
      case 'batch': {
        const records = request.texts.map((text) => JSON.parse(text) as AuditRecord);
        const batch = write(() => appender.prepare(records, request.texts));
        port.postMessage({ type: 'done', id: request.id, receipts: appender.accept(batch) } satisfies SqliteWorkerReply);
        return;
      }
      case 'checkpoint': {
        const batch = write(() => appender.prepareCheckpoints(request.isForced));
        appender.accept(batch);
        port.postMessage({ type: 'done', id: request.id, receipts: [] } satisfies SqliteWorkerReply);
        return;
      }
      case 'probe':
        store.probeWrite();
        port.postMessage({ type: 'done', id: request.id, receipts: [] } satisfies SqliteWorkerReply);
        return;
      case 'close':
        void store.close().then(() => {
          port.postMessage({ type: 'done', id: request.id, receipts: [] } satisfies SqliteWorkerReply);
          port.close();
        });
        return;
    }
  } catch (error) {
    port.postMessage({ type: 'failed', id: request.id, error: errorFields(error) } satisfies SqliteWorkerReply);
  }
});
