// Tamper evidence against real stores: each test builds a log, closes it
// (a final signed checkpoint), changes the stored rows the way an attacker
// with database access could, and expects verify to name the first record
// (or checkpoint) that no longer holds.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { generateSigningKey, signCheckpoint } from '../../src/audit/checkpoint.ts';
import { entryHash } from '../../src/audit/hash-chain.ts';
import { verifyStore, type VerifyFailureCode } from '../../src/audit/verify.ts';
import {
  createTempDirectory, dropSchema, openPostgres, openSqlite, postgresSkip, recordsFor, trusted, uniqueSchema, type OpenedStore, type TempDirectory,
} from './fixtures/audit-fixtures.ts';

const pgSkip = await postgresSkip();
const LOG = 'gw-test/routine';
const RECORDS = 30;

interface Tamper {
  behaviour: string;
  tamper(opened: OpenedStore, sql: (text: string) => string): Promise<void>;
  codes: VerifyFailureCode[];
  seq?: number;
}

const TAMPERS: Tamper[] = [
  {
    behaviour: 'detects an edited record and names it',
    tamper: async (opened, sql) => {
      await opened.execute(sql(`UPDATE {entries} SET record = replace(record, 'C-10', 'C-99') WHERE log_id = $1 AND seq = 10`), [LOG]);
    },
    codes: ['record_altered'],
    seq: 10,
  },
  {
    behaviour: 'detects an edited record whose hash was recomputed, at the link after it',
    tamper: async (opened, sql) => {
      const [row] = await opened.execute(sql(`SELECT record, prev_hash FROM {entries} WHERE log_id = $1 AND seq = 10`), [LOG]);
      const text = String(row!.record).replace('"duration_ms":145', '"duration_ms":999');
      const hash = entryHash(LOG, 10, Buffer.from(row!.prev_hash as Uint8Array), text);
      await opened.execute(sql(`UPDATE {entries} SET record = $1, hash = $2 WHERE log_id = $3 AND seq = 10`), [text, hash, LOG]);
    },
    codes: ['chain_broken'],
    seq: 11,
  },
  {
    behaviour: 'detects a whole rewritten chain by the signed root',
    tamper: async (opened, sql) => {
      const rows = await opened.execute(sql(`SELECT seq, record, prev_hash FROM {entries} WHERE log_id = $1 AND seq >= 10 ORDER BY seq`), [LOG]);
      let previous: Buffer = Buffer.from(rows[0]!.prev_hash as Uint8Array);
      for (const row of rows) {
        const text = Number(row.seq) === 10 ? String(row.record).replace('"duration_ms":145', '"duration_ms":999') : String(row.record);
        const hash = entryHash(LOG, Number(row.seq), previous, text);
        await opened.execute(sql(`UPDATE {entries} SET record = $1, hash = $2, prev_hash = $3 WHERE log_id = $4 AND seq = $5`), [text, hash, previous, LOG, Number(row.seq)]);
        previous = hash;
      }
    },
    codes: ['root_mismatch'],
  },
  {
    behaviour: 'detects a deleted record and names the missing position',
    tamper: async (opened, sql) => {
      await opened.execute(sql(`DELETE FROM {entries} WHERE log_id = $1 AND seq = 10`), [LOG]);
    },
    codes: ['record_missing'],
    seq: 10,
  },
  {
    behaviour: 'detects two reordered records',
    tamper: async (opened, sql) => {
      await opened.execute(sql(`UPDATE {entries} SET seq = -1 WHERE log_id = $1 AND seq = 10`), [LOG]);
      await opened.execute(sql(`UPDATE {entries} SET seq = 10 WHERE log_id = $1 AND seq = 11`), [LOG]);
      await opened.execute(sql(`UPDATE {entries} SET seq = 11 WHERE log_id = $1 AND seq = -1`), [LOG]);
    },
    codes: ['chain_broken', 'record_altered'],
    seq: 10,
  },
  {
    behaviour: 'detects a truncated log by its signed checkpoint',
    tamper: async (opened, sql) => {
      await opened.execute(sql(`DELETE FROM {entries} WHERE log_id = $1 AND seq >= 25`), [LOG]);
      await opened.execute(sql(`UPDATE {logs} SET size = 25 WHERE log_id = $1`), [LOG]);
    },
    codes: ['log_truncated'],
    seq: 25,
  },
  {
    behaviour: 'detects a truncated log by its head when the checkpoints are deleted too',
    tamper: async (opened, sql) => {
      await opened.execute(sql(`DELETE FROM {entries} WHERE log_id = $1 AND seq >= 25`), [LOG]);
      await opened.execute(sql(`DELETE FROM {checkpoints} WHERE log_id = $1`), [LOG]);
    },
    codes: ['log_truncated'],
    seq: 25,
  },
  {
    behaviour: 'detects a checkpoint whose root was altered',
    tamper: async (opened, sql) => {
      await opened.execute(sql(`UPDATE {checkpoints} SET root_hash = $1 WHERE log_id = $2`), [Buffer.alloc(32, 7), LOG]);
    },
    codes: ['checkpoint_signature_invalid'],
  },
  {
    behaviour: 'detects a checkpoint forged with another key, even when the forger adds that key to the store',
    tamper: async (opened, sql) => {
      const forger = generateSigningKey();
      const forged = signCheckpoint(forger, { logId: LOG, treeSize: RECORDS + 5, rootHash: Buffer.alloc(32, 1), timestampMs: Date.now() });
      await opened.execute(sql(`INSERT INTO {keys} (key_id, public_key, created_at) VALUES ($1, $2, ${opened.kind === 'sqlite' ? '0' : 'now()'})`), [forger.keyId, forger.publicKeyPem]);
      await opened.execute(sql(`INSERT INTO {checkpoints} (log_id, tree_size, root_hash, timestamp_ms, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6)`), [
        LOG, forged.treeSize, forged.rootHash, forged.timestampMs, forged.keyId, forged.signature,
      ]);
    },
    codes: ['checkpoint_key_unknown'],
  },
  {
    behaviour: 'detects a query column edited to hide a record from queries',
    tamper: async (opened, sql) => {
      await opened.execute(sql(`UPDATE {entries} SET identity = 'user:nobody' WHERE log_id = $1 AND seq = 12`), [LOG]);
    },
    codes: ['index_mismatch'],
    seq: 12,
  },
  {
    behaviour: 'detects records added past the head',
    tamper: async (opened, sql) => {
      await opened.execute(sql(`UPDATE {logs} SET size = 29 WHERE log_id = $1`), [LOG]);
    },
    codes: ['record_unexpected'],
    seq: 29,
  },
];

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`tamper evidence in ${kind}`, { skip: kind === 'postgres' ? pgSkip : false }, () => {
    let directory: TempDirectory;
    const schemas: string[] = [];
    let counter = 0;

    /** A closed log of RECORDS routine records and a few security ones, and SQL in this store's dialect. */
    async function storeWithRecords(): Promise<{ opened: OpenedStore; sql: (text: string) => string }> {
      counter += 1;
      const schema = uniqueSchema(`tamper${counter}`);
      if (kind === 'postgres') schemas.push(schema);
      const opened = kind === 'sqlite' ? await openSqlite(join(directory.path, `t${counter}`)) : await openPostgres(schema);
      for (const record of [...recordsFor(RECORDS), ...recordsFor(3, 'admin_action')]) await opened.sink.append(record);
      await opened.sink.close();
      const tables = kind === 'sqlite'
        ? { entries: 'audit_entries', logs: 'audit_logs', checkpoints: 'audit_checkpoints', keys: 'audit_keys' }
        : { entries: `"${schema}".audit_records`, logs: `"${schema}".audit_logs`, checkpoints: `"${schema}".audit_checkpoints`, keys: `"${schema}".audit_keys` };
      const sql = (text: string) => {
        let result = text.replace(/\{(entries|logs|checkpoints|keys)\}/g, (_, name: keyof typeof tables) => tables[name]);
        if (kind === 'sqlite') result = result.replace(/\$\d+/g, '?');
        return result;
      };
      return { opened, sql };
    }

    before(async () => {
      directory = await createTempDirectory();
    });
    after(async () => {
      await directory.remove();
      for (const schema of schemas) await dropSchema(schema);
    });

    it('verifies an untouched store', async () => {
      const { opened } = await storeWithRecords();
      try {
        const report = await verifyStore(opened.store, { trustedKeys: trusted(opened.key) });
        assert.equal(report.failure, undefined);
        assert.equal(report.isValid, true);
        assert.deepEqual(report.logs.map((log) => [log.logId, log.recordsChecked]), [['gw-test/routine', RECORDS], ['gw-test/security', 3]]);
      } finally {
        await opened.store.close();
      }
    });

    it('checks only the last records when asked: an edit among them is found, one before them is not walked', async () => {
      const { opened, sql } = await storeWithRecords();
      try {
        const clean = await verifyStore(opened.store, { trustedKeys: trusted(opened.key), lastRecords: 5 });
        assert.equal(clean.isValid, true);
        assert.deepEqual(clean.logs.map((log) => [log.logId, log.fromSeq, log.recordsChecked]), [['gw-test/routine', RECORDS - 5, 5], ['gw-test/security', 0, 3]]);
        await opened.execute(sql(`UPDATE {entries} SET record = replace(record, 'C-', 'X-') WHERE log_id = $1 AND seq = $2`), [LOG, RECORDS - 2]);
        const found = await verifyStore(opened.store, { trustedKeys: trusted(opened.key), lastRecords: 5 });
        assert.deepEqual([found.isValid, found.failure?.code, found.failure?.seq], [false, 'record_altered', RECORDS - 2]);
        await opened.execute(sql(`UPDATE {entries} SET record = replace(record, 'C-', 'X-') WHERE log_id = $1 AND seq = 3`), [LOG]);
        assert.equal((await verifyStore(opened.store, { trustedKeys: trusted(opened.key), lastRecords: 1 })).isValid, true, 'the bounded run is bounded');
        assert.equal((await verifyStore(opened.store, { trustedKeys: trusted(opened.key) })).failure?.seq, 3, 'the full run finds the earlier edit');
      } finally {
        await opened.store.close();
      }
    });

    for (const tamper of TAMPERS) {
      it(tamper.behaviour, async () => {
        const { opened, sql } = await storeWithRecords();
        try {
          await tamper.tamper(opened, sql);
          const report = await verifyStore(opened.store, { trustedKeys: trusted(opened.key) });
          assert.equal(report.isValid, false);
          assert.ok(tamper.codes.includes(report.failure!.code), `${report.failure!.code}: ${report.failure!.message}`);
          assert.equal(report.failure!.logId, LOG);
          if (tamper.seq !== undefined) assert.equal(report.failure!.seq, tamper.seq, report.failure!.message);
        } finally {
          await opened.store.close();
        }
      });
    }
  });
}
