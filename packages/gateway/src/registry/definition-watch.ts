// The shell around definition-governance.ts: when the catalog's lists of a
// backend change (a listing, a call's refresh, a list_changed, a restart) or
// its entry is written (an approval, an activation), it takes the live
// schema snapshot, decides, writes the entry with compare-and-set, stores
// the snapshot record and audits the change. One check per backend at a
// time in this process; checks of unchanged definitions stop at the digest.

import { buildSnapshot, type JsonObject, type SchemaSnapshot } from '../schema-diff/schema-snapshot.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { Logger } from '../telemetry/logger.ts';
import { decideOnDefinitions } from './definition-governance.ts';
import { snapshotDigest } from './definition-snapshot.ts';
import type { RegistryEntry } from './entry.ts';
import { isRegistryError } from './errors.ts';
import type { RegistryEvent } from './lifecycle.ts';
import type { RoutingGate } from './routing-gate.ts';

export interface DefinitionWatchOptions {
  gate: RoutingGate;
  /** The backend's live definitions in canonical form, or undefined while it is not connected or a list is still being fetched. */
  liveSnapshotOf: (backend: string) => SchemaSnapshot | undefined;
  /** The names of the backends whose lists the catalog holds. */
  backendNames: () => readonly string[];
  logger: Logger;
  now?: () => Date;
  onSystemEvent?: (event: RegistryEvent, details: Record<string, unknown>) => Promise<void>;
  /** Lists refresh one kind at a time; checks wait this long for the rest (default 50 ms). */
  settleMs?: number;
}

export class DefinitionWatch {
  readonly #options: DefinitionWatchOptions;
  readonly #now: () => Date;
  /** Per backend, `digest@resourceVersion`: the definitions last decided on and the entry version they were decided against. */
  readonly #decided = new Map<string, string>();
  readonly #running = new Map<string, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  readonly #pending = new Set<string>();

  constructor(options: DefinitionWatchOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Checks `names` (default: every backend of the catalog) once their lists settle. */
  schedule(names?: readonly string[]): void {
    for (const name of names ?? this.#options.backendNames()) this.#pending.add(name);
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const due = [...this.#pending];
      this.#pending.clear();
      for (const name of due) void this.check(name);
    }, this.#options.settleMs ?? 50);
    this.#timer.unref();
  }

  /** Decides on `backend`'s live definitions; resolves when the outcome is written and audited. */
  check(backend: string): Promise<void> {
    const previous = this.#running.get(backend) ?? Promise.resolve();
    const next = previous.then(() => this.#check(backend)).catch((error: unknown) => {
      this.#options.logger.warn({ backend, err: error }, 'the registry could not compare the backend\'s definitions with its approved snapshot; the next change retries');
    });
    this.#running.set(backend, next);
    return next;
  }

  close(): void {
    clearTimeout(this.#timer);
  }

  async #check(backend: string): Promise<void> {
    const snapshot = this.#options.liveSnapshotOf(backend);
    if (snapshot === undefined) return;
    const digest = snapshotDigest(snapshot);
    const { gate } = this.#options;
    // Lists that refresh often (a short ttlMs) mostly bring the same definitions: decided already, no store read.
    const cached = gate.cachedEntries().find((entry) => entry.spec.name === backend);
    if (cached !== undefined && this.#decided.get(backend) === `${digest}@${cached.metadata.resourceVersion}`) return;
    // Another writer may win the compare-and-set; read again and re-decide, a few times.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const entry = await gate.store.get(backend);
      if (entry === undefined) return;
      const key = `${digest}@${entry.metadata.resourceVersion}`;
      if (this.#decided.get(backend) === key) return;
      const records = await gate.store.listSnapshots(backend);
      const decision = decideOnDefinitions(entry, records, { snapshot, digest }, this.#now(), gate.policy);
      if (decision.kind === 'none') {
        this.#decided.set(backend, key);
        return;
      }
      let written: RegistryEntry = entry;
      if (decision.kind === 'change' && decision.outcome !== undefined) {
        if (!decision.outcome.isApplied) {
          this.#options.logger.warn({ backend, err: decision.outcome.error }, 'a breaking change of the backend\'s definitions could not send it back to review');
        } else {
          try {
            written = await gate.store.replace(decision.outcome.entry, entry.metadata.resourceVersion);
          } catch (error) {
            if (isRegistryError(error) && error.code === 'conflict') continue;
            throw error;
          }
          await gate.observe(written);
        }
      }
      const record = await gate.store.addSnapshot(decision.record);
      this.#decided.set(backend, `${digest}@${written.metadata.resourceVersion}`);
      if (decision.kind === 'baseline') {
        this.#options.logger.info({ backend, sequence: record.sequence, serverVersion: record.serverVersion, round: record.reviewRound }, 'stored the approved schema snapshot of the backend');
        return;
      }
      const { verdict } = decision;
      const event = { ...decision.event, ...(written === entry ? {} : { resourceVersion: written.metadata.resourceVersion }) };
      const level = verdict.kind === 'additive' ? 'info' : 'warn';
      this.#options.logger[level]({ backend, verdict: verdict.kind, breaking: verdict.breaking, sequence: record.sequence, from: event.from, to: event.to }, event.reason);
      await this.#options.onSystemEvent?.(event, {
        trigger: 'definitions_changed', verdict: verdict.kind, snapshot: record.sequence, approved_snapshot: verdict.baseSequence,
        breaking: verdict.breaking, server_version: { before: verdict.version.before, after: verdict.version.after }, breaking_tools: verdict.breakingTools,
      });
      return;
    }
    this.#options.logger.warn({ backend }, 'the backend\'s changed definitions could not be recorded: its entry kept changing; the next change retries');
  }
}

/**
 * Wires a watch to the gateway: checks after every catalog change and every
 * entry this process writes (an approval, an activation), with the live
 * snapshot built from the catalog's own lists and the backend's handshake
 * exactly as `gatehouse schema snapshot` builds one from a server.
 */
export function watchDefinitions(options: { gate: RoutingGate; catalog: Catalog; logger: Logger; onSystemEvent?: DefinitionWatchOptions['onSystemEvent'] }): DefinitionWatch {
  const { gate, catalog } = options;
  const watch = new DefinitionWatch({
    gate,
    logger: options.logger,
    backendNames: () => catalog.backends().map((backend) => backend.name),
    liveSnapshotOf: (backend) => {
      const listed = catalog.listingsOf(backend);
      if (listed === undefined) return undefined;
      const handshake = listed.backend.handshake;
      return buildSnapshot({
        serverInfo: handshake?.serverInfo === undefined ? undefined : { name: handshake.serverInfo.name, version: handshake.serverInfo.version },
        tools: listed.lists.tools as JsonObject[], resources: listed.lists.resources as JsonObject[], resourceTemplates: listed.lists.resourceTemplates as JsonObject[], prompts: listed.lists.prompts as JsonObject[],
      });
    },
    ...(options.onSystemEvent === undefined ? {} : { onSystemEvent: options.onSystemEvent }),
  });
  catalog.onChange(() => watch.schedule());
  gate.onObserve((entry) => watch.schedule([entry.spec.name]));
  return watch;
}
