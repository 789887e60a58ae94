// What the policy chain reads from the rest of the gateway: tool definitions
// (validation, pinning), dry runs through the backends (approval estimates),
// Redis for shared limits, the approval link's base URL, the authorization
// rules, and what happens when a pinned tool changes under a reviewed
// backend (it goes back to review, with the schema diff's verdict).
// The dry-run caller is imported on the first dry run, so a gateway without
// policies does not load @bufbuild/cel through it (docs/benchmarks.md, "Footprint").

import { dirname, resolve as resolvePath } from 'node:path';
import type { Catalog } from '../catalog/catalog.ts';
import { classifyToolChange } from '../ci-tools/tool-change-classification.ts';
import type { DryRunCall } from '../policy/dry-run-estimate.ts';
import { MemoryCounterStore } from '../policy/counter-store.ts';
import type { PinStatus } from '../policy/tool-pinning.ts';
import type { PolicyDependencies } from '../policy/registry.ts';
import type { RoutingGate } from '../registry/routing-gate.ts';
import type { GatewayIdentity } from '../identity/gateway-identity.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Backend } from '../upstream/backend.ts';

export interface PolicyDependencyOptions {
  catalog: Catalog;
  identity: GatewayIdentity;
  gate: RoutingGate | undefined;
  redis: PolicyDependencies['redis'];
  /** The admin listener's URL once it listens, else the public one: where an approval link points. */
  approvalUrlBase: () => string;
  configPath: string | undefined;
  logger: Logger;
}

export function policyDependencies(options: PolicyDependencyOptions): PolicyDependencies {
  const { catalog, gate, logger } = options;
  return {
    toolDefinitions: (backend: string, tool: string) => catalog.view(backend).toolsByName.get(tool)?.definition as never,
    dryRun: lazyDryRun((name) => catalog.backend(name)),
    ...(options.redis === undefined ? {} : { redis: options.redis }),
    approvalUrlBase: options.approvalUrlBase,
    ...(options.identity.isEnforced ? { authorization: options.identity.authorization } : {}),
    ...(options.configPath === undefined ? {} : { baseDirectory: dirname(resolvePath(options.configPath)) }),
    // Memory counters (step budgets, cost ceilings) outlive a policy reload.
    counters: new MemoryCounterStore(),
    onQuarantine: (status: PinStatus, definitions: { pinned: Record<string, unknown> | undefined; current: Record<string, unknown> }) => {
      logger.warn({ status }, 'a tool definition changed after review; the tool is quarantined until an admin accepts it');
      // A changed definition of a reviewed backend sends its registry entry back to review (registry/tool-governance.ts),
      // with the schema diff's verdict on the change (breaking or not) for the reviewer.
      if (gate !== undefined && status.state === 'quarantined' && status.currentHash !== undefined) {
        const schema = definitions.pinned === undefined ? undefined : classifyToolChange(status.tool, definitions.pinned, definitions.current);
        gate.reviewToolChange(status.backend, { tool: status.tool, pinnedHash: status.pinnedHash, currentHash: status.currentHash, changes: status.changes, ...(schema === undefined ? {} : { schema }) })
          .catch((error: unknown) => logger.warn({ backend: status.backend, tool: status.tool, err: error }, 'a changed tool definition could not send its backend back to review; the tool itself stays quarantined'));
      }
    },
  };
}

/** dry-run-estimate.ts dryRunThroughBackends, imported on the first dry run. */
function lazyDryRun(backendOf: (name: string) => Backend | undefined): DryRunCall {
  let call: Promise<DryRunCall> | undefined;
  return async (request) => {
    call ??= import('../policy/dry-run-estimate.ts').then(({ dryRunThroughBackends }) => dryRunThroughBackends(backendOf));
    return (await call)(request);
  };
}
