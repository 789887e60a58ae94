// The pure parts of usage reports: a call's charge from the cost policy's
// verdicts, the team of a caller, the fold of grouped rows by dimension, the
// period words and the days a range is read in, and the `usage` config keys.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chargedMicroOf, costFactsOfDecisions, costFactsOfRecord } from '../../src/usage/call-cost.ts';
import { createTeamDirectory, UNASSIGNED_TEAM } from '../../src/usage/teams.ts';
import { aggregateUsage, mergeRows, type UsageDimension, type UsageRow } from '../../src/usage/aggregate.ts';
import { daysOf, parseUsagePeriod } from '../../src/usage/usage-period.ts';
import { configuredPrices } from '../../src/usage/usage-report.ts';
import { parseConfig } from '../../src/config/load.ts';
import { isConfigError } from '../../src/config/errors.ts';

describe('the charge of one call', () => {
  const cases: [string, { policy: string; decision: string; [fact: string]: unknown }[], number | undefined][] = [
    ['no cost policy ran: no charge', [{ policy: 'rate_limit', decision: 'allow', remaining: 5 }], undefined],
    ['the price the cost policy counted', [{ policy: 'cost_ceiling', decision: 'allow', cost_usd: 0.02, spent_usd: 0.04, remaining_usd: 9.96, run: 'session' }], 20_000],
    ['plus the output charge after the call', [
      { policy: 'cost_ceiling', decision: 'allow', cost_usd: 0.02, spent_usd: 0.02, run: 'session' },
      { policy: 'cost_ceiling', decision: 'allow', output_cost_usd: 0.0015, spent_usd: 0.0215, run: 'session' },
    ], 21_500],
    ['a price the store could not count (no spent_usd) is no charge', [{ policy: 'cost_ceiling', decision: 'allow', store_error: 'down' }], undefined],
    ['a refusal charges nothing', [{ policy: 'cost_ceiling', decision: 'deny', code: 'cost_exhausted', cost_usd: 0.4, spent_usd: 0.81 }], undefined],
    ['a nested estimate is not a charge', [{ policy: 'approval', decision: 'allow', estimate: { cost_usd: 3 } }], undefined],
    ['two ceilings charging the same call: the larger counts once', [
      { policy: 'per_session', decision: 'allow', cost_usd: 0.01, spent_usd: 0.01 },
      { policy: 'per_day', decision: 'allow', cost_usd: 0.03, spent_usd: 0.5 },
    ], 30_000],
    ['a free call is a charge of 0, not unpriced', [{ policy: 'cost_ceiling', decision: 'allow', cost_usd: 0, spent_usd: 0 }], 0],
  ];
  for (const [name, entries, expected] of cases) {
    it(name, () => assert.equal(chargedMicroOf(costFactsOfRecord(entries)), expected));
  }

  it('reads the policy chain\'s decisions (facts under details) the same way', () => {
    assert.equal(chargedMicroOf(costFactsOfDecisions([{ policy: 'cost_ceiling', decision: 'allow', details: { cost_usd: 0.001, spent_usd: 0.003 } }])), 1_000);
  });
});

describe('the team of a caller', () => {
  const teams = createTeamDirectory({ teams: { research: { agents: ['research'], users: ['alice'] }, support: { agents: ['support'], users: [] } } });
  const cases: [string, string | null, string | null, string][] = [
    ['an agent acting alone is its agent\'s team', 'support', 'agent:support', 'support'],
    ['a user in a team is that team\'s, whichever agent acts for them', 'support', 'user:alice', 'research'],
    ['a user in no team falls back to the agent\'s team', 'support', 'user:bob', 'support'],
    ['an unknown agent is unassigned', 'other', 'agent:other', UNASSIGNED_TEAM],
    ['an anonymous call is unassigned', null, 'anonymous', UNASSIGNED_TEAM],
    ['an agent named like a user is matched as an agent only', 'alice', 'agent:alice', UNASSIGNED_TEAM],
  ];
  for (const [name, agent, identity, team] of cases) it(name, () => assert.equal(teams.teamOf(agent, identity), team));
});

describe('folding grouped rows into a report', () => {
  const row = (agent: string, identity: string, server: string, tool: string, calls: number, chargedMicro: number, extra: Partial<UsageRow> = {}): UsageRow =>
    ({ agent, identity, server, tool, calls, failed: 0, unpriced: 0, chargedMicro, ...extra });
  const rows: UsageRow[] = [
    row('research', 'agent:research', 'crm', 'get_customer', 3, 60_000),
    row('research', 'user:alice', 'crm', 'send_email', 1, 10_000, { failed: 1 }),
    row('support', 'agent:support', 'crm', 'get_customer', 2, 40_000),
    row('support', 'agent:support', 'everything', 'echo', 4, 0, { unpriced: 4 }),
  ];
  const teams = createTeamDirectory({ teams: { research: { agents: ['research'], users: [] }, support: { agents: ['support'], users: [] } } });
  const priceOf = (backend: string, tool: string) => (backend === 'everything' && tool === 'echo' ? 5_000 : 0);
  const cases: [UsageDimension, [string, number, number][]][] = [
    ['team', [['research', 4, 0.07], ['support', 6, 0.06]]],
    ['agent', [['research', 4, 0.07], ['support', 6, 0.06]]],
    ['user', [['agent:support', 6, 0.06], ['agent:research', 3, 0.06], ['user:alice', 1, 0.01]]],
    ['backend', [['crm', 6, 0.11], ['everything', 4, 0.02]]],
    ['tool', [['crm/get_customer', 5, 0.1], ['everything/echo', 4, 0.02], ['crm/send_email', 1, 0.01]]],
    ['tenant', [['default', 10, 0.13]]],
  ];
  for (const [by, expected] of cases) {
    it(`sums calls and cost by ${by}, the most expensive first, unpriced calls at their configured price`, () => {
      const report = aggregateUsage(rows, { by, teams, priceOf });
      assert.deepEqual(report.lines.map((line) => [line.key, line.calls, Number(line.costUsd.toFixed(6))]), expected);
      assert.deepEqual(report.totals, { calls: 10, failed: 1, costUsd: 0.13, pricedFromConfig: 4 });
    });
  }

  it('counts sessions and the cost per session (the seed\'s cost_per_user_session)', () => {
    const perSession = [
      row('research', 'user:alice', 'crm', 'get_customer', 2, 40_000, { sessionId: 's1' }),
      row('research', 'user:alice', 'crm', 'send_email', 1, 10_000, { sessionId: 's1' }),
      row('research', 'user:alice', 'crm', 'get_customer', 1, 20_000, { sessionId: 's2' }),
      row('research', 'user:alice', 'crm', 'get_customer', 1, 20_000, { sessionId: null }),
    ];
    const [line] = aggregateUsage(perSession, { by: 'user', teams, priceOf, perSession: true }).lines;
    assert.deepEqual(line, { key: 'user:alice', calls: 5, failed: 0, costUsd: 0.09, sessions: 2, costPerSessionUsd: 0.035 });
  });

  it('merges the rows of several days by caller, backend, tool and session', () => {
    const merged = new Map<string, UsageRow>();
    mergeRows(merged, [row('a', 'agent:a', 'crm', 't', 1, 10, { sessionId: 's' })]);
    mergeRows(merged, [row('a', 'agent:a', 'crm', 't', 2, 20, { sessionId: 's', unpriced: 1, failed: 1 }), row('a', 'agent:a', 'crm', 't', 1, 5, { sessionId: 'other' })]);
    assert.deepEqual([...merged.values()].map((r) => [r.sessionId, r.calls, r.failed, r.unpriced, r.chargedMicro]), [['s', 3, 1, 1, 30], ['other', 1, 0, 0, 5]]);
  });
});

describe('usage periods', () => {
  const now = new Date('2026-12-07T05:00:00Z');
  const cases: [string, string, string][] = [
    ['this-month', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['last-month', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['last-7d', '2026-11-30T05:00:00.000Z', '2026-12-07T05:00:00.000Z'],
    ['2026-02', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    ['2026-11-01..2026-11-15', '2026-11-01T00:00:00.000Z', '2026-11-16T00:00:00.000Z'],
    ['2026-11-01T12:00:00Z..2026-11-02T06:00:00Z', '2026-11-01T12:00:00.000Z', '2026-11-02T06:00:00.000Z'],
  ];
  for (const [text, since, until] of cases) {
    it(`reads ${text}`, () => {
      const range = parseUsagePeriod(text, now);
      assert.deepEqual([range.since.toISOString(), range.until.toISOString()], [since, until]);
    });
  }
  for (const text of ['last-0d', '2026-13', 'next-month', '2026-11-15..2026-11-01', '..2026-11-01']) {
    it(`refuses ${JSON.stringify(text)} with the forms it accepts`, () => {
      assert.throws(() => parseUsagePeriod(text, now), (error: Error & { code?: string }) => error.code === 'usage_query_invalid' && /last-<N>d/.test(error.message));
    });
  }

  it('reads a range one UTC day at a time, cut at midnight', () => {
    const days = daysOf({ since: new Date('2026-11-30T05:00:00Z'), until: new Date('2026-12-02T01:00:00Z') });
    assert.deepEqual(days.map((day) => [day.since.toISOString(), day.until.toISOString()]), [
      ['2026-11-30T05:00:00.000Z', '2026-12-01T00:00:00.000Z'],
      ['2026-12-01T00:00:00.000Z', '2026-12-02T00:00:00.000Z'],
      ['2026-12-02T00:00:00.000Z', '2026-12-02T01:00:00.000Z'],
    ]);
  });
});

describe('the usage config', () => {
  const yaml = (usage: string) => `usage:\n${usage}\npolicies:\n  - name: cost_ceiling\n    type: cost_per_session\n    max_usd: 10\n    tool_costs: { send_email: 0.01, "crm/*": 0.001 }\n`;

  it('reads teams of agents and users, and the cost policy\'s prices for unpriced calls', () => {
    const { config } = parseConfig(yaml('  teams:\n    research: { agents: [research], users: [alice] }\n    support: { agents: [support] }'), 'gatehouse.yaml', {});
    assert.deepEqual(config.usage, { teams: { research: { agents: ['research'], users: ['alice'] }, support: { agents: ['support'], users: [] } } });
    const priceOf = configuredPrices(config);
    assert.deepEqual([priceOf('crm', 'send_email'), priceOf('crm', 'get_customer'), priceOf('everything', 'echo')], [10_000, 1_000, 0]);
  });

  const refusals: [string, string, RegExp][] = [
    ['an agent in two teams', '  teams:\n    a: { agents: [bot] }\n    b: { agents: [bot] }', /usage\.teams\.b\.agents\[0\].*"bot" is already in team "a"/s],
    ['an unknown key in a team', '  teams:\n    a: { agent: [bot] }', /usage\.teams\.a.*agent/s],
    ['a team that is not a mapping', '  teams:\n    a: [bot]', /usage\.teams\.a.*expected a mapping with agents/s],
    ['a team name with a space', '  teams:\n    "a b": { agents: [bot] }', /usage\.teams.*"a b" is not a team name/s],
    ['an unknown key under usage', '  team: {}', /usage.*team/s],
  ];
  for (const [name, usage, message] of refusals) {
    it(`refuses ${name}, naming the file and key`, () => {
      assert.throws(() => parseConfig(yaml(usage), 'gatehouse.yaml', {}), (error: Error) => isConfigError(error) && /gatehouse\.yaml/.test(error.message) && message.test(error.message));
    });
  }
});
