// Proposing and revising registry entries on the admin listener:
// POST /admin/registry creates a `proposed` entry with the caller recorded
// as its proposer; PUT (the whole spec) and PATCH (a JSON merge patch of it,
// RFC 7396) revise one, If-Match optional (RFC 9110 section 13.1.1: a stale
// one is 412). Both are audited before the answer, as transitions are.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordAdmin } from './admin-audit.ts';
import { readJsonBody } from './approval-queue-api.ts';
import { roleScopesOf } from './admin-permissions.ts';
import { actorOf, REGISTRY_ERROR_STATUS, type RegistryApiOptions } from './registry-api.ts';
import { isInAdminScope, type AdminTenantScope } from './tenant-scope.ts';
import { writeJson } from '../transport/http-io.ts';
import type { Caller } from '../identity/caller.ts';
import { etagOf, resourceVersionOfIfMatch, type EntrySpec } from '../registry/entry.ts';
import { applySpecRevision, proposeEntry, type CommandResult } from '../registry/entry-commands.ts';
import { isRegistryError, RegistryError } from '../registry/errors.ts';

const MAX_REASON = 1000;

interface ProposalBody {
  spec: Record<string, unknown>;
  reason: string;
}

/** `{spec, reason?}`, or what is wrong with the body. */
function proposalBody(raw: Record<string, unknown> | undefined): ProposalBody | string {
  if (raw === undefined) return 'expected a JSON object {spec, reason?}';
  const unknown = Object.keys(raw).filter((key) => key !== 'spec' && key !== 'reason');
  if (unknown.length > 0) return `unknown field ${unknown.join(', ')}; the body is {spec, reason?}`;
  if (typeof raw.spec !== 'object' || raw.spec === null || Array.isArray(raw.spec)) return 'spec: expected a mapping (the entry spec, as GET /admin/registry/{name} shows it)';
  if (raw.reason !== undefined && (typeof raw.reason !== 'string' || raw.reason.length > MAX_REASON)) return `reason: expected text of at most ${MAX_REASON} characters`;
  return { spec: raw.spec as Record<string, unknown>, reason: (raw.reason as string | undefined) ?? '' };
}

/** POST /admin/registry: a new entry, proposed by the caller (pre-approved only by a platform admin). */
export async function postProposal(options: RegistryApiOptions, request: IncomingMessage, response: ServerResponse, caller: Caller, at: Date, scope: AdminTenantScope): Promise<void> {
  const body = proposalBody(await readJsonBody(request));
  if (typeof body === 'string') return writeJson(response, 400, { error: `the proposal is invalid: ${body}`, code: 'invalid_request' });
  // A tenant admin proposes into its own tenant; naming another is refused, not silently moved.
  const spec = scope.isPlatform ? body.spec : { tenant: scope.tenant, ...body.spec };
  const name = typeof spec.name === 'string' ? spec.name : undefined;
  const startedAt = Date.now();
  const asked = { entry: name ?? null, reason: body.reason, spec };
  const record = (status: 'success' | 'denied' | 'error', result: Record<string, unknown>, error?: RegistryError) => recordAdmin(options, request, response, {
    type: 'admin_action', caller, startedAt, server: name, name: 'registry_proposal',
    arguments: { ...asked, by: caller.rootPrincipal, at: at.toISOString(), ...result },
    status, ...(error === undefined ? {} : { error: { code: error.code, message: error.message } }),
  }, status === 'success');
  try {
    if (!isInAdminScope(scope, typeof spec.tenant === 'string' ? spec.tenant : 'default')) {
      throw new RegistryError('not_permitted', `${caller.rootPrincipal} administers tenant "${scope.isPlatform ? '' : scope.tenant}" and may not propose an entry for tenant "${String(spec.tenant)}"`);
    }
    const { entry, event } = await proposeEntry(options.gate.store, spec, actorOf(caller, roleScopesOf(options), scope), at, body.reason.trim() === '' ? 'proposed through the admin API' : body.reason, options.gate.policy);
    await options.gate.observe(entry);
    if (await record('success', { to: entry.status.state, resource_version: entry.metadata.resourceVersion })) {
      writeJson(response, 201, { entry, event }, { etag: etagOf(entry), location: `/admin/registry/${encodeURIComponent(entry.spec.name)}` });
    }
  } catch (error) {
    if (!isRegistryError(error)) throw error;
    if (await record(error.code === 'registry_unavailable' ? 'error' : 'denied', {}, error)) answerRefusal(response, error, false);
  }
}

/** PUT replaces the spec; PATCH merges the body's spec into the stored one (RFC 7396: null removes a field). */
export async function putRevision(options: RegistryApiOptions, name: string, isPatch: boolean, request: IncomingMessage, response: ServerResponse, caller: Caller, at: Date, scope: AdminTenantScope): Promise<void> {
  const body = proposalBody(await readJsonBody(request));
  if (typeof body === 'string') return writeJson(response, 400, { error: `the revision is invalid: ${body}`, code: 'invalid_request' });
  const ifMatch = resourceVersionOfIfMatch(request.headers['if-match']);
  const startedAt = Date.now();
  const asked = { entry: name, reason: body.reason, method: isPatch ? 'PATCH' : 'PUT', spec: body.spec, ...(ifMatch === undefined ? {} : { if_match: ifMatch }) };
  const record = (status: 'success' | 'denied' | 'error', result: Record<string, unknown>, error?: RegistryError) => recordAdmin(options, request, response, {
    type: 'admin_action', caller, startedAt, server: name, name: 'registry_revision',
    arguments: { ...asked, by: caller.rootPrincipal, at: at.toISOString(), ...result },
    status, ...(error === undefined ? {} : { error: { code: error.code, message: error.message } }),
  }, status === 'success');
  try {
    const current = await options.gate.store.get(name);
    if (current === undefined || !isInAdminScope(scope, current.spec.tenant)) throw new RegistryError('not_found', `no registry entry is named ${name}; GET /admin/registry lists them`);
    if (ifMatch !== undefined && ifMatch !== current.metadata.resourceVersion) throw staleIfMatch(name, ifMatch, current.metadata.resourceVersion);
    const next = isPatch ? mergePatch(current.spec, body.spec) : body.spec;
    if (!isInAdminScope(scope, typeof next.tenant === 'string' ? next.tenant : 'default')) {
      throw new RegistryError('not_permitted', `${caller.rootPrincipal} may not move ${name} out of its tenant`);
    }
    const result: CommandResult = await applySpecRevision(options.gate.store, name, next, actorOf(caller, roleScopesOf(options), scope), at, body.reason.trim() === '' ? `spec revised through the admin API (${asked.method})` : body.reason, { ifMatch: current.metadata.resourceVersion, policy: options.gate.policy });
    await options.gate.observe(result.entry);
    if (await record('success', { from_version: current.metadata.resourceVersion, resource_version: result.entry.metadata.resourceVersion, generation: result.entry.metadata.generation })) {
      writeJson(response, 200, result, { etag: etagOf(result.entry) });
    }
  } catch (error) {
    if (!isRegistryError(error)) throw error;
    const status = error.code === 'not_found' || error.code === 'conflict' || error.code === 'registry_unavailable' ? 'error' : 'denied';
    if (await record(status, {}, error)) answerRefusal(response, error, ifMatch !== undefined);
  }
}

/** A stale If-Match is the client's precondition failing (412); a write that lost a race after a good read is 409. */
const STALE_PRECONDITION = Symbol('stale If-Match');

function staleIfMatch(name: string, expected: string, found: string): RegistryError {
  const error = new RegistryError('conflict', `${name} is at version ${found}, not ${expected} as If-Match says: it changed since you read it; read it again, reapply your change and retry with the new ETag`);
  Object.defineProperty(error, STALE_PRECONDITION, { value: true });
  return error;
}

function answerRefusal(response: ServerResponse, error: RegistryError, hasIfMatch: boolean): void {
  const isPrecondition = hasIfMatch && (error as unknown as Record<symbol, unknown>)[STALE_PRECONDITION] === true;
  writeJson(response, isPrecondition ? 412 : REGISTRY_ERROR_STATUS[error.code], {
    error: error.message,
    code: isPrecondition ? 'precondition_failed' : error.code,
    ...(error.problems.length === 0 ? {} : { problems: error.problems }),
  });
}

/** RFC 7396 JSON merge patch of a spec: objects merge, null removes, anything else replaces. */
function mergePatch(target: EntrySpec | Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (typeof value === 'object' && !Array.isArray(value) && typeof result[key] === 'object' && result[key] !== null && !Array.isArray(result[key])) {
      result[key] = mergePatch(result[key] as Record<string, unknown>, value as Record<string, unknown>);
    } else result[key] = value;
  }
  return result;
}
