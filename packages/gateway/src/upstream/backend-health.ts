// The periodic health check of one backend: an MCP `ping` (basic/utilities/
// ping) every `interval_seconds`, sent through the backend's circuit
// breaker, so a backend that died between client calls trips it before a
// client pays for finding out, and an open breaker's half-open probe is a
// ping rather than a client's call. Results show on /readyz.

import type { HealthCheckSettings } from '../config/resilience-settings.ts';
import type { Logger } from '../telemetry/logger.ts';

export interface HealthReport {
  /** Whether the last check was answered; undefined before the first. */
  isHealthy: boolean | undefined;
  checkedAt: string | undefined;
  latencyMs: number | undefined;
  error: string | undefined;
}

export interface BackendHealthCheckOptions {
  backend: string;
  settings: HealthCheckSettings;
  /** Sends one ping (through the breaker); resolves when answered. */
  ping: (timeoutMs: number) => Promise<unknown>;
  /** Checks only a backend that is connected: a down one is already being reconnected by its supervisor. */
  isConnected: () => boolean;
  logger: Logger;
}

export class BackendHealthCheck {
  readonly #options: BackendHealthCheckOptions;
  #timer: NodeJS.Timeout | undefined;
  #isChecking = false;
  #report: HealthReport = { isHealthy: undefined, checkedAt: undefined, latencyMs: undefined, error: undefined };

  constructor(options: BackendHealthCheckOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer !== undefined || this.#options.settings.intervalSeconds <= 0) return;
    this.#timer = setInterval(() => void this.check(), this.#options.settings.intervalSeconds * 1000);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  get report(): HealthReport {
    return this.#report;
  }

  /** One check now; overlapping checks are skipped (a slow backend must not pile pings up). */
  async check(): Promise<void> {
    if (this.#isChecking || !this.#options.isConnected()) return;
    this.#isChecking = true;
    const startedAt = performance.now();
    try {
      await this.#options.ping(this.#options.settings.timeoutMs);
      this.#report = { isHealthy: true, checkedAt: new Date().toISOString(), latencyMs: Math.round(performance.now() - startedAt), error: undefined };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (this.#report.isHealthy !== false) this.#options.logger.warn({ backend: this.#options.backend, err: error }, 'backend health check failed');
      this.#report = { isHealthy: false, checkedAt: new Date().toISOString(), latencyMs: undefined, error: message };
    } finally {
      this.#isChecking = false;
    }
  }
}
