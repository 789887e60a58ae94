// Where `gatehouse audit export` sends records: a JSON-lines file (fsync per
// batch), a webhook (one HTTP POST of NDJSON per batch, retried on transient
// failures), or NATS JetStream (a PubAck per record, the audit_id as
// Nats-Msg-Id so the stream drops the duplicates a resumed export resends).

import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { describeCause } from './errors.ts';
import { exportFailed, type ExportDestination, type ExportEntry } from './export.ts';

export class FileDestination implements ExportDestination {
  readonly name: string;
  readonly #path: string;
  #file: FileHandle | undefined;

  constructor(path: string) {
    this.#path = resolve(path);
    this.name = `file:${this.#path}`;
  }

  async send(entries: readonly ExportEntry[]): Promise<void> {
    try {
      this.#file ??= await open(this.#path, 'a');
      await this.#file.write(`${entries.map((entry) => entry.line).join('\n')}\n`);
      await this.#file.datasync();
    } catch (error) {
      throw exportFailed(this.name, describeCause(error), true, error);
    }
  }

  async close(): Promise<void> {
    await this.#file?.close();
    this.#file = undefined;
  }
}

export interface WebhookOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Attempts per batch on 408, 429, 5xx and network errors, with exponential backoff from 200 ms. */
  attempts?: number;
}

export class WebhookDestination implements ExportDestination {
  readonly name: string;
  readonly #url: string;
  readonly #options: WebhookOptions;

  constructor(url: string, options: WebhookOptions = {}) {
    this.#url = url;
    this.#options = options;
    const parsed = new URL(url);
    this.name = `webhook:${parsed.origin}${parsed.pathname}`;
  }

  async send(entries: readonly ExportEntry[]): Promise<void> {
    const body = `${entries.map((entry) => entry.line).join('\n')}\n`;
    const attempts = this.#options.attempts ?? 5;
    for (let attempt = 1; ; attempt += 1) {
      let why: string;
      let isTransient = true;
      try {
        const response = await fetch(this.#url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson', ...this.#options.headers },
          body,
          signal: AbortSignal.timeout(this.#options.timeoutMs ?? 30_000),
        });
        await response.body?.cancel();
        if (response.ok) return;
        why = `HTTP ${response.status}`;
        isTransient = response.status === 408 || response.status === 429 || response.status >= 500;
      } catch (error) {
        why = describeCause(error);
      }
      if (!isTransient || attempt >= attempts) throw exportFailed(this.name, `${why} (after ${attempt} attempt${attempt === 1 ? '' : 's'})`, isTransient);
      await new Promise((done) => setTimeout(done, 200 * 2 ** (attempt - 1)));
    }
  }

  async close(): Promise<void> {}
}

export interface NatsOptions {
  /** `nats://127.0.0.1:4222` (several comma-separated). */
  servers: string;
  /** Records go to `<subject>.<category>` (gatehouse.audit.security, gatehouse.audit.routine). */
  subject?: string;
  /** When set, a stream of this name capturing `<subject>.>` is created if missing. */
  stream?: string;
}

export class NatsDestination implements ExportDestination {
  readonly name: string;
  readonly #options: NatsOptions;
  readonly #subject: string;
  #connection: NatsConnection | undefined;
  #client: JetStreamClient | undefined;

  constructor(options: NatsOptions) {
    this.#options = options;
    this.#subject = options.subject ?? 'gatehouse.audit';
    this.name = `nats:${this.#subject}`;
  }

  async #connect(): Promise<JetStreamClient> {
    if (this.#client !== undefined) return this.#client;
    try {
      this.#connection = await connect({ servers: this.#options.servers.split(',').map((server) => server.trim()), name: 'gatehouse-audit-export' });
      if (this.#options.stream !== undefined) {
        const manager = await jetstreamManager(this.#connection);
        const isPresent = await manager.streams.info(this.#options.stream).then(() => true, () => false);
        if (!isPresent) await manager.streams.add({ name: this.#options.stream, subjects: [`${this.#subject}.>`] });
      }
      this.#client = jetstream(this.#connection);
      return this.#client;
    } catch (error) {
      await this.close();
      throw exportFailed(this.name, `cannot reach NATS at ${this.#options.servers}: ${describeCause(error)}`, true, error);
    }
  }

  async send(entries: readonly ExportEntry[]): Promise<void> {
    const client = await this.#connect();
    try {
      // Every PubAck is awaited: the stream has stored the record (or already had it) before the offset moves.
      await Promise.all(entries.map((entry) => client.publish(`${this.#subject}.${categoryOf(entry.logId)}`, entry.line, { msgID: entry.auditId })));
    } catch (error) {
      throw exportFailed(this.name, describeCause(error), true, error);
    }
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    this.#client = undefined;
    await connection?.drain().catch(() => connection.close());
  }
}

function categoryOf(logId: string): string {
  return logId.slice(logId.lastIndexOf('/') + 1);
}
