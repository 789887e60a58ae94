// The SQLite sink's worker thread: owns the log writer (sqlite-log-writer.ts),
// which chains, hashes and commits each batch in one transaction, so that
// neither hashing nor fsync ever blocks the gateway's event loop.
// Speaks to sqlite-sink.ts by messages; nothing else imports it.

import { parentPort, workerData } from 'node:worker_threads';
import { signingKeyFromPem } from './checkpoint.ts';
import { describeCause, isAuditError } from './errors.ts';
import type { CheckpointSchedule } from './log-appender.ts';
import { SqliteLogWriter } from './sqlite-log-writer.ts';
import type { SqliteSynchronous } from './sqlite-store.ts';

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

let writer: SqliteLogWriter;
try {
  writer = new SqliteLogWriter({ ...data, signingKey: signingKeyFromPem(data.signingKeyPem) });
  port.postMessage({ type: 'ready' } satisfies SqliteWorkerReply);
} catch (error) {
  port.postMessage({ type: 'open-failed', error: errorFields(error) } satisfies SqliteWorkerReply);
  process.exit(0);
}

port.on('message', (request: SqliteWorkerRequest) => {
  try {
    switch (request.type) {
      case 'batch': {
        port.postMessage({ type: 'done', id: request.id, receipts: writer.writeRecords(request.texts) } satisfies SqliteWorkerReply);
        return;
      }
      case 'checkpoint': {
        writer.writeCheckpoints(request.isForced);
        port.postMessage({ type: 'done', id: request.id, receipts: [] } satisfies SqliteWorkerReply);
        return;
      }
      case 'probe':
        writer.probe();
        port.postMessage({ type: 'done', id: request.id, receipts: [] } satisfies SqliteWorkerReply);
        return;
      case 'close':
        void writer.close().then(() => {
          port.postMessage({ type: 'done', id: request.id, receipts: [] } satisfies SqliteWorkerReply);
          port.close();
        });
        return;
    }
  } catch (error) {
    port.postMessage({ type: 'failed', id: request.id, error: errorFields(error) } satisfies SqliteWorkerReply);
  }
});
