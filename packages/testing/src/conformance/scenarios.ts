// Which official conformance scenarios run against which gateway endpoint.
// `/mcp` federates, so scenarios that call the suite's own tool names there
// would find them namespaced; those run against `/servers/conformance/mcp`,
// which fronts our conformance backend with its own names.

/** Transport-level scenarios: they exercise the gateway itself on `/mcp`. */
export const FEDERATED_ENDPOINT_SCENARIOS = [
  'server-initialize',
  'ping',
  'logging-set-level',
  'tools-list',
  'completion-complete',
  'dns-rebinding-protection',
] as const;

/** The per-backend endpoint runs every server scenario (active and pending) against its baseline. */
export const PER_BACKEND_SUITE = 'all';

export const CONFORMANCE_BACKEND_NAME = 'conformance';
