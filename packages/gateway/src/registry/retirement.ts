// Retirement candidates for the quarterly review: serving backends, and the
// tools of the registry's backends, whose calls in the audit store over a
// period are below a threshold, each with the owner to ask. Pure: the admin
// API reads the usage rows (usage/usage-report.ts) and the live tool lists.

import type { LifecycleState, RegistryEntry } from './entry.ts';

/** The states a backend can be retired from: those that serve or served calls. */
const SERVING: ReadonlySet<LifecycleState> = new Set(['active', 'deprecated', 'suspended']);

export interface CallCount {
  backend: string;
  tool: string;
  calls: number;
}

export interface BackendCandidate {
  name: string;
  owner: string;
  team: string | null;
  tenant: string;
  state: LifecycleState;
  calls: number;
}

export interface ToolCandidate {
  backend: string;
  tool: string;
  owner: string;
  tenant: string;
  calls: number;
}

export interface RetirementCandidates {
  backends: BackendCandidate[];
  tools: ToolCandidate[];
}

/**
 * Backends in a serving state with fewer than `threshold` calls, and tools
 * with fewer than `threshold` calls among the tools a backend lists now
 * (`toolsOf`; a tool never called has no audit row) and those the audit
 * store saw. Fewest calls first, then by name.
 */
export function retirementCandidates(entries: readonly RegistryEntry[], counts: readonly CallCount[], toolsOf: (backend: string) => readonly string[], threshold: number): RetirementCandidates {
  const byBackend = new Map<string, number>();
  const byTool = new Map<string, Map<string, number>>();
  for (const count of counts) {
    byBackend.set(count.backend, (byBackend.get(count.backend) ?? 0) + count.calls);
    const tools = byTool.get(count.backend) ?? new Map<string, number>();
    tools.set(count.tool, (tools.get(count.tool) ?? 0) + count.calls);
    byTool.set(count.backend, tools);
  }
  const backends: BackendCandidate[] = [];
  const tools: ToolCandidate[] = [];
  for (const entry of entries) {
    if (!SERVING.has(entry.status.state)) continue;
    const name = entry.spec.name;
    const calls = byBackend.get(name) ?? 0;
    if (calls < threshold) backends.push({ name, owner: entry.spec.owner, team: entry.spec.team ?? null, tenant: entry.spec.tenant, state: entry.status.state, calls });
    const seen = byTool.get(name) ?? new Map<string, number>();
    for (const tool of new Set([...toolsOf(name), ...seen.keys()])) {
      const toolCalls = seen.get(tool) ?? 0;
      if (toolCalls < threshold) tools.push({ backend: name, tool, owner: entry.spec.owner, tenant: entry.spec.tenant, calls: toolCalls });
    }
  }
  backends.sort((a, b) => a.calls - b.calls || a.name.localeCompare(b.name));
  tools.sort((a, b) => a.calls - b.calls || a.backend.localeCompare(b.backend) || a.tool.localeCompare(b.tool));
  return { backends, tools };
}
