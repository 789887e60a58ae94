// `gatehouse registry list|show|propose|revise|transition|review-due|diff|snapshots|diff-snapshot`: the registry's
// lifecycle from a terminal, through the admin API (admin-server.ts, with a
// token holding the admin scope: --token or GATEHOUSE_ADMIN_TOKEN, e.g. from
// `gatehouse token --agent admin`). The rules stay in registry/lifecycle.ts.

import { Command, InvalidArgumentError } from 'commander';
import { LIFECYCLE_STATES, REVIEW_DECISIONS } from '../../registry/entry.ts';
import { processIo, type CommandIo } from './command-io.ts';
import { registerRegistryDiffCommand } from './registry-diff.ts';
import { registerRegistrySnapshotCommands } from './registry-snapshots.ts';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8081';

export interface ConnectionOptions {
  admin: string;
  token?: string;
  json?: boolean;
}

interface TransitionOptions extends ConnectionOptions {
  to: string;
  reason: string;
  review?: string;
  check?: string[];
  notes?: string;
  nextReview?: string;
  ifMatch?: string;
}

interface SpecOptions extends ConnectionOptions {
  description?: string;
  owner?: string;
  tenant?: string;
  team?: string;
  riskTier?: string;
  dataClassification?: string;
  scope: string[];
  repo?: string;
  runbook?: string;
  entryVersion?: string;
  reason?: string;
}

/** The spec fields the options name, in the entry's own (camelCase) form; absent options are left out. */
function specOf(options: SpecOptions): Record<string, unknown> {
  const links = { ...(options.repo === undefined ? {} : { repo: options.repo }), ...(options.runbook === undefined ? {} : { runbook: options.runbook }) };
  return {
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.owner === undefined ? {} : { owner: options.owner }),
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
    ...(options.team === undefined ? {} : { team: options.team }),
    ...(options.riskTier === undefined ? {} : { riskTier: options.riskTier }),
    ...(options.dataClassification === undefined ? {} : { dataClassification: options.dataClassification }),
    ...(options.scope.length === 0 ? {} : { scopes: options.scope }),
    ...(Object.keys(links).length === 0 ? {} : { links }),
    ...(options.entryVersion === undefined ? {} : { version: options.entryVersion }),
  };
}

/** A refusal of the admin API or an unreachable listener, said on stderr with exit code 1. */
export class RegistryCommandError extends Error {}

export function registerRegistryLifecycleCommands(registry: Command, io: CommandIo = processIo): Command {
  const connection = (command: Command) => command
    .option('--admin <url>', 'the admin listener of the gateway', DEFAULT_ADMIN_URL)
    .option('--token <token>', 'a bearer token with the admin scope (default: GATEHOUSE_ADMIN_TOKEN)')
    .option('--json', 'print the admin API\'s JSON answer');

  connection(registry.command('list'))
    .description('list the registry entries: name, state, owner, risk tier, next review')
    .option('--state <state>', `only entries in this state (${LIFECYCLE_STATES.join(', ')})`)
    .action((options: ConnectionOptions & { state?: string }) => guarded(io, async () => {
      const answer = await call(io, options, 'GET', `/admin/registry${options.state === undefined ? '' : `?state=${encodeURIComponent(options.state)}`}`);
      if (options.json === true) return io.out(JSON.stringify(answer.body, null, 2));
      const entries = answer.body.entries as Array<Record<string, any>>;
      if (entries.length === 0) return io.out('no registry entries');
      io.out(table([['NAME', 'STATE', 'OWNER', 'TIER', 'NEXT REVIEW'], ...entries.map((entry) => [entry.spec.name, entry.status.state, entry.spec.owner, entry.spec.riskTier, entry.status.nextReviewAt ?? '-'])]));
    }));

  connection(registry.command('show'))
    .description('show one entry (spec, status, reviews, conditions) and its version for --if-match')
    .argument('<name>', 'the backend\'s name')
    .action((name: string, options: ConnectionOptions) => guarded(io, async () => {
      const answer = await call(io, options, 'GET', `/admin/registry/${encodeURIComponent(name)}`);
      if (options.json === true) return io.out(JSON.stringify(answer.body, null, 2));
      const entry = answer.body.entry as Record<string, any>;
      io.out(`${entry.spec.name}: ${entry.status.state} (version ${answer.etag ?? entry.metadata.resourceVersion})`);
      io.out(`  owner ${entry.spec.owner}, tenant ${entry.spec.tenant}, risk tier ${entry.spec.riskTier}, data ${entry.spec.dataClassification}`);
      io.out(`  ${entry.spec.description}`);
      io.out(`  proposed by ${entry.status.proposedBy}; next review ${entry.status.nextReviewAt ?? 'not set'}`);
      for (const review of entry.status.reviews as Array<Record<string, any>>) io.out(`  review ${review.id}: ${review.reviewer} ${review.decision} at ${review.at}${review.checks.length === 0 ? '' : ` (checks: ${review.checks.map((check: any) => `${check.name}=${check.outcome}`).join(', ')})`}`);
      for (const condition of entry.status.conditions as Array<Record<string, any>>) io.out(`  ${condition.type}=${condition.status} ${condition.reason}: ${condition.message}`);
    }));

  connection(registry.command('transition'))
    .description('move an entry through its lifecycle (the table in docs/registry.md); a review when the move needs one')
    .argument('<name>', 'the backend\'s name')
    .requiredOption('--to <state>', `the state to move to (${LIFECYCLE_STATES.join(', ')})`)
    .requiredOption('--reason <text>', 'why (recorded in the audit log)')
    .option('--review <decision>', `record a review with this decision (${REVIEW_DECISIONS.join(', ')})`)
    .option('--check <name=outcome>', 'a check the review ran, outcome passed|failed|skipped (repeatable)', collect, [])
    .option('--notes <text>', 'the review\'s notes')
    .option('--next-review <time>', 'the review\'s next review date (RFC 3339)')
    .option('--if-match <version>', 'fail with conflict unless the entry is still at this version (from show)')
    .action((name: string, options: TransitionOptions) => guarded(io, async () => {
      const body = {
        to: options.to,
        reason: options.reason,
        ...(options.review === undefined ? {} : { review: {
          decision: options.review,
          ...(options.check === undefined || options.check.length === 0 ? {} : { checks: options.check.map(parseCheck) }),
          ...(options.notes === undefined ? {} : { notes: options.notes }),
          ...(options.nextReview === undefined ? {} : { next_review_at: options.nextReview }),
        } }),
      };
      const answer = await call(io, options, 'POST', `/admin/registry/${encodeURIComponent(name)}/transitions`, body, options.ifMatch);
      if (options.json === true) return io.out(JSON.stringify(answer.body, null, 2));
      const event = answer.body.event as Record<string, any>;
      io.out(`${name}: ${event.from} -> ${event.to} (version ${event.resourceVersion})`);
    }));

  const specOptions = (command: Command) => command
    .option('--description <text>', 'what the server does')
    .option('--owner <owner>', 'who answers for it: user:alice, group:payments, team:crm')
    .option('--tenant <tenant>', 'its tenant (default: default, or a tenant admin\'s own)')
    .option('--team <team>', 'the team that runs it')
    .option('--risk-tier <tier>', 'low, medium, high or critical')
    .option('--data-classification <class>', 'public, internal, confidential or restricted')
    .option('--scope <scope>', 'an OAuth scope its tools need (repeatable)', collect, [])
    .option('--repo <url>', 'its source repository')
    .option('--runbook <url>', 'its runbook')
    .option('--entry-version <version>', 'its version, e.g. 1.4.0')
    .option('--reason <text>', 'why (recorded in the audit log)');

  specOptions(connection(registry.command('propose')))
    .description('propose a new entry (POST /admin/registry): it starts proposed, you its proposer; another reviewer must approve it')
    .argument('<name>', 'the backend\'s name, as in backends[].name')
    .action((name: string, options: SpecOptions) => guarded(io, async () => {
      const answer = await call(io, options, 'POST', '/admin/registry', { spec: { name, riskTier: 'medium', dataClassification: 'internal', ...specOf(options) }, ...(options.reason === undefined ? {} : { reason: options.reason }) });
      if (options.json === true) return io.out(JSON.stringify(answer.body, null, 2));
      const entry = answer.body.entry as Record<string, any>;
      io.out(`${entry.spec.name}: ${entry.status.state}, proposed by ${entry.status.proposedBy} (version ${entry.metadata.resourceVersion})`);
      io.out(`next: gatehouse registry transition ${entry.spec.name} --to in_review --reason "ready for review"`);
    }));

  specOptions(connection(registry.command('revise')))
    .description('change fields of an entry\'s spec (PATCH /admin/registry/{name}); a governed field of a reviewed entry needs a new review')
    .argument('<name>', 'the backend\'s name')
    .option('--if-match <version>', 'fail with 412 unless the entry is still at this version (from show)')
    .action((name: string, options: SpecOptions & { ifMatch?: string }) => guarded(io, async () => {
      const spec = specOf(options);
      if (Object.keys(spec).length === 0) throw new RegistryCommandError('nothing to change: give at least one of --description, --owner, --tenant, --team, --risk-tier, --data-classification, --scope, --repo, --runbook, --entry-version');
      const answer = await call(io, options, 'PATCH', `/admin/registry/${encodeURIComponent(name)}`, { spec, ...(options.reason === undefined ? {} : { reason: options.reason }) }, options.ifMatch);
      if (options.json === true) return io.out(JSON.stringify(answer.body, null, 2));
      const entry = answer.body.entry as Record<string, any>;
      const review = (entry.status.conditions as Array<Record<string, any>>).find((condition) => condition.type === 'ReviewCurrent');
      io.out(`${entry.spec.name}: generation ${entry.metadata.generation} (version ${entry.metadata.resourceVersion})${review?.reason === 'SpecChanged' ? `; ${review.message}: review it again` : ''}`);
    }));

  connection(registry.command('review-due'))
    .description('list the entries whose periodic review is due, with their owners; with --unused-below, also the retirement candidates: serving backends and tools with fewer calls than that over --period')
    .option('--within-days <n>', 'also those due within this many days', '0')
    .option('--unused-below <n>', 'list backends and tools with fewer than this many calls in the audit store over --period')
    .option('--period <period>', 'with --unused-below: 90d (the last 90 days), last-month, 2026-11, FROM..TO', '90d')
    .action((options: ConnectionOptions & { withinDays: string; unusedBelow?: string; period: string }) => guarded(io, async () => {
      const retirement = options.unusedBelow === undefined ? '' : `&unused_below=${encodeURIComponent(options.unusedBelow)}&period=${encodeURIComponent(options.period)}`;
      const answer = await call(io, options, 'GET', `/admin/registry/review-due?within_days=${encodeURIComponent(options.withinDays)}${retirement}`);
      if (options.json === true) return io.out(JSON.stringify(answer.body, null, 2));
      const entries = answer.body.entries as Array<Record<string, any>>;
      if (entries.length === 0) io.out(`no entry is due for review by ${answer.body.asOf}`);
      else io.out(table([['NAME', 'OWNER', 'STATE', 'TIER', 'DUE'], ...entries.map((entry) => [entry.name, entry.owner, entry.state, entry.riskTier, entry.nextReviewAt ?? '-'])]));
      const candidates = answer.body.retirement as Record<string, any> | undefined;
      if (candidates === undefined) return;
      const backends = candidates.backends as Array<Record<string, any>>;
      const tools = candidates.tools as Array<Record<string, any>>;
      io.out('');
      io.out(`retirement candidates: fewer than ${candidates.unusedBelow} calls from ${candidates.since} to ${candidates.until}`);
      io.out(backends.length === 0 ? 'no backend' : table([['BACKEND', 'CALLS', 'OWNER', 'TEAM', 'STATE'], ...backends.map((backend) => [backend.name, String(backend.calls), backend.owner, backend.team ?? '-', backend.state])]));
      io.out(tools.length === 0 ? 'no tool' : table([['BACKEND', 'TOOL', 'CALLS', 'OWNER'], ...tools.map((tool) => [tool.backend, tool.tool, String(tool.calls), tool.owner])]));
    }));

  registerRegistryDiffCommand(registry, io);
  registerRegistrySnapshotCommands(registry, io);
  return registry;
}

export async function call(io: CommandIo, options: ConnectionOptions, method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown, ifMatch?: string): Promise<{ body: Record<string, unknown>; etag: string | null }> {
  const token = options.token ?? io.env.GATEHOUSE_ADMIN_TOKEN;
  if (token === undefined || token === '') throw new RegistryCommandError('an admin token is needed: pass --token or set GATEHOUSE_ADMIN_TOKEN (e.g. from gatehouse token --agent admin)');
  const url = `${options.admin.replace(/\/+$/, '')}${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(ifMatch === undefined ? {} : { 'if-match': /^(W\/)?".*"$/.test(ifMatch) ? ifMatch : `"${ifMatch}"` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new RegistryCommandError(`cannot reach the admin listener at ${options.admin} (${error instanceof Error ? error.message : String(error)}); is the gateway running, and is --admin its admin address?`);
  }
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new RegistryCommandError(`${method} ${url} answered ${response.status} with a body that is not JSON; is --admin the gateway's admin listener?`);
  }
  if (!response.ok) throw new RegistryCommandError(`${response.status}${typeof parsed.code === 'string' ? ` ${parsed.code}` : ''}: ${String(parsed.error ?? text)}`);
  return { body: parsed, etag: response.headers.get('etag') };
}

export async function guarded(io: CommandIo, action: () => Promise<void>, failureCode = 1): Promise<void> {
  try {
    await action();
  } catch (error) {
    if (!(error instanceof RegistryCommandError)) throw error;
    io.err(error.message);
    io.fail(failureCode);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseCheck(text: string): { name: string; outcome: string } {
  const at = text.lastIndexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`--check "${text}" is not name=outcome (e.g. tool-vetting=passed)`);
  return { name: text.slice(0, at), outcome: text.slice(at + 1) };
}

export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => String(row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => String(cell).padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
