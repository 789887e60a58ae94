// The writer's view of its logs: the head of each (size, last hash, Merkle
// frontier, day), turning a batch of records into chained entries and, when
// due, signed checkpoints. Pure apart from the clock; a sink writes what
// prepare() returns and calls accept() only once that is committed.

import { AuditError } from './errors.ts';
import { signCheckpoint, type Checkpoint, type SigningKey } from './checkpoint.ts';
import { canonicalJson } from './canonical-json.ts';
import { entryHashHex, type ChainedEntry } from './hash-chain.ts';
import { indexColumns, type IndexColumns } from './record-index.ts';
import type { AuditCategory, AuditRecord } from './record.ts';
import type { AuditReceipt, LogState } from './sink.ts';

interface PreparedEntry extends ChainedEntry {
  /** `hash` in lowercase hex: the receipt's form, computed once. */
  hashHex: string;
  day: string;
  category: AuditCategory;
  columns: IndexColumns;
}

export interface PreparedBatch {
  entries: PreparedEntry[];
  /** The new state of every log the batch changes, to store in the same transaction. */
  heads: LogState[];
  checkpoints: Checkpoint[];
  /** Each log's head size before the batch: the store's guard against a second writer. */
  expectedSizes: Map<string, number>;
}

/** A log's head while a batch is prepared, with its last hash also as the hex the next leaf data carries. */
interface WorkingHead {
  head: LogState;
  lastHashHex: string;
}

export interface CheckpointSchedule {
  /** Sign when the last checkpoint of a grown log is this old. */
  intervalMs: number;
  /** Or when this many records arrived since it. */
  everyRecords: number;
}

/** A checkpoint every 10 s while records arrive, or every 100k records, whichever comes first. */
export const DEFAULT_CHECKPOINTS: CheckpointSchedule = { intervalMs: 10_000, everyRecords: 100_000 };

export class LogAppender {
  readonly #heads: Map<AuditCategory, LogState>;
  readonly #key: SigningKey;
  readonly #schedule: CheckpointSchedule;
  readonly #now: () => number;
  readonly #lastCheckpoint = new Map<string, { size: number; atMs: number }>();

  constructor(heads: readonly LogState[], key: SigningKey, schedule: CheckpointSchedule, now: () => number = Date.now) {
    const damaged = heads.find((head) => head.isHeadDamaged);
    if (damaged !== undefined) {
      throw new AuditError('audit_store_invalid', `the head of audit log ${damaged.logId} is damaged (its Merkle frontier does not fit its size), so no record can be chained after it; run gatehouse audit verify`);
    }
    this.#heads = new Map(heads.map((head) => [head.category, head]));
    this.#key = key;
    this.#schedule = schedule;
    this.#now = now;
    // Until noteStoredCheckpoint says otherwise, a log counts as signed up to its size just now.
    for (const head of heads) this.#lastCheckpoint.set(head.logId, { size: head.size, atMs: now() });
  }

  get heads(): LogState[] {
    return [...this.#heads.values()];
  }

  /** Marks what the store already holds a checkpoint for (read at open). */
  noteStoredCheckpoint(logId: string, size: number, atMs: number): void {
    this.#lastCheckpoint.set(logId, { size, atMs });
  }

  /** `texts[i]`, when given, is canonicalJson(records[i]): the bytes hashed and stored, not serialized again. */
  prepare(records: readonly AuditRecord[], texts?: readonly string[]): PreparedBatch {
    const working = new Map<AuditCategory, WorkingHead>();
    const entries: PreparedEntry[] = [];
    for (let index = 0; index < records.length; index += 1) {
      const record = records[index]!;
      const columns = indexColumns(record);
      let log = working.get(columns.category);
      if (log === undefined) {
        const current = this.#heads.get(columns.category);
        if (current === undefined) throw new RangeError(`no log for category ${columns.category}`);
        log = { head: { ...current, frontier: current.frontier.clone() }, lastHashHex: current.lastHash.toString('hex') };
        working.set(columns.category, log);
      }
      const head = log.head;
      const recordText = texts?.[index] ?? canonicalJson(record);
      const hashHex = entryHashHex(head.logId, head.size, log.lastHashHex, recordText);
      const hash = Buffer.from(hashHex, 'hex');
      // Days never go back within a log, so retention's "whole days" are always a prefix of it.
      const recordDay = record.timestamp.slice(0, 10);
      const day = head.lastDay !== null && head.lastDay > recordDay ? head.lastDay : recordDay;
      entries.push({ logId: head.logId, seq: head.size, prevHash: head.lastHash, hash, recordText, hashHex, day, category: columns.category, columns });
      head.frontier.append(hash);
      head.size += 1;
      head.lastHash = hash;
      log.lastHashHex = hashHex;
      head.lastDay = day;
    }
    const expectedSizes = new Map<string, number>();
    const heads: LogState[] = [];
    for (const [category, { head }] of working) {
      expectedSizes.set(head.logId, this.#heads.get(category)!.size);
      heads.push(head);
    }
    return { entries, heads, checkpoints: this.#dueCheckpoints(heads, false), expectedSizes };
  }

  /** A batch with no entries and a checkpoint for every log grown since its last (all of them when `isForced`). */
  prepareCheckpoints(isForced: boolean): PreparedBatch {
    const heads = [...this.#heads.values()];
    return { entries: [], heads: [], checkpoints: this.#dueCheckpoints(heads, isForced), expectedSizes: new Map() };
  }

  accept(batch: PreparedBatch): AuditReceipt[] {
    for (const head of batch.heads) this.#heads.set(head.category, head);
    for (const checkpoint of batch.checkpoints) this.#lastCheckpoint.set(checkpoint.logId, { size: checkpoint.treeSize, atMs: checkpoint.timestampMs });
    return batch.entries.map((entry) => ({ logId: entry.logId, seq: entry.seq, hash: entry.hashHex }));
  }

  /** Replaces the heads, after the store says another batch got there first. */
  replaceHeads(heads: readonly LogState[]): void {
    for (const head of heads) this.#heads.set(head.category, head);
  }

  #dueCheckpoints(heads: readonly LogState[], isForced: boolean): Checkpoint[] {
    const now = this.#now();
    const checkpoints: Checkpoint[] = [];
    for (const head of heads) {
      const last = this.#lastCheckpoint.get(head.logId) ?? { size: 0, atMs: 0 };
      if (head.size === 0 || head.size <= last.size) continue;
      const isDue = isForced || now - last.atMs >= this.#schedule.intervalMs || head.size - last.size >= this.#schedule.everyRecords;
      if (!isDue) continue;
      checkpoints.push(signCheckpoint(this.#key, { logId: head.logId, treeSize: head.size, rootHash: head.frontier.root(), timestampMs: now }));
    }
    return checkpoints;
  }
}
