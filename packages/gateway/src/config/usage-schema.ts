// The `usage` section of gatehouse.yaml: which team each agent and user
// belongs to, so that `gatehouse usage --by team` and `/admin/usage` can
// attribute the calls the audit store holds. Keys in docs/configuration.md.

import { z } from 'zod';
import { ALWAYS, absentWhenNull, isMapping, list, mapping, text } from './fields.ts';

export interface UsageConfig {
  /** Team name -> the agents (OAuth client ids) and users (token subjects) it answers for. */
  teams: Record<string, { agents: string[]; users: string[] }>;
}

const TEAM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const teamSchema = z.strictObject(
  {
    agents: absentWhenNull(list(text('expected an agent (an OAuth client id)')).default([])),
    users: absentWhenNull(list(text('expected a user (a token subject)')).default([])),
  },
  { error: 'expected a mapping with agents: [...] and users: [...]' },
);

/** Team names fit a report column and a URL; an agent or user in two teams would make every report depend on which team is read first: refused at load. */
function checkMembers(teams: Record<string, unknown>, context: z.RefinementCtx): void {
  if (!isMapping(teams)) return;
  for (const team of Object.keys(teams)) {
    if (!TEAM_NAME.test(team)) context.addIssue({ code: 'custom', path: [team], message: `"${team}" is not a team name: use 1 to 64 letters, digits, "_", "." and "-", starting with a letter or digit` });
  }
  for (const kind of ['agents', 'users'] as const) {
    const owner = new Map<string, string>();
    for (const [team, entry] of Object.entries(teams)) {
      const members = isMapping(entry) ? (entry as Record<string, unknown>)[kind] : undefined;
      if (!Array.isArray(members)) continue;
      members.forEach((member: unknown, index) => {
        if (typeof member !== 'string') return;
        const first = owner.get(member);
        if (first === undefined) owner.set(member, team);
        else if (first !== team) {
          context.addIssue({ code: 'custom', path: [team, kind, index], message: `"${member}" is already in team "${first}"; a ${kind === 'agents' ? 'agent' : 'user'} belongs to one team, so that its calls are counted once` });
        }
      });
    }
  }
}

export const usageSchema = z
  .strictObject(
    {
      teams: absentWhenNull(
        mapping(z.string(), teamSchema)
          .superRefine(checkMembers, ALWAYS)
          .default({}),
      ),
    },
    { error: 'expected a mapping' },
  )
  .optional();

export function toUsageConfig(file: z.output<typeof usageSchema>): UsageConfig {
  return { teams: file?.teams ?? {} };
}
