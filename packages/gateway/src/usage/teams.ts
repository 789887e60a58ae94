// The team a call is attributed to, from `usage.teams` in the config: the
// user's team when the token acts for a user in one, else the agent's team,
// else `unassigned`. The audit record names both (caller.identity
// `user:<sub>` or `agent:<client>`, caller.agent), so reports need no token.

import type { UsageConfig } from '../config/usage-schema.ts';

export const UNASSIGNED_TEAM = 'unassigned';
/** The tenant of a call recorded without one (a gateway without tenants: docs/tenants.md). */
export const DEFAULT_TENANT = 'default';

export interface TeamDirectory {
  teamOf(agent: string | null, identity: string | null): string;
}

export function createTeamDirectory(config: UsageConfig | undefined): TeamDirectory {
  const byAgent = new Map<string, string>();
  const byUser = new Map<string, string>();
  for (const [team, members] of Object.entries(config?.teams ?? {})) {
    for (const agent of members.agents) byAgent.set(agent, team);
    for (const user of members.users) byUser.set(user, team);
  }
  return {
    teamOf(agent, identity) {
      const user = identity?.startsWith('user:') === true ? identity.slice('user:'.length) : undefined;
      return (user === undefined ? undefined : byUser.get(user)) ?? (agent === null ? undefined : byAgent.get(agent)) ?? UNASSIGNED_TEAM;
    },
  };
}
