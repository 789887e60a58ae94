// Retention by category (docs/audit.md: security events are kept longer than
// routine ones, which investigations need and storage can afford): whole days older than a category's retention are deleted
// from the front of each of its logs, after an anchor (the Merkle frontier
// and last hash at the cut, under a signed checkpoint) is stored, so that
// what remains still verifies against the signed history.

import { signCheckpoint, type SigningKey } from './checkpoint.ts';
import { AuditError } from './errors.ts';
import { utcDay } from './query.ts';
import { AUDIT_CATEGORIES, type AuditCategory } from './record.ts';
import type { AuditStore, LogState, RetentionAnchor, RetentionCut } from './sink.ts';

export interface RetentionDays {
  security: number;
  routine: number;
}

export interface RetentionReport {
  category: AuditCategory;
  /** Days before this one (UTC) were deleted. */
  beforeDay: string;
  logs: { logId: string; keptFromSeq: number }[];
  deletedRecords: number;
}

const DAY_MS = 86_400_000;
const PAGE = 5_000;

/** The first day each category keeps: a retention of N days keeps today and the N days before it. */
export function retentionCutoffs(days: RetentionDays, now: Date): Record<AuditCategory, string> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return {
    security: utcDay(new Date(today - days.security * DAY_MS)),
    routine: utcDay(new Date(today - days.routine * DAY_MS)),
  };
}

export async function applyRetention(store: AuditStore, days: RetentionDays, key: SigningKey, now: Date = new Date()): Promise<RetentionReport[]> {
  const cutoffs = retentionCutoffs(days, now);
  const logs = await store.listLogs();
  const reports: RetentionReport[] = [];
  for (const category of AUDIT_CATEGORIES) {
    const beforeDay = cutoffs[category];
    const cuts: RetentionCut[] = [];
    for (const log of logs.filter((candidate) => candidate.category === category)) {
      const keepFrom = (await store.firstSeqOnOrAfterDay(log.logId, beforeDay)) ?? log.size;
      if (keepFrom <= log.anchor.size) continue;
      cuts.push(await cutAt(store, log, keepFrom, key, now));
    }
    const { deletedRecords } = cuts.length === 0 ? { deletedRecords: 0 } : await store.applyRetention(category, beforeDay, cuts);
    reports.push({ category, beforeDay, logs: cuts.map((cut) => ({ logId: cut.logId, keptFromSeq: cut.anchor.size })), deletedRecords });
  }
  return reports;
}

/**
 * Walks the links from the current anchor to the cut, checking each against
 * the one before and every signed root on the way (up to the first checkpoint
 * at or past the cut), so that retention never signs over rewritten history.
 */
async function cutAt(store: AuditStore, log: LogState, keepFrom: number, key: SigningKey, now: Date): Promise<RetentionCut> {
  const checkpoints = (await store.readCheckpoints(log.logId)).filter((checkpoint) => checkpoint.treeSize > log.anchor.size);
  const checkUntil = checkpoints.find((checkpoint) => checkpoint.treeSize >= keepFrom)?.treeSize ?? keepFrom;
  const roots = new Map(checkpoints.filter((checkpoint) => checkpoint.treeSize <= checkUntil).map((checkpoint) => [checkpoint.treeSize, checkpoint.rootHash]));
  const refuse = (why: string): never => {
    throw new AuditError('audit_retention_refused', `retention stopped before deleting anything from ${log.logId}: ${why}; run gatehouse audit verify to find the damaged record`);
  };
  const frontier = log.anchor.frontier.clone();
  let lastHash = log.anchor.lastHash;
  let anchor: RetentionAnchor | undefined;
  let seq = log.anchor.size;
  while (seq < checkUntil) {
    const links = await store.readLinks(log.logId, seq, PAGE);
    if (links.length === 0) refuse(`record seq ${seq} is missing`);
    for (const link of links) {
      if (seq >= checkUntil) break;
      if (link.seq !== seq) refuse(`record seq ${seq} is missing`);
      if (!link.prevHash.equals(lastHash)) refuse(`record seq ${seq} does not chain to the record before it`);
      frontier.append(link.hash);
      lastHash = link.hash;
      seq += 1;
      const root = roots.get(seq);
      if (root !== undefined && !root.equals(frontier.root())) refuse(`the records before seq ${seq} do not match their signed checkpoint`);
      if (seq === keepFrom) anchor = { size: keepFrom, lastHash, frontier: frontier.clone() };
    }
  }
  if (anchor === undefined) refuse(`the cut at seq ${keepFrom} was not reached`);
  const isSigned = checkpoints.some((checkpoint) => checkpoint.treeSize === keepFrom);
  return {
    logId: log.logId,
    previousSize: log.anchor.size,
    anchor: anchor!,
    checkpoint: isSigned ? undefined : signCheckpoint(key, { logId: log.logId, treeSize: keepFrom, rootHash: anchor!.frontier.root(), timestampMs: now.getTime() }),
  };
}
