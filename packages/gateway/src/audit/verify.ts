// `gatehouse audit verify` as a library: walks every log of a store from its
// retention anchor, recomputing each entry's hash, its link to the previous
// one, its index columns and the Merkle root at every signed checkpoint, and
// stops at the first record or checkpoint that fails, naming it.

import type { KeyObject } from 'node:crypto';
import { isCheckpointSignatureValid, keyIdOf, publicKeyFromPem, type Checkpoint } from './checkpoint.ts';
import { entryHash } from './hash-chain.ts';
import type { MerkleFrontier } from './merkle.ts';
import { indexColumns, type IndexColumns } from './record-index.ts';
import type { AuditRecord } from './record.ts';
import type { AuditStore, LogState, StoredEntry } from './sink.ts';

export type VerifyFailureCode =
  | 'record_altered'
  | 'record_missing'
  | 'record_unexpected'
  | 'chain_broken'
  | 'index_mismatch'
  | 'root_mismatch'
  | 'checkpoint_signature_invalid'
  | 'checkpoint_key_unknown'
  | 'log_truncated'
  | 'head_mismatch'
  | 'anchor_unverified';

interface VerifyFailure {
  code: VerifyFailureCode;
  logId: string;
  /** The failing record's position, when a record fails. */
  seq?: number;
  auditId?: string;
  /** The failing checkpoint's tree size, when a checkpoint fails. */
  checkpointSize?: number;
  message: string;
}

interface VerifyProgress {
  logId: string;
  /** Records checked so far, over all logs. */
  checked: number;
  total: number;
}

interface LogVerification {
  logId: string;
  /** First seq still stored (the retention anchor) and the log's size. */
  firstSeq: number;
  /** The first seq this run checked: `firstSeq`, or later when only the last records were asked for. */
  fromSeq: number;
  size: number;
  recordsChecked: number;
  checkpointsChecked: number;
  latestCheckpoint: { treeSize: number; timestampMs: number; rootHash: string } | undefined;
}

export interface VerifyReport {
  isValid: boolean;
  /** False when signatures were checked against keys read from the store itself, which a forger could replace. */
  areKeysTrusted: boolean;
  logs: LogVerification[];
  failure: VerifyFailure | undefined;
}

export interface VerifyOptions {
  /** Public keys by key id; when none are given, the store's own key table is used and the report says so. */
  trustedKeys?: ReadonlyMap<string, KeyObject>;
  logIds?: readonly string[];
  pageSize?: number;
  onProgress?: (progress: VerifyProgress) => void;
  /**
   * Check only each log's last this many records (the admin API's bounded
   * run): their hashes, their chain back to the record before them, their
   * index columns, the head and every checkpoint's signature. The Merkle
   * roots need every record from the anchor, so only a full run checks them.
   */
  lastRecords?: number;
}

/** Key id → key, from PEM texts (public keys, or private keys whose public half is meant). */
export function trustedKeysFromPems(pems: readonly { pem: string; source: string }[]): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const { pem, source } of pems) {
    const key = publicKeyFromPem(pem, source);
    keys.set(keyIdOf(key), key);
  }
  return keys;
}

class VerificationFailed extends Error {
  readonly failure: VerifyFailure;
  constructor(failure: VerifyFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

export async function verifyStore(store: AuditStore, options: VerifyOptions = {}): Promise<VerifyReport> {
  const allLogs = await store.listLogs();
  const logs = options.logIds === undefined ? allLogs : allLogs.filter((log) => options.logIds!.includes(log.logId));
  const areKeysTrusted = options.trustedKeys !== undefined && options.trustedKeys.size > 0;
  const keys = areKeysTrusted ? options.trustedKeys! : trustedKeysFromPems([...(await store.readPublicKeys())].map(([keyId, pem]) => ({ pem, source: `stored key ${keyId}` })));
  const total = logs.reduce((sum, log) => sum + Math.max(0, log.size - startOf(log, options)), 0);
  const progress = { checked: 0, total };
  const results: LogVerification[] = [];
  try {
    for (const log of logs) results.push(await verifyLog(store, log, keys, options, progress));
  } catch (error) {
    if (error instanceof VerificationFailed) return { isValid: false, areKeysTrusted, logs: results, failure: error.failure };
    throw error;
  }
  return { isValid: true, areKeysTrusted, logs: results, failure: undefined };
}

/** Where a run starts in `log`: its anchor, or its last `lastRecords` records. */
function startOf(log: LogState, options: VerifyOptions): number {
  return options.lastRecords === undefined ? log.anchor.size : Math.max(log.anchor.size, log.size - options.lastRecords);
}

async function verifyLog(store: AuditStore, log: LogState, keys: ReadonlyMap<string, KeyObject>, options: VerifyOptions, progress: { checked: number; total: number }): Promise<LogVerification> {
  const logId = log.logId;
  const fail = (failure: Omit<VerifyFailure, 'logId'>): never => {
    throw new VerificationFailed({ logId, ...failure });
  };
  const checkpoints = await store.readCheckpoints(logId);
  for (const checkpoint of checkpoints) checkSignature(checkpoint, keys, fail);

  const anchor = log.anchor;
  const later = checkpoints.filter((checkpoint) => checkpoint.treeSize >= anchor.size);
  if (anchor.size > 0) {
    if (anchor.frontier.size !== anchor.size) fail({ code: 'anchor_unverified', message: `the retention anchor of ${logId} is damaged: it claims size ${anchor.size} but its frontier covers ${anchor.frontier.size} records` });
    if (later.length === 0) {
      fail({ code: 'anchor_unverified', message: `the retention anchor of ${logId} at size ${anchor.size} is not covered by any signed checkpoint, so the kept records cannot be tied to the signed log` });
    }
    const atAnchor = later.find((checkpoint) => checkpoint.treeSize === anchor.size);
    if (atAnchor !== undefined && !atAnchor.rootHash.equals(anchor.frontier.root())) {
      fail({ code: 'anchor_unverified', checkpointSize: anchor.size, message: `the retention anchor of ${logId} at size ${anchor.size} does not match the checkpoint signed for that size: the anchor was altered` });
    }
  }

  const start = startOf(log, options);
  const isPartial = start > anchor.size;
  const frontier: MerkleFrontier = anchor.frontier.clone();
  let expectedSeq = start;
  let previous = { hash: anchor.lastHash, auditId: undefined as string | undefined };
  if (isPartial) {
    const [link] = await store.readLinks(logId, start - 1, 1);
    if (link === undefined || link.seq !== start - 1) fail({ code: 'record_missing', seq: start - 1, message: `record seq ${start - 1} of ${logId} is missing: records were deleted` });
    previous = { hash: link!.hash, auditId: `seq ${start - 1}` };
  }
  let nextCheckpoint = isPartial ? later.length : later.findIndex((checkpoint) => checkpoint.treeSize > anchor.size);
  if (nextCheckpoint === -1) nextCheckpoint = later.length;
  let checkpointsChecked = isPartial ? 0 : checkpoints.length - (later.length - nextCheckpoint);
  const pageSize = options.pageSize ?? 2_000;

  for (;;) {
    const page = await store.readEntries(logId, expectedSeq, pageSize);
    for (const entry of page) {
      if (entry.seq !== expectedSeq) {
        fail({ code: 'record_missing', seq: expectedSeq, message: `record seq ${expectedSeq} of ${logId} is missing: the next stored record is seq ${entry.seq} (${entry.columns.auditId}); records were deleted` });
      }
      if (!entry.prevHash.equals(previous.hash)) {
        const before = previous.auditId === undefined ? `the retention anchor` : `seq ${expectedSeq - 1} (${previous.auditId})`;
        fail({
          code: 'chain_broken',
          seq: entry.seq,
          auditId: entry.columns.auditId,
          message: `record seq ${entry.seq} (${entry.columns.auditId}) of ${logId} does not chain to ${before}: one of the two was changed with its hash recomputed, or they were reordered`,
        });
      }
      if (!entryHash(logId, entry.seq, entry.prevHash, entry.recordText).equals(entry.hash)) {
        fail({
          code: 'record_altered',
          seq: entry.seq,
          auditId: entry.columns.auditId,
          message: `record seq ${entry.seq} (${entry.columns.auditId}) of ${logId} does not match its hash: its content, position or log was changed after it was written`,
        });
      }
      checkIndexColumns(entry, fail);
      if (!isPartial) frontier.append(entry.hash);
      expectedSeq += 1;
      previous = { hash: entry.hash, auditId: entry.columns.auditId };
      const checkpoint = later[nextCheckpoint];
      if (checkpoint !== undefined && checkpoint.treeSize === frontier.size) {
        if (!checkpoint.rootHash.equals(frontier.root())) {
          fail({
            code: 'root_mismatch',
            checkpointSize: checkpoint.treeSize,
            message: `the records of ${logId} before seq ${checkpoint.treeSize} do not hash to the root signed at ${new Date(checkpoint.timestampMs).toISOString()}: records were rewritten together with their hashes`,
          });
        }
        nextCheckpoint += 1;
        checkpointsChecked += 1;
      }
    }
    progress.checked += page.length;
    options.onProgress?.({ logId, checked: progress.checked, total: progress.total });
    if (page.length < pageSize) break;
  }

  const stored = expectedSeq;
  const furthest = later.at(-1);
  if (furthest !== undefined && furthest.treeSize > stored) {
    fail({
      code: 'log_truncated',
      seq: stored,
      checkpointSize: furthest.treeSize,
      message: `${logId} holds ${stored} records but a checkpoint signed at ${new Date(furthest.timestampMs).toISOString()} covers ${furthest.treeSize}: records ${stored} to ${furthest.treeSize - 1} were removed`,
    });
  }
  if (stored < log.size) {
    fail({ code: 'log_truncated', seq: stored, message: `${logId} holds ${stored} records but its head says ${log.size}: records ${stored} to ${log.size - 1} were removed` });
  }
  if (stored > log.size) {
    fail({ code: 'record_unexpected', seq: log.size, message: `${logId} holds records past its head (size ${log.size}): seq ${log.size} onward was added outside the gateway` });
  }
  if (log.isHeadDamaged || !previous.hash.equals(log.lastHash) || (!isPartial && !frontier.root().equals(log.frontier.root()))) {
    fail({ code: 'head_mismatch', message: `the head of ${logId} (size ${log.size}) does not match its records: the log's head row was altered` });
  }
  const latest = checkpoints.at(-1);
  return {
    logId,
    firstSeq: anchor.size,
    fromSeq: start,
    size: log.size,
    recordsChecked: stored - start,
    checkpointsChecked,
    latestCheckpoint: latest === undefined ? undefined : { treeSize: latest.treeSize, timestampMs: latest.timestampMs, rootHash: latest.rootHash.toString('hex') },
  };
}

function checkSignature(checkpoint: Checkpoint, keys: ReadonlyMap<string, KeyObject>, fail: (failure: Omit<VerifyFailure, 'logId'>) => never): void {
  const key = keys.get(checkpoint.keyId);
  if (key === undefined) {
    fail({
      code: 'checkpoint_key_unknown',
      checkpointSize: checkpoint.treeSize,
      message: `the checkpoint of ${checkpoint.logId} at size ${checkpoint.treeSize} is signed by key ${checkpoint.keyId}, which is not a trusted key: it was forged, or pass that key's public PEM with --public-key`,
    });
  }
  if (!isCheckpointSignatureValid(checkpoint, key!)) {
    fail({
      code: 'checkpoint_signature_invalid',
      checkpointSize: checkpoint.treeSize,
      message: `the checkpoint of ${checkpoint.logId} at size ${checkpoint.treeSize} has an invalid signature: it was forged or altered`,
    });
  }
}

function checkIndexColumns(entry: StoredEntry, fail: (failure: Omit<VerifyFailure, 'logId'>) => never): void {
  let expected: IndexColumns;
  try {
    expected = indexColumns(JSON.parse(entry.recordText) as AuditRecord);
  } catch {
    return fail({ code: 'record_altered', seq: entry.seq, auditId: entry.columns.auditId, message: `record seq ${entry.seq} of ${entry.logId} is not an audit record any more` });
  }
  for (const key of Object.keys(expected) as (keyof IndexColumns)[]) {
    const isSame = key === 'targets' ? expected.targets.join('\u001f') === entry.columns.targets.join('\u001f') : expected[key] === entry.columns[key];
    if (!isSame) {
      fail({
        code: 'index_mismatch',
        seq: entry.seq,
        auditId: expected.auditId,
        message: `the query columns of record seq ${entry.seq} (${expected.auditId}) of ${entry.logId} disagree with the record (${key}): they were edited, which would hide the record from queries`,
      });
    }
  }
}
