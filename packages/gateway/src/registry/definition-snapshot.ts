// A backend's definitions as the registry keeps them: the canonical schema
// snapshot (schema-diff/schema-snapshot.ts, the format `gatehouse schema
// snapshot` writes) of one moment, numbered per backend. `approved` records
// are the definitions a review vouched for; `changed` ones are what the
// gateway saw later, with the verdict of the schema diff against the
// approved one (definition-governance.ts). Stored beside the entries
// (store.ts, a table of their own).

import { createHash } from 'node:crypto';
import type { SchemaChange } from '../schema-diff/schema-change.ts';
import type { SchemaSnapshot } from '../schema-diff/schema-snapshot.ts';
import type { LifecycleState } from './entry.ts';

/**
 * How a change of definitions affects clients, and so what the registry
 * does (docs/registry.md, Schema snapshots): `additive` (nothing a client
 * relied on broke; wording changes count here) is recorded and routed;
 * both breaking kinds send the entry back to review, and the one without a
 * major step of serverInfo.version is flagged besides.
 */
export type DefinitionVerdictKind = 'additive' | 'breaking_with_major_bump' | 'breaking_without_major_bump';

export interface DefinitionVerdict {
  kind: DefinitionVerdictKind;
  /** The approved snapshot compared against. */
  baseSequence: number;
  breaking: number;
  changes: SchemaChange[];
  version: { before: string; after: string; isMajorBump: boolean; reason: string };
  /** Tools with a breaking change: withheld from the catalog when `block_breaking_without_major` holds and the step is not major. */
  breakingTools: string[];
}

export interface SnapshotRecord {
  backend: string;
  /** 1, 2, ... per backend: the `{sequence}` of GET /admin/registry/{name}/snapshots/{sequence}. */
  sequence: number;
  kind: 'approved' | 'changed';
  /** The entry's review round when it was taken: an approved snapshot belongs to the round that approved it. */
  reviewRound: number;
  /** The entry's lifecycle state when it was taken. */
  state: LifecycleState;
  /** serverInfo.version of the backend's handshake. */
  serverVersion: string;
  /** sha256 of the canonical snapshot: equal digests, equal definitions. */
  digest: string;
  /** RFC 3339. */
  takenAt: string;
  verdict?: DefinitionVerdict;
  snapshot: SchemaSnapshot;
}

export type NewSnapshotRecord = Omit<SnapshotRecord, 'sequence'>;

/** The digest of a canonical snapshot (buildSnapshot sorts every list and key, so equal definitions hash equal). */
export function snapshotDigest(snapshot: SchemaSnapshot): string {
  return createHash('sha256').update(JSON.stringify(snapshot)).digest('hex');
}

/** The newest approved record, the baseline of every diff. */
export function latestApproved(records: readonly SnapshotRecord[]): SnapshotRecord | undefined {
  return records.filter((record) => record.kind === 'approved').at(-1);
}

/**
 * The record a reference names: a sequence number (`3`), `approved` (the
 * newest approved), `latest`, or a serverInfo.version (`2.0.0`, its newest
 * record). Undefined when none matches.
 */
export function findSnapshot(records: readonly SnapshotRecord[], reference: string): SnapshotRecord | undefined {
  if (reference === 'latest') return records.at(-1);
  if (reference === 'approved') return latestApproved(records);
  if (/^[1-9][0-9]{0,8}$/.test(reference)) return records.find((record) => record.sequence === Number(reference));
  return records.filter((record) => record.serverVersion === reference).at(-1);
}

/** A record without its snapshot, for lists. */
export function snapshotSummary(record: SnapshotRecord): Omit<SnapshotRecord, 'snapshot'> & { tools: number } {
  const { snapshot, ...summary } = record;
  return { ...summary, tools: snapshot.tools.length };
}
