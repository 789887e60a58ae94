// The audit store seams. AuditSink is the write side the gateway appends to
// (durable on resolve, batched); AuditStore is the read side that verify,
// query, export and retention use. sqlite-sink.ts and postgres-sink.ts
// implement both over their own tables.

import type { Checkpoint } from './checkpoint.ts';
import type { ChainedEntry } from './hash-chain.ts';
import { MerkleFrontier } from './merkle.ts';
import type { AuditCategory, AuditRecord } from './record.ts';
import type { IndexColumns } from './record-index.ts';
import type { AuditQuery, QueryPage } from './query.ts';

type StoreKind = 'sqlite' | 'postgres';

/** Where a record landed: its log, its position, its hash (hex). */
export interface AuditReceipt {
  logId: string;
  seq: number;
  hash: string;
}

export interface AuditSink {
  readonly kind: StoreKind;
  /** Resolves once the record is committed to the store, with the batch that holds it. */
  append(record: AuditRecord): Promise<AuditReceipt>;
  /** Resolves when everything appended so far is committed. */
  flush(): Promise<void>;
  /** Signs and stores a checkpoint for every log that grew since its last one. */
  checkpoint(): Promise<void>;
  /** Resolves when the store takes writes again (after an outage); rejects while it does not. Runs between batches. */
  probe(): Promise<void>;
  /** Commits what is queued, writes a final checkpoint, and releases the store. */
  close(): Promise<void>;
  /** Records appended and not yet committed (the audit queue depth). */
  readonly pending: number;
  /** Told of every batch commit: its duration and whether it committed. */
  onBatch: ((seconds: number, isOk: boolean) => void) | undefined;
}

/** Each replica writes one log per category: `<gateway id>/security`, `<gateway id>/routine`. */
export function logIdFor(gatewayId: string, category: AuditCategory): string {
  return `${gatewayId}/${category}`;
}

/** The start of what retention kept: entries before `size` may be gone, and `frontier` stands for them. */
export interface RetentionAnchor {
  size: number;
  /** Hash of entry size-1 (GENESIS_HASH when size is 0): the prev_hash of the first kept entry. */
  lastHash: Buffer;
  frontier: MerkleFrontier;
}

export interface LogState {
  logId: string;
  gatewayId: string;
  category: AuditCategory;
  size: number;
  lastHash: Buffer;
  frontier: MerkleFrontier;
  /** UTC day (YYYY-MM-DD) of the newest entry; days never go back within a log, so a day is a range of seq. */
  lastDay: string | null;
  anchor: RetentionAnchor;
  /** The stored frontier did not fit the stored size (the row was edited): verify reports it, a writer refuses to append. */
  isHeadDamaged: boolean;
}

/** Reads a stored frontier; a damaged one becomes an empty frontier and marks the state damaged. */
function storedFrontier(size: number, bytes: Uint8Array, damage: { isHeadDamaged: boolean }): MerkleFrontier {
  const frontier = MerkleFrontier.tryFromBytes(size, bytes);
  if (frontier !== undefined) return frontier;
  damage.isHeadDamaged = true;
  return new MerkleFrontier();
}

/**
 * A log's stored head as both stores keep it (the same columns; PostgreSQL
 * reads the day as `last_day_text`). Shared so that both stores judge a
 * damaged frontier the same way.
 */
export function logStateFromRow(row: Record<string, unknown>, lastDay: unknown): LogState {
  const size = Number(row.size);
  const anchorSize = Number(row.anchor_size);
  const damage = { isHeadDamaged: false };
  const frontier = storedFrontier(size, row.frontier as Uint8Array, damage);
  const anchorFrontier = storedFrontier(anchorSize, row.anchor_frontier as Uint8Array, damage);
  return {
    isHeadDamaged: damage.isHeadDamaged,
    logId: String(row.log_id),
    gatewayId: String(row.gateway_id),
    category: row.category as AuditCategory,
    size,
    lastHash: Buffer.from(row.last_hash as Uint8Array),
    frontier,
    lastDay: lastDay === null || lastDay === undefined ? null : String(lastDay),
    anchor: { size: anchorSize, lastHash: Buffer.from(row.anchor_hash as Uint8Array), frontier: anchorFrontier },
  };
}

/** An entry as read back, with the index columns as the store holds them. */
export interface StoredEntry extends ChainedEntry {
  day: string;
  columns: IndexColumns;
}

/** The chain links of an entry without its record: what retention needs to compute an anchor. */
export interface EntryLink {
  seq: number;
  prevHash: Buffer;
  hash: Buffer;
}

/** Retention's plan for one log: everything before `anchor.size` goes. */
export interface RetentionCut {
  logId: string;
  /** The anchor's size before this cut: records from there to anchor.size are deleted. */
  previousSize: number;
  anchor: RetentionAnchor;
  /** Signed over (anchor.size, root of anchor.frontier), so the anchor is checked like any checkpoint. */
  checkpoint: Checkpoint | undefined;
}

export interface AuditStore {
  readonly kind: StoreKind;
  /** The file path or the URL (without password), for messages. */
  readonly location: string;
  listLogs(): Promise<LogState[]>;
  /** Entries of a log with seq >= fromSeq, in seq order, at most `limit`. */
  readEntries(logId: string, fromSeq: number, limit: number): Promise<StoredEntry[]>;
  readLinks(logId: string, fromSeq: number, limit: number): Promise<EntryLink[]>;
  /** A log's checkpoints in tree-size order. */
  readCheckpoints(logId: string): Promise<Checkpoint[]>;
  /** Public keys (SPKI PEM) that signed checkpoints here, by key id. Untrusted: the store could be rewritten with them. */
  readPublicKeys(): Promise<Map<string, string>>;
  /** The smallest seq in the log whose day is `day` or later; undefined when no entry is. */
  firstSeqOnOrAfterDay(logId: string, day: string): Promise<number | undefined>;
  query(query: AuditQuery, options: { limit: number; cursor?: string | undefined }): Promise<QueryPage>;
  /** Records each log's new anchor and its checkpoint, then deletes whole days of the category before `beforeDay`. */
  applyRetention(category: AuditCategory, beforeDay: string, cuts: readonly RetentionCut[]): Promise<{ deletedRecords: number }>;
  readExportOffset(exporter: string, logId: string): Promise<number>;
  writeExportOffset(exporter: string, logId: string, nextSeq: number): Promise<void>;
  close(): Promise<void>;
}
