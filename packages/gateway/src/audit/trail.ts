// The audit trail the gateway holds: one per process, opened at start. Each
// operation's facts become a record that is durable before the answer
// leaves (record() resolves), or, when the store fails, a refused call
// (fail-closed) or a counted and logged loss (fail-open). Runs retention.

import { silentLogger, type Logger } from '../telemetry/logger.ts';
import { AuditError, describeCause, isAuditError } from './errors.ts';
import { loadSigningKey, openAuditSink } from './open-store.ts';
import { buildAuditRecord, type AuditFacts, type AuditRecord } from './record.ts';
import { applyRetention, type RetentionReport } from './retention.ts';
import { shouldStoreOutput, type AuditSettings } from './settings.ts';
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
}

export class AuditTrail {
  readonly settings: AuditSettings;
  readonly gatewayId: string;
  readonly #sink: AuditSink | undefined;
  readonly #store: AuditStore | undefined;
  readonly #key: SigningKey | undefined;
  readonly #logger: Logger;
  readonly #counts: AuditCounts = { recorded: 0, lost: 0 };
  readonly #redaction: AuditRedaction;
  /** session_start / session_end records of 2025-era sessions. */
  readonly sessions: SessionAudit;
  #retentionTimer: NodeJS.Timeout | undefined;
  #retentionRun: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  private constructor(options: AuditTrailOptions, parts: { sink?: AuditSink; store?: AuditStore; key?: SigningKey }) {
    this.settings = options.settings;
    this.gatewayId = options.gatewayId;
    this.#sink = parts.sink;
    this.#store = parts.store;
    this.#key = parts.key;
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
    const trail = new AuditTrail(options, { sink, store, key });
    trail.#scheduleRetention();
    return trail;
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
   * builds the record and appends it. Resolves once it is durable. When the
   * store fails: fail-closed rejects with an AuditError (code
   * audit_unavailable) for the caller to answer with; fail-open resolves
   * undefined after counting and logging the loss.
   */
  async record(facts: AuditFacts): Promise<AuditReceipt | undefined> {
    if (this.#sink === undefined) return undefined;
    return this.append(buildAuditRecord(this.#redaction.redact(facts)));
  }

  /** Appends a record built elsewhere, as given (no redaction); record() is the gateway's way in. */
  async append(record: AuditRecord): Promise<AuditReceipt | undefined> {
    if (this.#sink === undefined) return undefined;
    try {
      const receipt = await this.#sink.append(record);
      this.#counts.recorded += 1;
      return receipt;
    } catch (error) {
      this.#counts.lost += 1;
      const code = isAuditError(error) ? error.code : 'audit_unavailable';
      this.#logger.error(
        { audit_id: record.audit_id, operation: record.operation.type, name: record.operation.name, code, lost: this.#counts.lost, fail_mode: this.settings.failMode },
        `audit record not kept: ${describeCause(error)}`,
      );
      if (this.settings.failMode === 'open') return undefined;
      throw new AuditError(
        'audit_unavailable',
        `the gateway could not keep the audit record of this ${record.operation.type} (${describeCause(error)}), and audit is fail-closed, so the call is refused; retry shortly, and if it persists ask the gateway operator to check the audit store`,
        { cause: error, isTransient: true },
      );
    }
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
      await this.#retentionRun;
      await this.#sink?.close();
      await this.#store?.close();
    })();
    return this.#closing;
  }
}
