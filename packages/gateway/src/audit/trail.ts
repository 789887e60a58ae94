// The audit trail the gateway holds: one per process, opened at start. Each
// operation's facts become a record that is durable before the answer
// leaves (record() resolves), or, when the store fails, a refused call
// (fail-closed) or a spooled record replayed later (fail-open). Tracks store
// outages (probed with backoff, reported by /readyz). Runs retention.

import { silentLogger, type Logger } from '../telemetry/logger.ts';
import { AuditError, describeCause, isAuditError } from './errors.ts';
import { loadSigningKey, openAuditSink } from './open-store.ts';
import { buildAuditRecord, type AuditFacts, type AuditRecord } from './record.ts';
import { applyRetention, type RetentionReport } from './retention.ts';
import { shouldStoreOutput, spoolPathOf, type AuditSettings, type FailMode } from './settings.ts';
import { AuditSpool } from './spool.ts';
import type { SigningKey } from './checkpoint.ts';
import type { AuditReceipt, AuditSink, AuditStore } from './sink.ts';
import { createAuditRedaction, type AuditRedaction } from './record-redaction.ts';
import { SessionAudit } from './session-audit.ts';

export interface AuditTrailOptions {
  settings: AuditSettings;
  /** This replica's id (config gateway.id): its logs are `<id>/security` and `<id>/routine`. */
  gatewayId: string;
  logger?: Logger;
}

export interface AuditCounts {
  /** Records committed. */
  recorded: number;
  /** Records that could not be kept (fail-open) or whose call was refused (fail-closed). */
  lost: number;
  /** Records kept in the spool while the store was out (replayed into it later). */
  spooled: number;
}

/**
 * How a record that the store cannot take is handled: `closed` refuses the
 * operation, `open` spools the record and answers; `after_action` (the
 * outcome of a call the backend already ran) spools it and never refuses,
 * since refusing would hide an action that happened.
 */
export type RecordFailMode = FailMode | 'after_action';

/** Whether the store takes records now; /readyz reports it. */
export interface AuditAvailability {
  isAvailable: boolean;
  /** Why not, for operators: the store's last error. */
  reason?: string;
  /** Records in the spool, waiting for the store. */
  spooled: number;
}

/** Seconds a client is told to wait (Retry-After) while the store is out. */
export const AUDIT_RETRY_AFTER_SECONDS = 5;

/** The first probe of a store that failed comes after this, then doubling up to PROBE_MAX_MS. */
const PROBE_FIRST_MS = 250;
const PROBE_MAX_MS = 5_000;

export class AuditTrail {
  readonly settings: AuditSettings;
  readonly gatewayId: string;
  readonly #sink: AuditSink | undefined;
  readonly #store: AuditStore | undefined;
  readonly #key: SigningKey | undefined;
  readonly #logger: Logger;
  readonly #counts: AuditCounts = { recorded: 0, lost: 0, spooled: 0 };
  readonly #redaction: AuditRedaction;
  readonly #spool: AuditSpool | undefined;
  /** Set while the store is out: records skip it (refused or spooled) until a probe succeeds. */
  #outage: { reason: string; since: number } | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #probeDelayMs = PROBE_FIRST_MS;
  #replaying: Promise<void> | undefined;
  #replayTimer: NodeJS.Timeout | undefined;
  /** session_start / session_end records of 2025-era sessions. */
  readonly sessions: SessionAudit;
  #retentionTimer: NodeJS.Timeout | undefined;
  #retentionRun: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  private constructor(options: AuditTrailOptions, parts: { sink?: AuditSink; store?: AuditStore; key?: SigningKey; spool?: AuditSpool }) {
    this.settings = options.settings;
    this.gatewayId = options.gatewayId;
    this.#sink = parts.sink;
    this.#store = parts.store;
    this.#key = parts.key;
    this.#spool = parts.spool;
    this.#logger = options.logger ?? silentLogger;
    this.#redaction = createAuditRedaction(options.settings.redaction);
    this.sessions = new SessionAudit((facts) => this.record(facts), options.gatewayId);
  }

  /**
   * Opens the store named by the settings (creating tables, this replica's
   * logs and the signing key as needed) and schedules retention. A store that
   * cannot be opened fails the start: a gateway must not run unaudited.
   */
  static async open(options: AuditTrailOptions): Promise<AuditTrail> {
    if (!options.settings.isEnabled) return new AuditTrail(options, {});
    const key = await loadSigningKey(options.settings);
    const { sink, store } = await openAuditSink(options.settings, options.gatewayId, key);
    const spool = options.settings.spoolMaxBytes > 0 ? await AuditSpool.open(spoolPathOf(options.settings, options.gatewayId), options.settings.spoolMaxBytes) : undefined;
    const trail = new AuditTrail(options, { sink, store, key, ...(spool === undefined ? {} : { spool }) });
    trail.#scheduleRetention();
    // Records an earlier outage (or a crash during one) left in the spool go into the store now.
    if (spool !== undefined && spool.waiting > 0) trail.#startReplay();
    return trail;
  }

  /** Whether the store takes records now, and why not. */
  get availability(): AuditAvailability {
    const spooled = this.#spool?.waiting ?? 0;
    if (this.#outage === undefined) return { isAvailable: true, spooled };
    return { isAvailable: false, reason: this.#outage.reason, spooled };
  }

  get isEnabled(): boolean {
    return this.#sink !== undefined;
  }

  /** The read side (queries for the admin API); undefined when audit is disabled. */
  get store(): AuditStore | undefined {
    return this.#store;
  }

  get counts(): Readonly<AuditCounts> {
    return this.#counts;
  }

  /** Records accepted and not yet durable (the mcp_audit_queue_depth gauge). */
  get queueDepth(): number {
    return this.#sink?.pending ?? 0;
  }

  /** Reports each batch commit (duration, success) to `listener`, e.g. the audit write metrics. */
  observeWrites(listener: (seconds: number, isOk: boolean) => void): void {
    if (this.#sink !== undefined) this.#sink.onBatch = listener;
  }

  /** Whether to pass the (redacted) output of a call to `backend` in AuditFacts.output. */
  shouldStoreOutput(backend: string | undefined): boolean {
    return shouldStoreOutput(this.settings, backend);
  }

  /**
   * Redacts the facts' arguments, output and error message (settings.redaction),
   * builds the record and appends it. Resolves once it is durable (in the
   * store, or in the spool). When neither can keep it: `closed` rejects with
   * an AuditError (code audit_unavailable) for the caller to answer with;
   * `open` and `after_action` resolve undefined after counting and logging
   * the loss. `failMode` defaults to settings.failMode.
   */
  record(facts: AuditFacts, failMode?: RecordFailMode): Promise<AuditReceipt | undefined> {
    // Not async: an async function returning append's promise would wrap it in one more promise, resolved two microtask turns later, for every record.
    if (this.#sink === undefined) return Promise.resolve(undefined);
    let record: AuditRecord;
    try {
      record = buildAuditRecord(this.#redaction.redact(facts));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.append(record, failMode);
  }

  /** Appends a record built elsewhere, as given (no redaction); record() is the gateway's way in. */
  async append(record: AuditRecord, failMode: RecordFailMode = this.settings.failMode): Promise<AuditReceipt | undefined> {
    if (this.#sink === undefined) return undefined;
    let failure: unknown;
    if (this.#outage === undefined) {
      try {
        const receipt = await this.#sink.append(record);
        this.#counts.recorded += 1;
        return receipt;
      } catch (error) {
        failure = error;
        if (isStoreOutage(error)) this.#enterOutage(error);
      }
    } else {
      failure = new AuditError('audit_unavailable', `the audit store is unavailable since ${new Date(this.#outage.since).toISOString()} (${this.#outage.reason})`, { isTransient: true });
    }
    // The spool takes what the store could not take for now (down, or a full backlog); never a record refused for itself.
    if (failMode !== 'closed' && this.#spool !== undefined && isAuditError(failure) && failure.isTransient) {
      try {
        await this.#spool.write(record);
        this.#counts.spooled += 1;
        // Spooled for a full backlog, not an outage: no probe will follow, so the replay is scheduled here.
        if (this.#outage === undefined) this.#scheduleReplay();
        return undefined;
      } catch (spoolError) {
        failure = spoolError;
      }
    }
    this.#counts.lost += 1;
    const code = isAuditError(failure) ? failure.code : 'audit_unavailable';
    this.#logger.error(
      { audit_id: record.audit_id, operation: record.operation.type, name: record.operation.name, code, lost: this.#counts.lost, fail_mode: failMode },
      `audit record not kept: ${describeCause(failure)}`,
    );
    if (failMode !== 'closed') return undefined;
    throw new AuditError(
      'audit_unavailable',
      `the gateway could not keep the audit record of this ${record.operation.type} (${describeCause(failure)}), and audit is fail-closed, so the call is refused; retry in ${AUDIT_RETRY_AFTER_SECONDS} seconds, and if it persists ask the gateway operator to check the audit store`,
      // A record refused for itself (a value the store rejects) fails again on retry: said so, not "retry".
      { cause: failure, isTransient: !isAuditError(failure) || failure.isTransient },
    );
  }

  #enterOutage(error: unknown): void {
    if (this.#outage !== undefined) return;
    this.#outage = { reason: describeCause(error), since: Date.now() };
    this.#probeDelayMs = PROBE_FIRST_MS;
    this.#logger.error({ reason: this.#outage.reason }, 'audit store unavailable: records are refused (fail-closed) or spooled (fail-open) until it is back; /readyz reports not ready');
    this.#scheduleProbe();
  }

  #scheduleProbe(): void {
    if (this.#closing !== undefined || this.#probeTimer !== undefined) return;
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = undefined;
      void this.#probe();
    }, this.#probeDelayMs).unref();
    this.#probeDelayMs = Math.min(PROBE_MAX_MS, this.#probeDelayMs * 2);
  }

  async #probe(): Promise<void> {
    if (this.#sink === undefined || this.#closing !== undefined) return;
    try {
      await this.#sink.probe();
    } catch (error) {
      if (this.#outage !== undefined) this.#outage.reason = describeCause(error);
      this.#scheduleProbe();
      return;
    }
    const downSeconds = this.#outage === undefined ? 0 : (Date.now() - this.#outage.since) / 1000;
    this.#outage = undefined;
    this.#logger.info({ down_seconds: downSeconds, spooled: this.#spool?.waiting ?? 0 }, 'audit store available again');
    this.#startReplay();
  }

  #scheduleReplay(): void {
    if (this.#replayTimer !== undefined || this.#closing !== undefined) return;
    this.#replayTimer = setTimeout(() => {
      this.#replayTimer = undefined;
      this.#startReplay();
    }, PROBE_MAX_MS).unref();
  }

  /** Replays the spool into the store, in the order written; a failure puts the trail back in outage. */
  #startReplay(): void {
    const spool = this.#spool;
    const sink = this.#sink;
    if (spool === undefined || sink === undefined || this.#replaying !== undefined) return;
    this.#replaying = (async () => {
      try {
        let replayed = 0;
        // A round is submitted at once; it must fit the sink's backlog beside live traffic.
        const roundSize = Math.max(1, Math.min(500, Math.floor(this.settings.maxPendingRecords / 4)));
        const replay = () => spool.replay((record) => sink.append(record), roundSize);
        for (let round = await replay(); round > 0; round = await replay()) {
          replayed += round;
          this.#counts.recorded += round;
        }
        if (replayed > 0) this.#logger.info({ replayed }, 'audit spool replayed into the store');
      } catch (error) {
        this.#logger.error({ waiting: spool.waiting }, `audit spool replay stopped: ${describeCause(error)}`);
        if (isStoreOutage(error)) this.#enterOutage(error);
        else this.#scheduleReplay();
      } finally {
        this.#replaying = undefined;
      }
    })();
  }

  /** Resolves when the spool has been replayed (tests, shutdown). */
  async drainSpool(): Promise<void> {
    await this.#replaying;
  }

  /** Deletes whole days past each category's retention (see retention.ts). */
  async applyRetention(now: Date = new Date()): Promise<RetentionReport[]> {
    if (this.#store === undefined || this.#key === undefined) return [];
    return applyRetention(this.#store, this.settings.retentionDays, this.#key, now);
  }

  #scheduleRetention(): void {
    const hours = this.settings.retentionIntervalHours;
    if (hours === 0) return;
    const run = () => {
      if (this.#retentionRun !== undefined || this.#closing !== undefined) return;
      this.#retentionRun = this.applyRetention().then(
        (reports) => {
          for (const report of reports) if (report.deletedRecords > 0) this.#logger.info(report, 'audit retention deleted expired days');
        },
        (error: unknown) => this.#logger.error({ code: isAuditError(error) ? error.code : undefined }, `audit retention failed: ${describeCause(error)}`),
      ).finally(() => {
        this.#retentionRun = undefined;
      });
    };
    this.#retentionTimer = setInterval(run, hours * 3_600_000).unref();
    setImmediate(run);
  }

  /** Commits everything appended, signs a final checkpoint, closes the store. Call after the listeners stop. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#retentionTimer !== undefined) clearInterval(this.#retentionTimer);
      if (this.#probeTimer !== undefined) clearTimeout(this.#probeTimer);
      if (this.#replayTimer !== undefined) clearTimeout(this.#replayTimer);
      await this.#retentionRun;
      await this.#replaying;
      await this.#spool?.close();
      await this.#sink?.close();
      await this.#store?.close();
    })();
    return this.#closing;
  }
}

/** A store that failed to take records (down, unreachable, locked), as opposed to one record refused or a full backlog. */
function isStoreOutage(error: unknown): boolean {
  return isAuditError(error) && error.code === 'audit_unavailable' && error.isTransient;
}
