// The thin I/O shell around the lifecycle: read the entry, apply the pure
// change (lifecycle.ts), write it back with compare-and-set, and hand the
// caller the stored entry and the event to append to the audit log. The
// admin API, the CLI and the console call these, never the store directly.

import { validateSpec, type RegistryEntry } from './entry.ts';
import { createEntry, DEFAULT_LIFECYCLE_POLICY, reviseSpec, transition, type Actor, type LifecycleOutcome, type LifecyclePolicy, type RegistryEvent, type TransitionRequest } from './lifecycle.ts';
import { conflictError, notFoundError, type RegistryStore } from './store.ts';

export interface CommandResult {
  entry: RegistryEntry;
  /** With the resourceVersion the write produced; the caller appends it to the audit log. */
  event: RegistryEvent;
}

export interface WriteOptions {
  /** The resourceVersion the caller last read (If-Match); a stale one is `conflict`. Without it the version read here is compared. */
  ifMatch?: string;
  policy?: LifecyclePolicy;
}

/** Validates the spec and stores a new entry (proposed, or active when a platform admin pre-approved it). */
export async function proposeEntry(store: RegistryStore, specInput: unknown, actor: Actor, now: Date, reason: string, policy: LifecyclePolicy = DEFAULT_LIFECYCLE_POLICY): Promise<CommandResult> {
  const outcome = createEntry(validateSpec(specInput), actor, now, reason, policy);
  if (!outcome.isApplied) throw outcome.error;
  const entry = await store.create(outcome.entry);
  return { entry, event: { ...outcome.event, resourceVersion: entry.metadata.resourceVersion } };
}

export function applyTransition(store: RegistryStore, name: string, request: TransitionRequest, actor: Actor, now: Date, options: WriteOptions = {}): Promise<CommandResult> {
  return write(store, name, options, (entry) => transition(entry, request, actor, now, options.policy));
}

export function applySpecRevision(store: RegistryStore, name: string, specInput: unknown, actor: Actor, now: Date, reason: string, options: WriteOptions = {}): Promise<CommandResult> {
  const spec = validateSpec(specInput);
  return write(store, name, options, (entry) => reviseSpec(entry, spec, actor, now, reason));
}

async function write(store: RegistryStore, name: string, options: WriteOptions, change: (entry: RegistryEntry) => LifecycleOutcome): Promise<CommandResult> {
  const current = await store.get(name);
  if (current === undefined) throw notFoundError(name);
  if (options.ifMatch !== undefined && options.ifMatch !== current.metadata.resourceVersion) {
    throw conflictError(name, options.ifMatch, current.metadata.resourceVersion);
  }
  const outcome = change(current);
  if (!outcome.isApplied) throw outcome.error;
  const entry = await store.replace(outcome.entry, options.ifMatch ?? current.metadata.resourceVersion);
  return { entry, event: { ...outcome.event, resourceVersion: entry.metadata.resourceVersion } };
}
