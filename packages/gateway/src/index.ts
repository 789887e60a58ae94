// The gateway as a library: start one in-process (tests, embedding), load and
// validate configuration, and the types at its seams.

export { startGateway, type RunningGateway, type StartGatewayOptions } from './gateway.ts';
export { loadConfig, parseConfig } from './config/load.ts';
export type { GatewayConfig } from './config/schema.ts';
export type { BackendConfig, HttpBackendConfig, StdioBackendConfig } from './config/backend-schema.ts';
export type { Backend, BackendHandshake, UpstreamCall } from './upstream/backend.ts';
export type { Policy, Decision } from './policy/policy.ts';
export { createLogger, silentLogger, type Logger } from './telemetry/logger.ts';
