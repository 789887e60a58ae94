// The WAL sync beside the event loop (audit/wal-sync.ts): a commit with
// company is synced on libuv's pool, so the loop goes on committing; a lone
// commit (nothing else waiting) is synced on the calling thread, so it does
// not wait for a pool round trip. Which path ran is told apart by keeping the
// pool's threads busy: a pool sync can only finish after them.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2 } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalSync } from '../../src/audit/wal-sync.ts';

/**
 * Occupies every libuv pool thread (4 unless UV_THREADPOOL_SIZE says) with a
 * key derivation; `firstFree` settles when the first of them is done (a pool
 * job can start no sooner), `allFree` when all are.
 */
function occupyPool(): { firstFree: Promise<void>; allFree: Promise<void> } {
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const jobs = Array.from({ length: threads }, () => new Promise<void>((resolve, reject) => pbkdf2('secret', 'salt', 400_000, 64, 'sha512', (error) => (error === null ? resolve() : reject(error)))));
  return { firstFree: Promise.race(jobs), allFree: Promise.all(jobs).then(() => {}) };
}

describe('WalSync', () => {
  let directory: string;
  let databasePath: string;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-wal-sync-'));
    databasePath = join(directory, 'audit.db');
    await writeFile(`${databasePath}-wal`, 'frames');
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('syncs a lone commit on the calling thread, without waiting for the pool', async () => {
    const sync = new WalSync(databasePath);
    const order: string[] = [];
    const pool = occupyPool();
    void pool.firstFree.then(() => order.push('a pool thread free'));
    await sync.durable(true).then(() => order.push('lone commit durable'));
    await pool.allFree;
    assert.deepEqual(order, ['lone commit durable', 'a pool thread free']);
    await sync.close();
  });

  it('syncs a commit with company on the pool', async () => {
    const sync = new WalSync(databasePath);
    const order: string[] = [];
    const pool = occupyPool();
    void pool.firstFree.then(() => order.push('a pool thread free'));
    await sync.durable(false).then(() => order.push('commit durable'));
    await pool.allFree;
    assert.deepEqual(order, ['a pool thread free', 'commit durable']);
    await sync.close();
  });

  it('sends a lone commit to the pool while a pool sync is under way: only a sync begun after a commit covers it', async () => {
    const sync = new WalSync(databasePath);
    const order: string[] = [];
    const pool = occupyPool();
    void pool.firstFree.then(() => order.push('a pool thread free'));
    const first = sync.durable(false).then(() => order.push('first durable'));
    await sync.durable(true).then(() => order.push('lone durable'));
    await Promise.all([first, pool.allFree]);
    assert.deepEqual(order, ['a pool thread free', 'first durable', 'lone durable']);
    await sync.close();
  });

  it('rejects when the WAL file cannot be opened, on either path', async () => {
    const missing = join(directory, 'missing.db');
    await assert.rejects(new WalSync(missing).durable(true), { code: 'ENOENT' });
    await assert.rejects(new WalSync(missing).durable(false), { code: 'ENOENT' });
  });
});
