// Audit on the admin listener: the filters of `gatehouse audit query` as
// query parameters, newest first, paginated by an opaque cursor, records in
// the documented shape (docs/audit.md) with each one's place in its hash chain (log, seq, hash,
// previous hash); the same query as CSV for a download; and the verifier of
// `gatehouse audit verify`, bounded to each log's last records unless a
// full run is asked for and the store is small enough to walk in a request.
// The guard (admin-guard.ts) asks audit.read or audit.verify.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeJson } from '../transport/http-io.ts';
import type { AdminHandler } from './approval-queue-api.ts';
import { readJsonBody } from './approval-queue-api.ts';
import { withAdmin, type AdminAuthentication } from './admin-guard.ts';
import { isAuditError } from '../audit/errors.ts';
import { auditQueryFromFilters, DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, QUERY_FILTER_NAMES, type QueryFilters, type QueryItem, type QueryPage } from '../audit/query.ts';
import { formatCsv, inDocumentedOrder } from '../audit/query-format.ts';
import type { AuditStore, EntryLink } from '../audit/sink.ts';
import { verifyStore, type VerifyReport } from '../audit/verify.ts';
import { loadTrustedKeys } from '../audit/open-store.ts';
import type { Caller } from '../identity/caller.ts';
import { adminTenantScope, tenantFilterOf } from './tenant-scope.ts';

const AUDIT_RECORDS_PATH = '/admin/audit/records';
const AUDIT_CSV_PATH = '/admin/audit/records.csv';
const AUDIT_VERIFY_PATH = '/admin/audit/verify';

/** A verification in a request checks each log's last this many records unless told otherwise. */
const DEFAULT_VERIFY_LAST = 10_000;
const MAX_VERIFY_LAST = 100_000;
/** A full run walks every record since the anchors; past this many it belongs to `gatehouse audit verify`, which shows progress. */
const MAX_FULL_VERIFY_RECORDS = 100_000;
const DEFAULT_CSV_LIMIT = 1_000;
/** One readLinks call covers a page's seqs of one log when they lie this close together. */
const MAX_LINK_SPAN = 10_000;

export interface AuditApiOptions extends AdminAuthentication {
  store: AuditStore;
  /** The catalog's name separator, for `tool=crm__get_*`. */
  nameSeparator?: string;
  now?: () => Date;
}

/**
 * GET  /admin/audit/records?target=C-42&period=last-quarter&limit=100&cursor=...
 *   200 {"records": [{...record, chain: {log_id, seq, hash, prev_hash}}], "next_cursor": "..." | null}
 *   400 {"error", "code": "audit_query_invalid"} for a filter that does not parse
 * GET  /admin/audit/records.csv?...   the same query as text/csv (the CLI's columns), Link rel="next" for the next page
 * POST /admin/audit/verify {"last"?: n, "full"?: true, "log_ids"?: [...]}
 *   200 {"valid", "keys_trusted", "mode", "logs", "failure"}
 */
export function createAuditApi(options: AuditApiOptions): AdminHandler {
  const now = options.now ?? (() => new Date());
  let isVerifying = false;
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://admin.invalid');
    const path = url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
    if (path !== AUDIT_RECORDS_PATH && path !== AUDIT_CSV_PATH && path !== AUDIT_VERIFY_PATH) return false;
    void withAdmin(options, request, response, async (caller) => {
      if (path === AUDIT_VERIFY_PATH) {
        if (request.method !== 'POST') return writeJson(response, 405, { error: 'POST runs the verifier' }, { allow: 'POST' });
        // One run at a time: a verification reads the whole range it checks.
        if (isVerifying) return writeJson(response, 409, { error: 'a verification is already running on this gateway; try again when it has finished', code: 'verify_in_progress' });
        isVerifying = true;
        try {
          return await verify(options, request, response);
        } finally {
          isVerifying = false;
        }
      }
      if (request.method !== 'GET') return writeJson(response, 405, { error: 'GET queries audit records' }, { allow: 'GET' });
      const isCsv = path === AUDIT_CSV_PATH;
      const page = await queryPage(options, url, caller, isCsv ? DEFAULT_CSV_LIMIT : DEFAULT_QUERY_LIMIT, now(), response);
      if (page === undefined) return;
      if (!isCsv) {
        const links = await chainLinks(options.store, page.items);
        return writeJson(response, 200, { records: page.items.map((item) => ({ ...inDocumentedOrder(item.record), chain: chainView(item, links) })), next_cursor: page.nextCursor ?? null });
      }
      const text = `${formatCsv(page.items.map((item) => item.record))}\r\n`;
      const headers: Record<string, string> = { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="gatehouse-audit.csv"', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' };
      if (page.nextCursor !== undefined) {
        const next = new URL(url);
        next.searchParams.set('cursor', page.nextCursor);
        // RFC 8288: the next page of the same query.
        headers.link = `<${next.pathname}${next.search}>; rel="next"`;
      }
      response.writeHead(200, headers);
      response.end(text);
    });
    return true;
  };
}

/** The page the query parameters ask for; undefined when a 400 has been written. */
async function queryPage(options: AuditApiOptions, url: URL, caller: Caller, defaultLimit: number, now: Date, response: ServerResponse): Promise<QueryPage | undefined> {
  const unknown = [...url.searchParams.keys()].filter((key) => !(QUERY_FILTER_NAMES as readonly string[]).includes(key) && key !== 'limit' && key !== 'cursor');
  if (unknown.length > 0) {
    writeJson(response, 400, { error: `unknown query parameter ${unknown.map((key) => `"${key}"`).join(', ')}; filters: ${QUERY_FILTER_NAMES.join(', ')}, and limit, cursor`, code: 'audit_query_invalid' });
    return undefined;
  }
  const limitText = url.searchParams.get('limit');
  const limit = limitText === null ? defaultLimit : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    writeJson(response, 400, { error: `limit must be a whole number from 1 to ${MAX_QUERY_LIMIT}`, code: 'audit_query_invalid' });
    return undefined;
  }
  const filters: QueryFilters = {};
  for (const name of QUERY_FILTER_NAMES) {
    const value = url.searchParams.get(name);
    if (value !== null && value !== '') filters[name] = value;
  }
  // A tenant admin reads its tenant's records only (docs/tenants.md); asking for another's is refused, not silently narrowed.
  const scopedTenant = tenantFilterOf(adminTenantScope(caller, options.tenants));
  if (scopedTenant !== undefined && filters.tenant !== undefined && filters.tenant !== scopedTenant) {
    writeJson(response, 403, { error: `you administer tenant "${scopedTenant}" and cannot read tenant "${filters.tenant}"'s records; only a platform admin reads every tenant`, code: 'tenant_out_of_scope' });
    return undefined;
  }
  if (scopedTenant !== undefined) filters.tenant = scopedTenant;
  try {
    const query = auditQueryFromFilters(filters, now, options.nameSeparator);
    const cursor = url.searchParams.get('cursor') ?? undefined;
    return await options.store.query(query, { limit, cursor: cursor === '' ? undefined : cursor });
  } catch (error) {
    if (isAuditError(error) && error.code === 'audit_query_invalid') {
      writeJson(response, 400, { error: error.message, code: error.code });
      return undefined;
    }
    throw error;
  }
}

/** Each item's chain link, read per log in one call when the page's seqs lie close together (they usually do). */
async function chainLinks(store: AuditStore, items: readonly QueryItem[]): Promise<Map<string, EntryLink>> {
  const links = new Map<string, EntryLink>();
  const byLog = new Map<string, number[]>();
  for (const item of items) {
    const seqs = byLog.get(item.logId) ?? [];
    seqs.push(item.seq);
    byLog.set(item.logId, seqs);
  }
  for (const [logId, seqs] of byLog) {
    const lowest = Math.min(...seqs);
    const span = Math.max(...seqs) - lowest + 1;
    const found = span <= MAX_LINK_SPAN ? await store.readLinks(logId, lowest, span) : (await Promise.all(seqs.map((seq) => store.readLinks(logId, seq, 1)))).flat();
    for (const link of found) links.set(`${logId}\u0000${link.seq}`, link);
  }
  return links;
}

function chainView(item: QueryItem, links: ReadonlyMap<string, EntryLink>): Record<string, unknown> {
  const link = links.get(`${item.logId}\u0000${item.seq}`);
  return { log_id: item.logId, seq: item.seq, hash: link?.hash.toString('hex') ?? null, prev_hash: link?.prevHash.toString('hex') ?? null };
}

async function verify(options: AuditApiOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readJsonBody(request);
  const problem = body === undefined ? 'expected an empty body or a JSON object {"last"?, "full"?, "log_ids"?}' : verifyBodyProblem(body);
  if (problem !== undefined) return writeJson(response, 400, { error: problem, code: 'invalid_request' });
  const isFull = body!.full === true;
  const last = isFull ? undefined : (body!.last as number | undefined) ?? DEFAULT_VERIFY_LAST;
  const logIds = body!.log_ids as string[] | undefined;
  if (isFull) {
    const logs = (await options.store.listLogs()).filter((log) => logIds === undefined || logIds.includes(log.logId));
    const total = logs.reduce((sum, log) => sum + Math.max(0, log.size - log.anchor.size), 0);
    if (total > MAX_FULL_VERIFY_RECORDS) {
      return writeJson(response, 422, { error: `a full verification would walk ${total} records, more than the ${MAX_FULL_VERIFY_RECORDS} one request does; ask for {"last": n}, or run gatehouse audit verify, which shows its progress`, code: 'verify_too_large' });
    }
  }
  const settings = options.audit?.settings;
  const trustedKeys = settings === undefined ? undefined : await loadTrustedKeys(settings);
  const startedAt = Date.now();
  const report = await verifyStore(options.store, { ...(trustedKeys === undefined ? {} : { trustedKeys }), ...(logIds === undefined ? {} : { logIds }), ...(last === undefined ? {} : { lastRecords: last }) });
  writeJson(response, 200, verifyView(report, isFull ? 'full' : 'last', last, Date.now() - startedAt), { 'cache-control': 'no-store' });
}

function verifyBodyProblem(body: Record<string, unknown>): string | undefined {
  const unknown = Object.keys(body).filter((key) => key !== 'last' && key !== 'full' && key !== 'log_ids');
  if (unknown.length > 0) return `unknown field ${unknown.map((key) => `"${key}"`).join(', ')}; use last, full, log_ids`;
  if (body.full !== undefined && typeof body.full !== 'boolean') return 'full must be true or false';
  if (body.full === true && body.last !== undefined) return 'give either full or last, not both';
  if (body.last !== undefined && (!Number.isInteger(body.last) || (body.last as number) < 1 || (body.last as number) > MAX_VERIFY_LAST)) return `last must be a whole number of records from 1 to ${MAX_VERIFY_LAST}`;
  if (body.log_ids !== undefined && (!Array.isArray(body.log_ids) || body.log_ids.length === 0 || body.log_ids.some((id) => typeof id !== 'string'))) return 'log_ids must be a non-empty list of log ids such as gatehouse-host/security';
  return undefined;
}

function verifyView(report: VerifyReport, mode: 'full' | 'last', last: number | undefined, durationMs: number): Record<string, unknown> {
  const failure = report.failure;
  return {
    valid: report.isValid,
    keys_trusted: report.areKeysTrusted,
    mode,
    last: last ?? null,
    duration_ms: durationMs,
    logs: report.logs.map((log) => ({
      log_id: log.logId,
      first_seq: log.firstSeq,
      from_seq: log.fromSeq,
      size: log.size,
      records_checked: log.recordsChecked,
      checkpoints_checked: log.checkpointsChecked,
      latest_checkpoint: log.latestCheckpoint === undefined ? null : { tree_size: log.latestCheckpoint.treeSize, at: new Date(log.latestCheckpoint.timestampMs).toISOString(), root_hash: log.latestCheckpoint.rootHash },
    })),
    failure: failure === undefined ? null : { code: failure.code, log_id: failure.logId, seq: failure.seq ?? null, audit_id: failure.auditId ?? null, checkpoint_size: failure.checkpointSize ?? null, message: failure.message },
  };
}
