// The registry on the admin listener: list entries, show one (with its ETag),
// move one through its lifecycle (If-Match, a review when the table asks for
// one), list the entries due for review, and show drift from the config file.
// Schema snapshots (read only) are registry-snapshots-api.ts.
// Proposing and revising (POST, PUT, PATCH) are registry-proposals.ts. Every transition, allowed or
// refused, is recorded in the audit log as an admin action (who, when, from,
// to, why) before the answer. The lifecycle rules live in registry/lifecycle.ts.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { withAdmin, type AdminAuthentication } from './admin-guard.ts';
import { recordAdmin } from './admin-audit.ts';
import { readJsonBody, type AdminHandler } from './approval-queue-api.ts';
import { writeJson } from '../transport/http-io.ts';
import type { Caller } from '../identity/caller.ts';
import { delegationParties, principalName } from '../identity/delegation-parties.ts';
import { etagOf, LIFECYCLE_STATES, REVIEW_DECISIONS, resourceVersionOfIfMatch, type RegistryEntry } from '../registry/entry.ts';
import { isRegistryError, type RegistryErrorCode } from '../registry/errors.ts';
import { flagReviewDue, isReviewOverdue, type Actor, type GrantedRole, type TransitionRequest } from '../registry/lifecycle.ts';
import { rolesOf as adminRolesOf, roleScopesOf, type RoleScopes } from './admin-permissions.ts';
import { applyTransition } from '../registry/entry-commands.ts';
import type { RoutingGate } from '../registry/routing-gate.ts';
import { registryDrift, type DriftReport } from '../registry/drift.ts';
import { postProposal, putRevision } from './registry-proposals.ts';
import { getSnapshots } from './registry-snapshots-api.ts';
import type { BackendConfig } from '../config/backend-schema.ts';
import type { AuditStore } from '../audit/sink.ts';
import { retirementCandidates, type CallCount } from '../registry/retirement.ts';
import { readUsageRows } from '../usage/usage-report.ts';
import { daysOf, parseUsagePeriod, type UsageRange } from '../usage/usage-period.ts';
import { mergeRows, type UsageRow } from '../usage/aggregate.ts';
import { isUsageError } from '../usage/usage-error.ts';
import { adminTenantScope, isInAdminScope, PLATFORM_SCOPE, tenantFilterOf, withinAdminScope, type AdminTenantScope } from './tenant-scope.ts';

export interface RegistryApiOptions extends AdminAuthentication {
  gate: RoutingGate;
  now?: () => Date;
  /** The config file's backends as loaded now (a reload changes them), for drift; absent: the diff route answers 404. */
  configuredBackends?: () => readonly BackendConfig[];
  /** The tenant the config gives a backend (`tenants`), as the gate enrols it. */
  tenantOf?: (backend: string) => string | undefined;
  /** The audit store whose tool calls count for retirement candidates; absent: `unused_below` is refused. */
  auditStore?: AuditStore;
  /** The backend's own names of the tools it lists now (a tool never called has no audit record). */
  toolsOf?: (backend: string) => readonly string[];
}

const PREFIX = '/admin/registry';

/** How each refusal of the registry core is answered over HTTP. */
export const REGISTRY_ERROR_STATUS: Record<RegistryErrorCode, number> = {
  not_permitted: 403, self_review: 403, pre_approval_not_permitted: 403,
  illegal_transition: 409, conflict: 409, already_reviewed: 409, insufficient_reviews: 409, review_overdue: 409, already_exists: 409,
  review_required: 422, invalid_review: 422, reason_required: 422, invalid_spec: 422, immutable_field: 422,
  not_found: 404, registry_unavailable: 503, registry_store_invalid: 500,
};

const RFC3339 = 'expected an RFC 3339 time such as 2027-03-01T00:00:00Z';
const transitionBody = z.strictObject({
  to: z.enum(LIFECYCLE_STATES, { error: `expected one of ${LIFECYCLE_STATES.join(', ')}` }),
  reason: z.string({ error: 'expected a reason (it goes to the audit log)' }).max(1000, { error: 'expected a reason of at most 1000 characters' }),
  review: z.strictObject({
    decision: z.enum(REVIEW_DECISIONS, { error: `expected one of ${REVIEW_DECISIONS.join(', ')}` }),
    checks: z.array(z.strictObject({
      name: z.string({ error: 'expected the check\'s name' }).min(1).max(200),
      outcome: z.enum(['passed', 'failed', 'skipped'], { error: 'expected passed, failed or skipped' }),
      detail: z.string().max(2000).optional(),
    }), { error: 'expected a list of checks' }).max(100).optional(),
    notes: z.string({ error: 'expected notes as text' }).max(4000).optional(),
    next_review_at: z.string({ error: RFC3339 }).refine((value) => !Number.isNaN(Date.parse(value)), { error: RFC3339 }).optional(),
  }, { error: 'expected a review: {decision, checks?, notes?, next_review_at?}' }).optional(),
}, { error: 'expected a JSON object {to, reason, review?}' });

/**
/**
 * An admin (the admin scope) acts with both granted roles, but a tenant
 * admin (tenant-scope.ts) holds no platform role; a reviewer (the reviewer
 * scope, admin-permissions.ts) acts only as reviewer. The proposer and owner
 * roles still follow from the entry, so separation of duties (self_review)
 * holds.
 */
export function actorOf(caller: Caller, scopes: RoleScopes = roleScopesOf(), scope: AdminTenantScope = PLATFORM_SCOPE): Actor {
  // A raw id names one principal whether it is a client or a subject (identity/delegation-parties.ts), so each party is both forms.
  const parties = [...delegationParties(caller)].flatMap((party) => [`user:${principalName(party)}`, `agent:${principalName(party)}`]);
  const held = adminRolesOf(caller, scopes);
  const roles: GrantedRole[] = held.includes('admin') ? (scope.isPlatform ? ['reviewer', 'platform_admin'] : ['reviewer']) : held.includes('reviewer') ? ['reviewer'] : [];
  return { principal: caller.rootPrincipal, roles, parties };
}

export function createRegistryApi(options: RegistryApiOptions): AdminHandler {
  const { gate } = options;
  const now = options.now ?? (() => new Date());
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://admin.invalid');
    const path = url.pathname;
    if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) return false;
    void withAdmin(options, request, response, async (caller) => {
      // A tenant admin sees and moves its tenant's entries only (`spec.tenant`); another tenant's are not found.
      const scope = adminTenantScope(caller, options.tenants);
      try {
        const [name, action, extra] = path === PREFIX ? [] : path.slice(PREFIX.length + 1).split('/').map(decodeURIComponent);
        if (name === undefined) {
          if (request.method === 'POST') return await postProposal(options, request, response, caller, now(), scope);
          if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET lists registry entries; POST proposes one' }, { allow: 'GET, POST' });
          const state = url.searchParams.get('state');
          if (state !== null && !(LIFECYCLE_STATES as readonly string[]).includes(state)) return writeJson(response, 400, { error: `state must be one of ${LIFECYCLE_STATES.join(', ')}`, code: 'invalid_request' });
          // ReviewCurrent brought up to now, so an entry past its date reads ReviewOverdue before the sweep writes it.
          const at = now();
          const entries = withinAdminScope(scope, await gate.store.list(state === null ? {} : { states: [state as (typeof LIFECYCLE_STATES)[number]] }), (entry) => entry.spec.tenant).map((entry) => flagReviewDue(entry, at));
          return writeJson(response, 200, { entries });
        }
        if (name === 'review-due' && action === undefined) {
          if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET lists entries due for review' }, { allow: 'GET' });
          const within = url.searchParams.get('within_days') ?? '0';
          if (!/^\d{1,4}$/.test(within)) return writeJson(response, 400, { error: 'within_days must be a whole number of days from 0 to 9999', code: 'invalid_request' });
          const unusedBelow = url.searchParams.get('unused_below');
          if (unusedBelow !== null && !/^\d{1,9}$/.test(unusedBelow)) return writeJson(response, 400, { error: 'unused_below must be a whole number of calls from 0 to 999999999', code: 'invalid_request' });
          const period = url.searchParams.get('period');
          if (period !== null && unusedBelow === null) return writeJson(response, 400, { error: 'period goes with unused_below (the retirement candidates)', code: 'invalid_request' });
          const horizon = new Date(now().getTime() + Number(within) * 86_400_000);
          const entries = withinAdminScope(scope, await gate.store.list(), (entry) => entry.spec.tenant);
          const due = entries.filter((entry) => isReviewOverdue(entry, horizon)).map(reviewDueView);
          if (unusedBelow === null) return writeJson(response, 200, { entries: due, asOf: horizon.toISOString() });
          if (options.auditStore === undefined) return writeJson(response, 400, { error: 'retirement candidates count calls in the audit store, and this gateway has none; add an audit: section', code: 'invalid_request' });
          let range: UsageRange;
          try {
            range = parseUsagePeriod(retirementPeriod(period ?? '90d'), now());
          } catch (error) {
            if (!isUsageError(error)) throw error;
            return writeJson(response, 400, { error: `period: ${error.message}`, code: 'invalid_request' });
          }
          const counts = await callCounts(options.auditStore, range, tenantFilterOf(scope));
          const retirement = retirementCandidates(entries, counts, options.toolsOf ?? (() => []), Number(unusedBelow));
          return writeJson(response, 200, { entries: due, asOf: horizon.toISOString(), retirement: { unusedBelow: Number(unusedBelow), since: range.since.toISOString(), until: range.until.toISOString(), ...retirement } });
        }
        if (name === 'diff' && action === undefined && options.configuredBackends !== undefined) {
          if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET shows the drift between the config file and the registry store' }, { allow: 'GET' });
          return writeJson(response, 200, { ...await driftWithin(options, scope), asOf: now().toISOString() });
        }
        if (action === 'snapshots') return await getSnapshots(gate, request.method, name, extra, response, scope);
        if (extra !== undefined || (action !== undefined && action !== 'transitions')) return writeJson(response, 404, { error: 'expected /admin/registry/{name}, /admin/registry/{name}/transitions or /admin/registry/{name}/snapshots' });
        if (action === undefined) {
          if (request.method === 'PUT' || request.method === 'PATCH') return await putRevision(options, name, request.method === 'PATCH', request, response, caller, now(), scope);
          if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET shows one registry entry; PUT or PATCH revises its spec' }, { allow: 'GET, PUT, PATCH' });
          const found = await gate.store.get(name);
          const entry = found === undefined || !isInAdminScope(scope, found.spec.tenant) ? undefined : found;
          if (entry === undefined) return writeJson(response, 404, { error: `no registry entry is named ${name}; GET /admin/registry lists them`, code: 'not_found' });
          return writeJson(response, 200, { entry: flagReviewDue(entry, now()) }, { etag: etagOf(entry) });
        }
        if (request.method !== 'POST') return writeJson(response, 405, { error: 'POST /admin/registry/{name}/transitions with {to, reason, review?}' }, { allow: 'POST' });
        const target = await gate.store.get(name);
        if (target !== undefined && !isInAdminScope(scope, target.spec.tenant)) {
          return writeJson(response, 404, { error: `no registry entry is named ${name} in tenant "${tenantFilterOf(scope)}"`, code: 'not_found' });
        }
        await postTransition(options, gate, name, request, response, caller, now(), scope);
      } catch (error) {
        if (!isRegistryError(error)) throw error;
        writeJson(response, REGISTRY_ERROR_STATUS[error.code], { error: error.message, code: error.code });
      }
    });
    return true;
  };
}

async function postTransition(options: RegistryApiOptions, gate: RoutingGate, name: string, request: IncomingMessage, response: ServerResponse, caller: Caller, at: Date, scope: AdminTenantScope): Promise<void> {
  const raw = await readJsonBody(request);
  const parsed = transitionBody.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    return writeJson(response, 400, { error: `the transition request is invalid: ${problems.join('; ')}`, code: 'invalid_request' });
  }
  const body = parsed.data;
  const review = body.review;
  const transitionRequest: TransitionRequest = {
    to: body.to,
    reason: body.reason,
    ...(review === undefined ? {} : { review: {
      decision: review.decision,
      ...(review.checks === undefined ? {} : { checks: review.checks.map((check) => ({ name: check.name, outcome: check.outcome, ...(check.detail === undefined ? {} : { detail: check.detail }) })) }),
      ...(review.notes === undefined ? {} : { notes: review.notes }),
      ...(review.next_review_at === undefined ? {} : { nextReviewAt: review.next_review_at }),
    } }),
  };
  const ifMatch = resourceVersionOfIfMatch(request.headers['if-match']);
  const startedAt = Date.now();
  const asked = { entry: name, to: body.to, reason: body.reason, ...(review === undefined ? {} : { review: { decision: review.decision, checks: review.checks ?? [] } }), ...(ifMatch === undefined ? {} : { if_match: ifMatch }) };
  try {
    const { entry, event } = await applyTransition(gate.store, name, transitionRequest, actorOf(caller, roleScopesOf(options), scope), at, { ...(ifMatch === undefined ? {} : { ifMatch }), policy: gate.policy });
    await gate.observe(entry);
    const recorded = await recordAdmin(options, request, response, {
      type: 'admin_action', caller, startedAt, server: name, name: 'registry_transition',
      arguments: { ...asked, from: event.from, by: event.by, at: event.at, resource_version: event.resourceVersion, ...(event.review === undefined ? {} : { review: { ...asked.review, id: event.review.id } }) },
      status: 'success',
    }, true);
    if (recorded) writeJson(response, 200, { entry, event }, { etag: etagOf(entry) });
  } catch (error) {
    if (!isRegistryError(error)) throw error;
    const current = error.code === 'conflict' || error.code === 'not_found' ? undefined : await gate.store.get(name).catch(() => undefined);
    const recorded = await recordAdmin(options, request, response, {
      type: 'admin_action', caller, startedAt, server: name, name: 'registry_transition',
      arguments: { ...asked, ...(current === undefined ? {} : { from: current.status.state }), by: caller.rootPrincipal, at: at.toISOString() },
      status: error.code === 'not_found' || error.code === 'conflict' || error.code === 'registry_unavailable' ? 'error' : 'denied',
      error: { code: error.code, message: error.message },
    }, false);
    if (recorded) writeJson(response, REGISTRY_ERROR_STATUS[error.code], { error: error.message, code: error.code, ...(error.problems.length === 0 ? {} : { problems: error.problems }) });
  }
}

/** `90d` is the CLI's short form of the usage period `last-90d`; every usage period form is accepted. */
function retirementPeriod(text: string): string {
  return /^\d{1,4}d$/.test(text.trim()) ? `last-${text.trim()}` : text;
}

/** Tool calls per backend and tool over the range, from the audit store, a day at a time. */
async function callCounts(store: AuditStore, range: UsageRange, tenant: string | undefined): Promise<CallCount[]> {
  const merged = new Map<string, UsageRow>();
  for (const day of daysOf(range)) mergeRows(merged, await readUsageRows(store, day, false, tenant));
  return [...merged.values()].filter((row) => row.server !== null && row.tool !== null).map((row) => ({ backend: row.server!, tool: row.tool!, calls: row.calls }));
}

/** The drift a tenant admin sees: items whose backend belongs to its tenant by the file or by the store. */
async function driftWithin(options: RegistryApiOptions, scope: AdminTenantScope): Promise<DriftReport> {
  const entries = await options.gate.store.list();
  const tenantOf = options.tenantOf ?? (() => undefined);
  const report = registryDrift({ configured: options.configuredBackends!(), entries, discovered: options.gate.discoveredNames(), tenantOf });
  if (scope.isPlatform) return report;
  const storedTenant = new Map(entries.map((entry) => [entry.spec.name, entry.spec.tenant]));
  const items = report.items.filter((item) => isInAdminScope(scope, tenantOf(item.backend) ?? 'default') || isInAdminScope(scope, storedTenant.get(item.backend)));
  return { isDrifted: items.length > 0, items };
}

function reviewDueView(entry: RegistryEntry): Record<string, unknown> {
  return { name: entry.spec.name, owner: entry.spec.owner, tenant: entry.spec.tenant, riskTier: entry.spec.riskTier, state: entry.status.state, nextReviewAt: entry.status.nextReviewAt ?? null };
}
