// The approvals queue on the admin listener: list pending requests, approve,
// deny (admin scope required; the approver is never a party of the
// requester's delegation chain, holds the rule's approver role and counts
// once; a refused vote is a 403 with its code and the approvals so far;
// every vote and refusal is recorded for audit with the approver's full
// principal), the queue as a live feed (Server-Sent Events,
// approval-feed.ts), and the read-only approval page the user's URL
// elicitation points at. Every answer shows the arguments' preview with PII
// and secrets redacted (policy/redactors.ts). Mounted by admin-server.ts as
// one handler that answers its own paths.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { withAdmin, type AdminAuthentication } from './admin-guard.ts';
import { readBody, writeJson } from '../transport/http-io.ts';
import { ApprovalError, describeApprovers, describeParty, isApprovalError, partyOf, type Approvals } from '../policy/approval-service.ts';
import { adminTenantScope, isInAdminScope, tenantFilterOf, withinAdminScope } from './tenant-scope.ts';
import type { ApprovalParty, ApprovalRequest, ApprovalStatus } from '../policy/approval-store.ts';
import { recordAdmin } from './admin-audit.ts';
import { ApprovalFeed, type ApprovalEvent } from './approval-feed.ts';
import { compileRedactor, type Redactor } from '../policy/redactors.ts';

// The guard lives in admin-guard.ts; re-exported for the routes that import it from here.
export { withAdmin, type AdminAuthentication } from './admin-guard.ts';

/** Handles the request and returns true, or returns false when the path is not its own. */
export type AdminHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

export interface ApprovalsApiOptions extends AdminAuthentication {
  approvals: Approvals;
  /** How often the live feed reads the store while a console listens (default 1 s). */
  feedIntervalMs?: number;
}

const APPROVAL_EVENTS_PATH = '/admin/approvals/events';

/** A comment line on an idle feed, so proxies and the browser keep the stream open. */
const KEEP_ALIVE_MS = 15_000;

/**
 * What approvers see of the arguments: personal data (SSNs, card numbers,
 * email local parts, phone numbers, IBANs) and secrets (keys, tokens)
 * masked, the rest as the call sent it. The approver judges the call, not
 * the person's details; the hash still binds the approval to the exact
 * arguments.
 */
const PREVIEW_REDACTOR: Redactor = compileRedactor({ patterns: ['pii', 'secrets'] });

const STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'denied', 'expired', 'closed'];
const MAX_BODY = 16 * 1024;

export function createApprovalsApi(options: ApprovalsApiOptions): AdminHandler {
  const { approvals } = options;
  const feed = new ApprovalFeed(approvals, { ...(options.feedIntervalMs === undefined ? {} : { intervalMs: options.feedIntervalMs }) });
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://admin.invalid');
    const path = url.pathname;
    if (path.startsWith('/approvals/') && request.method === 'GET') {
      void approvalPage(approvals, decodeURIComponent(path.slice('/approvals/'.length)), response);
      return true;
    }
    if (path !== '/admin/approvals' && !path.startsWith('/admin/approvals/')) return false;
    void withAdmin(options, request, response, async (caller) => {
      // A tenant admin sees and decides its tenant's held calls only; another tenant's are "not found", as if absent.
      const scope = adminTenantScope(caller, options.tenants);
      if (path === APPROVAL_EVENTS_PATH && request.method === 'GET') return streamEvents(approvals, feed, request, response, (item) => isInAdminScope(scope, item.tenant));
      if (path === '/admin/approvals') {
        if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET lists approval requests' }, { allow: 'GET' });
        const status = url.searchParams.get('status') ?? 'pending';
        if (status !== 'all' && !STATUSES.includes(status as ApprovalStatus)) return writeJson(response, 400, { error: `status must be one of ${[...STATUSES, 'all'].join(', ')}` });
        const found = withinAdminScope(scope, await approvals.list(status === 'all' ? undefined : (status as ApprovalStatus)), (item) => item.tenant);
        return writeJson(response, 200, { approvals: found.map((item) => view(approvals, item)) });
      }
      const [id, action, extra] = path.slice('/admin/approvals/'.length).split('/').map(decodeURIComponent);
      if (id === undefined || id === '' || extra !== undefined) return writeJson(response, 404, { error: 'expected /admin/approvals/{id}, /approve or /deny' });
      if (action === undefined) {
        if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET shows one approval request' }, { allow: 'GET' });
        const got = await approvals.get(id);
        const found = got === undefined || !isInAdminScope(scope, got.tenant) ? undefined : got;
        return found === undefined ? writeJson(response, 404, { error: `no approval request "${id}"` }) : writeJson(response, 200, { approval: view(approvals, found) });
      }
      if (action !== 'approve' && action !== 'deny') return writeJson(response, 404, { error: `unknown action "${action}"; use approve or deny` });
      if (request.method !== 'POST') return writeJson(response, 405, { error: `POST /admin/approvals/{id}/${action}` }, { allow: 'POST' });
      const body = await readJsonBody(request);
      if (body === undefined) return writeJson(response, 400, { error: 'expected an empty body or a JSON object such as {"reason": "..."}' });
      const reason = typeof body.reason === 'string' && body.reason.length > 0 ? body.reason.slice(0, 1000) : undefined;
      const startedAt = Date.now();
      // The approver as separation of duties saw it: the full principal and every party of its chain, not a display name.
      const approver = auditedParty(partyOf(caller));
      const decision = { approval_id: id, decision: action, approver, ...(reason === undefined ? {} : { reason }) };
      let decided: ApprovalRequest;
      try {
        const held = await approvals.get(id);
        if (held !== undefined && !isInAdminScope(scope, held.tenant)) throw new ApprovalError('not_found', `no approval request "${id}" in tenant "${tenantFilterOf(scope)}"`);
        decided = await approvals.decide(id, caller, action, reason);
      } catch (error) {
        if (!isApprovalError(error)) throw error;
        const known = error.request;
        const recorded = await recordAdmin(options, request, response, {
          type: 'approval_decision', caller, startedAt, server: known?.backend, name: known?.tool ?? action,
          arguments: decision, status: error.code === 'not_found' || error.code === 'not_pending' ? 'error' : 'denied', error: { code: error.code, message: error.message },
        }, false);
        if (recorded) writeJson(response, error.httpStatus, { error: error.message, code: error.code, ...(known === undefined ? {} : { approval: view(approvals, known) }) });
        return;
      }
      const recorded = await recordAdmin(options, request, response, {
        type: 'approval_decision', caller, startedAt, server: decided.backend, name: decided.tool,
        arguments: {
          ...decision,
          requested_by: describeParty(decided.requester),
          requester: auditedParty(decided.requester),
          policy: decided.policy,
          arguments_hash: decided.argumentsHash,
          status: decided.status,
          approvals: decided.approvedBy.length,
          approvers_required: decided.approversRequired,
        },
        status: 'success',
      }, true);
      if (recorded) writeJson(response, 200, { approval: view(approvals, decided) });
    });
    return true;
  };
}


/** `{}` for an empty body; `undefined` for a body that is not a JSON object. */
export async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const raw = await readBody(request, MAX_BODY).catch(() => undefined);
  if (raw === undefined) return undefined;
  if (raw.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * GET /admin/approvals/events: `snapshot` with the pending requests first,
 * then `created`, `updated` and `decided` as they happen (approval-feed.ts),
 * each `data` one approval as the list shows it. A browser's EventSource
 * reconnects by itself and gets a fresh snapshot.
 */
/** `isVisible`: a tenant admin's stream carries its tenant's held calls only (tenant-scope.ts). */
async function streamEvents(approvals: Approvals, feed: ApprovalFeed, request: IncomingMessage, response: ServerResponse, isVisible: (request: ApprovalRequest) => boolean): Promise<void> {
  let sequence = 0;
  const send = (event: string, data: unknown) => {
    sequence += 1;
    response.write(`id: ${sequence}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const { pending, unsubscribe } = await feed.subscribe((event: ApprovalEvent) => {
    if (isVisible(event.approval)) send(event.type, { approval: view(approvals, event.approval) });
  });
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  // The browser retries after this many milliseconds when the stream drops (HTML, "Server-sent events").
  response.write('retry: 2000\n\n');
  send('snapshot', { approvals: pending.filter(isVisible).map((item) => view(approvals, item)) });
  const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  keepAlive.unref();
  const stop = () => {
    clearInterval(keepAlive);
    unsubscribe();
  };
  request.once('close', stop);
  response.once('close', stop);
}

function view(approvals: Approvals, request: ApprovalRequest): Record<string, unknown> {
  const redactions = new Set<string>();
  const preview = PREVIEW_REDACTOR.redactText(request.preview, redactions);
  return {
    id: request.id,
    status: request.status,
    policy: request.policy,
    backend: request.backend,
    tool: request.tool,
    reason: request.reason,
    preview,
    preview_redactions: [...redactions].sort(),
    requested_by: { agent: request.requester.agent, user: request.requester.user ?? null },
    requester_parties: request.requester.parties,
    tenant: request.tenant ?? null,
    approvers_required: request.approversRequired,
    approver_role: request.approverRole ?? null,
    approvals: request.approvedBy.map((vote) => ({
      by: { agent: vote.by.agent, user: vote.by.user ?? null, principal: vote.by.principal },
      at: new Date(vote.at).toISOString(),
      reason: vote.reason ?? null,
    })),
    created_at: new Date(request.createdAt).toISOString(),
    expires_at: new Date(request.expiresAt).toISOString(),
    decided_at: request.decidedAt === undefined ? null : new Date(request.decidedAt).toISOString(),
    decided_by: request.decidedBy === undefined ? null : { agent: request.decidedBy.agent, user: request.decidedBy.user ?? null },
    decision_reason: request.decisionReason ?? null,
    url: approvals.urlFor(request.id),
  };
}

/**
 * The page a URL elicitation sends the user to: what waits and its status.
 * It shows no arguments (the id is an unguessable 128-bit value, but the
 * preview is for approvers, who see it through the authenticated API).
 */
async function approvalPage(approvals: Approvals, id: string, response: ServerResponse): Promise<void> {
  try {
    const request = await approvals.get(id);
    const body = request === undefined
      ? '<h1>Approval not found</h1><p>This approval request does not exist or has been removed.</p>'
      : `<h1>Approval ${escapeHtml(request.id)}</h1>
<p>Status: <strong>${escapeHtml(request.status)}</strong></p>
<p>Tool <code>${escapeHtml(request.tool)}</code> of backend <code>${escapeHtml(request.backend)}</code>, requested by ${escapeHtml(describeParty(request.requester))}.</p>
<p>Why approval is needed: ${escapeHtml(request.reason)}</p>
<p>It needs ${escapeHtml(describeApprovers(request))}; approvals so far: ${request.approvedBy.length} of ${request.approversRequired}.</p>
<p>${request.status === 'pending' ? 'An approver decides in the approvals queue; the call continues once they have. This page does not refresh by itself.' : 'The decision has been made; you can close this page.'}</p>`;
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Gatehouse approval</title></head><body>${body}</body></html>`;
    response.writeHead(request === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'" });
    response.end(html);
  } catch (error) {
    writeJson(response, 500, { error: error instanceof Error ? error.message : String(error) });
  }
}

/** A party as audit keeps it: the principal a decision is attributed to and its whole delegation chain. */
function auditedParty(party: ApprovalParty): Record<string, unknown> {
  return { principal: party.principal, parties: party.parties };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
