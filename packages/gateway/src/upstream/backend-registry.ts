// The configured backends, one Backend each, created through an injectable
// factory (as undici's Agent creates its pools). Connecting is parallel and
// never all-or-nothing: a backend that fails is reported down and retried in
// the background with backoff, so one dead server never blocks the gateway.
// The set changes at run time (reload, discovery): backends are put, removed,
// and retired once their calls in flight have answered.

import type { Logger } from '../telemetry/logger.ts';
import type { buildConnector } from 'undici';
import { DEFAULT_RESILIENCE, type ResilienceSettings } from '../config/resilience-settings.ts';
import type { BackendCredentials } from '../identity/backend-credentials.ts';
import type { Backend, BackendHandshake, BackendState, Implementation } from './backend.ts';
import { createHttpBackend } from './http-backend.ts';
import { backoffDelay, resolveBackoff, type BackoffPolicy } from './reconnect-backoff.ts';
import { createStdioBackend } from './stdio-backend.ts';
import { createStdioPool } from './stdio-pool.ts';
import { trackInFlight, type InFlightBackend } from './in-flight-backend.ts';
import { withResilience } from './resilient-backend.ts';
import type { CircuitPosition } from './circuit-breaker.ts';

/** The part of config's BackendConfig this folder needs (config/backend-schema.ts holds the full shape). */
export type UpstreamConfig =
  | { kind: 'http'; name: string; url: string; headers?: Record<string, string>; timeoutMs: number; credentials?: BackendCredentials; protocolVersion?: string | undefined; resilience?: ResilienceSettings | undefined; connector?: buildConnector.connector | undefined }
  | { kind: 'stdio'; name: string; command: string; args: string[]; env?: Record<string, string>; cwd?: string; processes?: number; timeoutMs: number; resilience?: ResilienceSettings | undefined };

export type BackendFactory = (config: UpstreamConfig) => Backend;

export interface BackendConnectReport {
  name: string;
  state: BackendState;
  handshake: BackendHandshake | undefined;
  /** Why the first attempt failed; the registry keeps retrying in the background. */
  error: unknown;
}

export interface BackendRegistry {
  /** Connects every backend in parallel; resolves when each has connected or failed once. */
  connectAll(): Promise<BackendConnectReport[]>;
  get(name: string): Backend | undefined;
  /** The registered backends in the order they were added; a new array after each change. */
  all(): readonly Backend[];
  /** A backend for a config, not registered yet (a reload connects it first, then `put`s it). */
  create(config: UpstreamConfig): InFlightBackend;
  /** Connects once; a failure is reported and retried in the background until the backend is closed. */
  connect(backend: Backend): Promise<BackendConnectReport>;
  /** Registers a backend, or swaps it in for the one of the same name, which it returns (still open). */
  put(backend: Backend): Backend | undefined;
  /** Unregisters a backend and returns it (still open). */
  remove(name: string): Backend | undefined;
  /** Closes a backend once its calls in flight have answered, or after `drainMs` at the latest. */
  retire(backend: Backend, drainMs: number): Promise<void>;
  closeAll(): Promise<void>;
}

export class BackendRegistryError extends Error {
  readonly code = 'duplicate_backend_name';
  constructor(name: string) {
    super(`Two backends are named "${name}"; backend names route tools and must be unique; rename one in the config`);
    this.name = 'BackendRegistryError';
  }
}

export interface BackendFactoryDefaults {
  clientInfo: Implementation;
  logger: Logger;
  clientCapabilities?: Record<string, unknown>;
  /** Told on every circuit breaker transition (the `mcp_backend_breaker_state` gauge). */
  onCircuitChange?: (backend: string, state: CircuitPosition) => void;
}

/** The production factory: one HTTP or stdio backend per config entry, behind its breaker, retries and health check. */
export function createBackendFactory(defaults: BackendFactoryDefaults): BackendFactory {
  const create = createBareBackendFactory(defaults);
  const hooks = { logger: defaults.logger, ...(defaults.onCircuitChange === undefined ? {} : { onCircuitChange: defaults.onCircuitChange }) };
  return (config) => withResilience(create(config), config.resilience ?? DEFAULT_RESILIENCE, hooks);
}

function createBareBackendFactory(defaults: BackendFactoryDefaults): BackendFactory {
  return (config) => {
    const { logger } = defaults;
    if (config.kind === 'http') {
      return createHttpBackend({
        name: config.name, url: config.url, headers: config.headers, timeoutMs: config.timeoutMs,
        ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
        ...(config.protocolVersion === undefined ? {} : { protocolVersion: config.protocolVersion }),
        ...(config.connector === undefined ? {} : { connector: config.connector }),
        clientInfo: defaults.clientInfo, clientCapabilities: defaults.clientCapabilities, logger,
      });
    }
    const stdioProcess = () => createStdioBackend({
      name: config.name, command: config.command, args: config.args, env: config.env, cwd: config.cwd, timeoutMs: config.timeoutMs,
      clientInfo: defaults.clientInfo, clientCapabilities: defaults.clientCapabilities, logger,
    });
    const processes = config.processes ?? 1;
    return processes === 1 ? stdioProcess() : createStdioPool({ name: config.name, size: processes, logger, createMember: stdioProcess });
  };
}

export interface BackendRegistryOptions {
  logger: Logger;
  /** Backoff between background connect attempts (default 250 ms doubling to 30 s). */
  retry?: Partial<BackoffPolicy>;
}

export function createBackendRegistry(configs: readonly UpstreamConfig[], factory: BackendFactory, options: BackendRegistryOptions): BackendRegistry {
  const { logger } = options;
  const retryPolicy = resolveBackoff(options.retry);
  const backends = new Map<string, Backend>();
  const create = (config: UpstreamConfig) => trackInFlight(factory(config));
  for (const config of configs) {
    if (backends.has(config.name)) throw new BackendRegistryError(config.name);
    backends.set(config.name, create(config));
  }
  let list: readonly Backend[] = [...backends.values()];
  const retryTimers = new Map<Backend, NodeJS.Timeout>();
  const retiring = new Set<Backend>();
  let isClosed = false;

  function scheduleRetry(backend: Backend, attempt: number): void {
    if (isClosed || backend.state === 'closed') return;
    const delayMs = backoffDelay(retryPolicy, attempt);
    const timer = setTimeout(() => {
      retryTimers.delete(backend);
      backend.connect().then(
        () => logger.info({ backend: backend.name, attempt: attempt + 1 }, 'backend connected after retrying'),
        (error: unknown) => {
          if (backend.state === 'closed') return;
          logger.warn({ backend: backend.name, err: error, nextAttempt: attempt + 2 }, 'backend still unreachable');
          scheduleRetry(backend, attempt + 1);
        },
      );
    }, delayMs);
    timer.unref();
    retryTimers.set(backend, timer);
  }

  async function connectOne(backend: Backend): Promise<BackendConnectReport> {
    try {
      const handshake = await backend.connect();
      return { name: backend.name, state: backend.state, handshake, error: undefined };
    } catch (error) {
      logger.warn({ backend: backend.name, err: error }, 'backend failed to connect; retrying in the background');
      scheduleRetry(backend, 0);
      return { name: backend.name, state: backend.state, handshake: undefined, error };
    }
  }

  function stopRetrying(backend: Backend): void {
    const timer = retryTimers.get(backend);
    if (timer !== undefined) clearTimeout(timer);
    retryTimers.delete(backend);
  }

  return {
    connectAll: () => Promise.all(list.map(connectOne)),
    get: (name) => backends.get(name),
    all: () => list,
    create,
    connect: connectOne,
    put(backend) {
      const previous = backends.get(backend.name);
      backends.set(backend.name, backend);
      list = [...backends.values()];
      return previous === backend ? undefined : previous;
    },
    remove(name) {
      const previous = backends.get(name);
      if (previous === undefined) return undefined;
      backends.delete(name);
      list = [...backends.values()];
      return previous;
    },
    async retire(backend, drainMs) {
      stopRetrying(backend);
      retiring.add(backend);
      const idle = (backend as Partial<InFlightBackend>).idle?.() ?? Promise.resolve();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), drainMs);
        timer.unref();
      });
      const outcome = await Promise.race([idle.then(() => 'idle' as const), deadline]);
      clearTimeout(timer);
      if (outcome === 'deadline') logger.warn({ backend: backend.name, inFlight: (backend as Partial<InFlightBackend>).inFlight, drainMs }, 'closing a retired backend with calls still in flight');
      stopRetrying(backend);
      await backend.close().catch((error: unknown) => logger.warn({ backend: backend.name, err: error }, 'a retired backend failed to close cleanly'));
      retiring.delete(backend);
    },
    async closeAll() {
      isClosed = true;
      for (const timer of retryTimers.values()) clearTimeout(timer);
      retryTimers.clear();
      await Promise.allSettled([...list, ...retiring].map((backend) => backend.close()));
    },
  };
}
