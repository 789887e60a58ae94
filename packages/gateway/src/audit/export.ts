// SIEM export: streams each log's records, in order, to a destination (JSON
// lines in a file, HTTP POST batches to a webhook, or NATS JetStream), at
// least once. Offsets live in the audit store and advance only after the
// destination accepted a batch, so an export stopped anywhere resumes where
// the last accepted batch ended. Destinations are in export-destinations.ts.

import { AuditError } from './errors.ts';
import type { AuditStore, StoredEntry } from './sink.ts';

export interface ExportDestination {
  /** Stable across runs (`file:/var/log/audit.jsonl`): the default key of the offsets. */
  readonly name: string;
  /** Resolves once the destination holds the lines durably; rejects to leave the offset where it was. */
  send(entries: readonly ExportEntry[]): Promise<void>;
  close(): Promise<void>;
}

export interface ExportEntry {
  logId: string;
  seq: number;
  auditId: string;
  /** One JSON line (no newline): the record with an `integrity` member (log_id, seq, prev_hash, hash). */
  line: string;
}

export interface ExportOptions {
  /** The offsets' key; the destination's name by default. Two exporters with different names each get every record. */
  exporter?: string;
  /** Records per destination batch. */
  batchSize?: number;
  logIds?: readonly string[];
  signal?: AbortSignal;
  onBatch?: (progress: { logId: string; nextSeq: number; exported: number }) => void;
}

export interface ExportReport {
  exported: number;
  logs: { logId: string; fromSeq: number; nextSeq: number }[];
  /** Records that retention deleted before they were exported. */
  gaps: { logId: string; fromSeq: number; toSeq: number }[];
}

/**
 * The record's canonical text with the chain fields added, so a SIEM can
 * check the chain itself: hash = SHA-256(0x00 || canonical JSON of
 * {log_id, prev_hash, record, seq}) where record is the line minus integrity.
 */
function exportLine(entry: StoredEntry): string {
  const integrity = `"integrity":{"hash":"${entry.hash.toString('hex')}","log_id":${JSON.stringify(entry.logId)},"prev_hash":"${entry.prevHash.toString('hex')}","seq":${entry.seq}}`;
  return `${entry.recordText.slice(0, -1)},${integrity}}`;
}

/** Exports everything stored now, log by log, and returns. */
export async function exportOnce(store: AuditStore, destination: ExportDestination, options: ExportOptions = {}): Promise<ExportReport> {
  const exporter = options.exporter ?? destination.name;
  const batchSize = options.batchSize ?? 500;
  const report: ExportReport = { exported: 0, logs: [], gaps: [] };
  const logs = (await store.listLogs()).filter((log) => options.logIds === undefined || options.logIds.includes(log.logId));
  for (const log of logs) {
    const fromSeq = await store.readExportOffset(exporter, log.logId);
    let nextSeq = fromSeq;
    if (nextSeq < log.anchor.size) {
      report.gaps.push({ logId: log.logId, fromSeq: nextSeq, toSeq: log.anchor.size });
      nextSeq = log.anchor.size;
    }
    while (options.signal?.aborted !== true) {
      const entries = await store.readEntries(log.logId, nextSeq, batchSize);
      if (entries.length === 0) break;
      const first = entries[0]!;
      if (first.seq !== nextSeq) {
        // Retention removed records meanwhile; the anchor moved past them.
        report.gaps.push({ logId: log.logId, fromSeq: nextSeq, toSeq: first.seq });
      }
      await destination.send(entries.map((entry) => ({ logId: entry.logId, seq: entry.seq, auditId: entry.columns.auditId, line: exportLine(entry) })));
      nextSeq = entries.at(-1)!.seq + 1;
      await store.writeExportOffset(exporter, log.logId, nextSeq);
      report.exported += entries.length;
      options.onBatch?.({ logId: log.logId, nextSeq, exported: report.exported });
      if (entries.length < batchSize) break;
    }
    report.logs.push({ logId: log.logId, fromSeq, nextSeq });
  }
  return report;
}

/** Exports, then polls for new records every `pollMs` until the signal aborts. */
export async function exportFollow(store: AuditStore, destination: ExportDestination, options: ExportOptions & { pollMs?: number; signal: AbortSignal }): Promise<ExportReport> {
  const total: ExportReport = { exported: 0, logs: [], gaps: [] };
  while (!options.signal.aborted) {
    const report = await exportOnce(store, destination, options);
    total.exported += report.exported;
    total.logs = report.logs;
    total.gaps.push(...report.gaps);
    if (report.exported > 0) continue;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.pollMs ?? 1_000);
      options.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
  return total;
}

export function exportFailed(destination: string, why: string, isTransient: boolean, cause?: unknown): AuditError {
  return new AuditError('audit_export_failed', `export to ${destination} failed: ${why}; the offset stays before this batch, so rerunning the export resends it`, { cause, isTransient });
}
