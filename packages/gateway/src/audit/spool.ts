// The fail-open spool: a bounded append-only JSON-lines file beside the audit
// store where records go while the store cannot take them, each line fsynced
// before its append resolves, and from which they are replayed into the store
// in order once it is back. Records are chained when they reach the store.

import { open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { canonicalJson } from './canonical-json.ts';
import { AuditError, describeCause } from './errors.ts';
import { GroupCommit } from './group-commit.ts';
import type { AuditRecord } from './record.ts';

/** Records replayed per round at most: the offset is saved after each, so a crash mid-replay resends at most one round. */
const REPLAY_ROUND = 500;

export class AuditSpool {
  readonly path: string;
  readonly maxBytes: number;
  readonly #writes: GroupCommit<string, void>;
  #handle: FileHandle | undefined;
  #bytes: number;
  /** Lines written since open (and found at open), not yet replayed. */
  #waiting: number;

  private constructor(path: string, maxBytes: number, bytes: number, waiting: number) {
    this.path = path;
    this.maxBytes = maxBytes;
    this.#bytes = bytes;
    this.#waiting = waiting;
    // One write and one fsync per batch of lines, as the stores commit records.
    this.#writes = new GroupCommit((lines) => this.#writeLines(lines), { maxBatch: 1_000, maxDelayMs: 0, maxPending: 1_000_000 });
  }

  /** Opens (creating the directory); records a crash or an earlier outage left there are counted as waiting. */
  static async open(path: string, maxBytes: number): Promise<AuditSpool> {
    mkdirSync(dirname(path), { recursive: true });
    const bytes = await sizeOf(path);
    const waiting = (await countLines(path)) + (await countLines(replayingPath(path))) - (await readOffset(path)).lines;
    return new AuditSpool(path, maxBytes, bytes, Math.max(0, waiting));
  }

  /** Records waiting to be replayed. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Appends the record durably (fsync); rejects with audit_spool_full past maxBytes. */
  write(record: AuditRecord): Promise<void> {
    const line = `${canonicalJson(record)}\n`;
    const size = Buffer.byteLength(line);
    if (this.#bytes + size > this.maxBytes) {
      return Promise.reject(new AuditError('audit_unavailable', `the audit spool ${this.path} is full (spool_max_bytes ${this.maxBytes}); the record cannot be kept until the store is back`, { isTransient: true }));
    }
    this.#bytes += size;
    return this.#writes.submit(line);
  }

  /**
   * Sends every spooled record to `append` in the order written, awaiting
   * each round before the next; stops (keeping what is left) at the first
   * failure. The file written so far is moved aside first, so records spooled
   * meanwhile wait for the next replay rather than interleave.
   */
  async replay(append: (record: AuditRecord) => Promise<unknown>, roundSize = REPLAY_ROUND): Promise<number> {
    await this.#writes.runTask(async () => {
      if (await exists(replayingPath(this.path))) return;
      await this.#handle?.close();
      this.#handle = undefined;
      if (!(await exists(this.path))) return;
      await rename(this.path, replayingPath(this.path));
      await writeOffset(this.path, { lines: 0 });
      this.#bytes = 0;
    });
    const source = replayingPath(this.path);
    if (!(await exists(source))) return 0;
    const lines = (await readFile(source, 'utf8')).split('\n').filter((line) => line !== '');
    let { lines: done } = await readOffset(this.path);
    let replayed = 0;
    while (done < lines.length) {
      const round = lines.slice(done, done + roundSize).map((line) => JSON.parse(line) as AuditRecord);
      // Submitted together, committed in submit order by the sink's group commit.
      await Promise.all(round.map((record) => append(record)));
      done += round.length;
      replayed += round.length;
      this.#waiting = Math.max(0, this.#waiting - round.length);
      await writeOffset(this.path, { lines: done });
    }
    await rm(source, { force: true });
    await rm(offsetPath(this.path), { force: true });
    return replayed;
  }

  async close(): Promise<void> {
    await this.#writes.close();
    await this.#handle?.close();
    this.#handle = undefined;
  }

  async #writeLines(lines: string[]): Promise<void[]> {
    try {
      this.#handle ??= await open(this.path, 'a');
      await this.#handle.write(lines.join(''));
      await this.#handle.sync();
    } catch (error) {
      this.#bytes -= lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
      throw new AuditError('audit_unavailable', `the audit spool ${this.path} could not be written: ${describeCause(error)}`, { cause: error, isTransient: true });
    }
    this.#waiting += lines.length;
    return lines.map(() => undefined);
  }
}

function replayingPath(path: string): string {
  return `${path}.replaying`;
}

function offsetPath(path: string): string {
  return `${path}.offset`;
}

async function exists(path: string): Promise<boolean> {
  return (await sizeOf(path, -1)) >= 0;
}

async function sizeOf(path: string, missing = 0): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return missing;
  }
}

async function countLines(path: string): Promise<number> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter((line) => line !== '').length;
  } catch {
    return 0;
  }
}

async function readOffset(path: string): Promise<{ lines: number }> {
  try {
    const parsed = JSON.parse(await readFile(offsetPath(path), 'utf8')) as { lines?: unknown };
    return { lines: typeof parsed.lines === 'number' ? parsed.lines : 0 };
  } catch {
    return { lines: 0 };
  }
}

/** Written whole and renamed into place, so a crash leaves the old offset or the new one, never half of one. */
async function writeOffset(path: string, offset: { lines: number }): Promise<void> {
  const temporary = `${offsetPath(path)}.tmp`;
  await writeFile(temporary, JSON.stringify(offset), { flush: true });
  await rename(temporary, offsetPath(path));
}
