// Where registry entries are kept: the interface both stores implement
// (sqlite-store.ts, the embedded default; postgres-store.ts, shared by
// replicas and concurrent admins). Every write is a compare-and-set on the
// entry's resourceVersion, so two admins editing at once get `conflict`.

import type { LifecycleState, RegistryEntry } from './entry.ts';
import type { NewSnapshotRecord, SnapshotRecord } from './definition-snapshot.ts';
import { RegistryError } from './errors.ts';

export interface EntryFilter {
  tenant?: string;
  states?: readonly LifecycleState[];
}

export interface RegistryStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Where it is, for messages (credentials removed). */
  readonly location: string;
  /** Adds a new entry at resourceVersion 1; `already_exists` when its name is taken. */
  create(entry: RegistryEntry): Promise<RegistryEntry>;
  get(name: string): Promise<RegistryEntry | undefined>;
  /** Sorted by name. */
  list(filter?: EntryFilter): Promise<RegistryEntry[]>;
  /**
   * Writes `entry` in place of the stored one only if the stored
   * resourceVersion is still `expectedVersion`, and returns it with the next
   * version; `conflict` if another write came first, `not_found` if none exists.
   */
  replace(entry: RegistryEntry, expectedVersion: string): Promise<RegistryEntry>;
  /** Stores a schema snapshot of a backend (definition-snapshot.ts) as its next sequence number. */
  addSnapshot(record: NewSnapshotRecord): Promise<SnapshotRecord>;
  /** A backend's snapshot records, oldest first. */
  listSnapshots(backend: string): Promise<SnapshotRecord[]>;
  close(): Promise<void>;
}

/** Whether a client's If-Match can be a version this store wrote (a decimal counter); anything else never matches. */
export function isResourceVersion(value: string): boolean {
  return /^[1-9][0-9]{0,15}$/.test(value);
}

/** The next resourceVersion after `version`: a decimal counter, opaque to clients. */
export function nextResourceVersion(version: string): string {
  return String(Number(version) + 1);
}

/** The JSON kept for an entry; its resourceVersion lives in a column of its own, the one compared. */
export function entryDocument(entry: RegistryEntry): string {
  return JSON.stringify({ ...entry, metadata: { ...entry.metadata, resourceVersion: undefined } });
}

export function entryFromDocument(document: string, resourceVersion: unknown): RegistryEntry {
  const entry = JSON.parse(document) as RegistryEntry;
  return { ...entry, metadata: { ...entry.metadata, resourceVersion: String(resourceVersion) } };
}

/** The answer to a stale write (HTTP 409 at the admin API). */
export function conflictError(name: string, expected: string, found: string | undefined): RegistryError {
  return new RegistryError('conflict', `${name} changed since version ${expected} was read (it is now version ${found ?? 'unknown'}); read it again, reapply your change and retry with the new version`);
}

export function notFoundError(name: string): RegistryError {
  return new RegistryError('not_found', `no registry entry is named ${name}; list the entries to see the names`);
}

export function alreadyExistsError(name: string): RegistryError {
  return new RegistryError('already_exists', `a registry entry named ${name} exists already; revise it, or pick another name`);
}

/** The JSON kept for a snapshot record; its backend and sequence live in columns of their own. */
export function snapshotDocument(record: NewSnapshotRecord): string {
  return JSON.stringify({ ...record, backend: undefined });
}

export function snapshotFromDocument(document: string, backend: unknown, sequence: unknown): SnapshotRecord {
  return { ...(JSON.parse(document) as Omit<SnapshotRecord, 'backend' | 'sequence'>), backend: String(backend), sequence: Number(sequence) };
}
