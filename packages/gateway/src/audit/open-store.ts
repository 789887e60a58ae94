// Opens the store, sink and keys that AuditSettings name: the one place that
// knows which implementation goes with `store: sqlite|postgres`, shared by
// the gateway's AuditTrail and the `gatehouse audit` commands. The PostgreSQL
// implementations (and the pg driver, about 9 MB) load only when named.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { loadOrCreateSigningKey, readSigningKey, type SigningKey } from './checkpoint.ts';
import { AuditError, describeCause } from './errors.ts';
import type { AuditSettings } from './settings.ts';
import type { AuditSink, AuditStore } from './sink.ts';
import { SqliteAuditSink } from './sqlite-sink.ts';
import { SqliteAuditStore } from './sqlite-store.ts';
import { trustedKeysFromPems } from './verify.ts';

/** The read side, for verify, query, export and retention. Fails with audit_store_invalid when nothing was ever written there. */
export async function openAuditStore(settings: AuditSettings, options: { isReadOnly?: boolean } = {}): Promise<AuditStore> {
  if (settings.store === 'postgres') {
    const { PostgresAuditStore } = await import('./postgres-store.ts');
    return PostgresAuditStore.open({ url: settings.postgresUrl!, schema: settings.postgresSchema, isReadOnly: options.isReadOnly ?? false });
  }
  if (options.isReadOnly === true && !existsSync(settings.sqlitePath)) {
    throw new AuditError('audit_store_invalid', `there is no audit database at ${settings.sqlitePath} yet: start the gateway (npm start) to write one, or pass the --config that names the store`);
  }
  return new SqliteAuditStore(settings.sqlitePath, { synchronous: settings.sqliteSynchronous, isReadOnly: options.isReadOnly ?? false });
}

/** The write side of this replica's logs, and the read side over the same store. */
export async function openAuditSink(settings: AuditSettings, gatewayId: string, key: SigningKey): Promise<{ sink: AuditSink; store: AuditStore }> {
  const batch = {
    maxBatch: settings.batchMaxRecords,
    maxDelayMs: settings.batchMaxDelayMs,
    maxPending: settings.maxPendingRecords,
    ...(settings.batchBusyIntervalMs === undefined ? {} : { busyIntervalMs: settings.batchBusyIntervalMs }),
  };
  const checkpoints = { intervalMs: settings.checkpointIntervalMs, everyRecords: settings.checkpointEveryRecords };
  if (settings.store === 'postgres') {
    const [{ PostgresAuditStore }, { PostgresAuditSink }] = await Promise.all([import('./postgres-store.ts'), import('./postgres-sink.ts')]);
    const store = await PostgresAuditStore.open({ url: settings.postgresUrl!, schema: settings.postgresSchema });
    try {
      return { sink: await PostgresAuditSink.open({ store, gatewayId, signingKey: key, batch, checkpoints }), store };
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  const sink = await SqliteAuditSink.open({ path: settings.sqlitePath, gatewayId, signingKey: key, synchronous: settings.sqliteSynchronous, batch, checkpoints });
  // A second connection for queries and retention: on the same thread as the writer, so its short write transactions never wait for the writer's lock.
  return { sink, store: new SqliteAuditStore(settings.sqlitePath, { synchronous: settings.sqliteSynchronous }) };
}

export function loadSigningKey(settings: AuditSettings): Promise<SigningKey> {
  return loadOrCreateSigningKey(settings.signingKeyPath);
}

/**
 * The keys verify trusts: the signing key beside the store (when this machine
 * has it), the configured trusted_keys, and any extra PEM files given. Empty
 * when none is available: verify then falls back to the store's own key table.
 */
export async function loadTrustedKeys(settings: AuditSettings, extraPaths: readonly string[] = []): Promise<Map<string, KeyObject>> {
  const pems: { pem: string; source: string }[] = [];
  const signing = await readSigningKey(settings.signingKeyPath);
  if (signing !== undefined) pems.push({ pem: signing.publicKeyPem, source: settings.signingKeyPath });
  for (const path of [...settings.trustedKeyPaths, ...extraPaths]) {
    try {
      pems.push({ pem: await readFile(path, 'utf8'), source: path });
    } catch (error) {
      throw new AuditError('audit_key_invalid', `cannot read the public key ${path}: ${describeCause(error)}`, { cause: error });
    }
  }
  return trustedKeysFromPems(pems);
}
