// The seam every discovery source implements: it watches something outside
// the config file (a directory of backend files, DNS SRV records, Kubernetes
// Services) and reports the whole set of backends it currently sees, each
// time that set changes. runtime/backend-set.ts merges the sets with the
// config file's own `backends` (the static source) and applies the difference.

import type { BackendConfig } from '../config/backend-schema.ts';

export interface BackendSource {
  /** Stable and unique among the running sources: `directory`, `dns_srv:{name}`, `kubernetes`. Names logs and metrics. */
  readonly name: string;
  /**
   * Starts watching. `onChange` gets the complete current set, first once
   * the initial look is done (before `start` resolves, when it succeeds),
   * then after every change. A failure to look is logged and retried by the
   * source; the last good set stays in place meanwhile.
   */
  start(onChange: (backends: BackendConfig[]) => void): Promise<void>;
  close(): Promise<void>;
}

export type DiscoveryErrorCode = 'discovery_file_invalid' | 'discovery_dns_failed' | 'discovery_kubernetes_failed' | 'discovery_record_invalid';

/** A source could not read what it watches, or one item in it; transient unless the item itself is wrong. */
export class DiscoveryError extends Error {
  readonly code: DiscoveryErrorCode;
  readonly source: string;
  readonly isTransient: boolean;
  constructor(code: DiscoveryErrorCode, source: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'DiscoveryError';
    this.code = code;
    this.source = source;
    this.isTransient = code === 'discovery_dns_failed' || code === 'discovery_kubernetes_failed';
  }
}

