// Reads an MCP Registry (`GET /v0.1/servers`, every page by `cursor`) or a
// saved answer file, for `gatehouse registry import`. Only the registry URL
// the operator gave is fetched, through the outbound guard; hosts that the
// answers name (remotes, repositories, icons) are never fetched here.

import { readFile, stat } from 'node:fs/promises';
import { findOutboundRefusal } from '../outbound/outbound-error.ts';
import { OutboundGuard, type Fetch, type OutboundGuardOptions } from '../outbound/outbound-guard.ts';
import {
  formatJsonPath, OFFICIAL_META, serverListEnvelopeSchema, serverResponseSchema, serverDetailSchema, type ServerResponse,
} from './mcp-registry-format.ts';

const BRAND = Symbol.for('gatehouse.RegistryImportError');

export type RegistryImportErrorCode =
  | 'registry_unreachable'
  | 'registry_http_status'
  | 'registry_bad_json'
  | 'registry_wrong_shape'
  | 'registry_too_many_pages'
  | 'registry_cursor_loop'
  | 'registry_refused'
  | 'registry_file_unreadable'
  | 'registry_bad_argument';

export class RegistryImportError extends Error {
  readonly [BRAND] = true;
  readonly code: RegistryImportErrorCode;
  /** Retrying later may help (network failures, 429, 5xx); otherwise the input or the URL must change. */
  readonly isTransient: boolean;
  constructor(code: RegistryImportErrorCode, message: string, options: { isTransient?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegistryImportError';
    this.code = code;
    this.isTransient = options.isTransient ?? false;
  }
}

export function isRegistryImportError(value: unknown): value is RegistryImportError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** An entry of an answer that did not have the server.json shape; the import goes on without it. */
export interface EntryProblem {
  /** `page 2: servers[3].server.name` or `FILE: servers[0]...`. */
  where: string;
  message: string;
}

export interface RegistryRead {
  entries: ServerResponse[];
  problems: EntryProblem[];
  pages: number;
}

export interface PageProgress {
  page: number;
  entries: number;
  problems: number;
}

export interface RegistryReadOptions {
  /** RFC 3339; only servers updated since then (the registry's `updated_since`, and checked again locally). */
  updatedSince?: string | undefined;
  /** Entries per page asked for (`limit`); the official registry caps it at 100. */
  pageLimit?: number;
  /** Stops with registry_too_many_pages past this many pages. Default 1000. */
  maxPages?: number;
  onPage?: (progress: PageProgress) => void;
}

export const DEFAULT_PAGE_LIMIT = 100;
export const DEFAULT_MAX_PAGES = 1000;
/** One page of 100 server.json entries is a few hundred KiB; this leaves room without reading unbounded answers. */
export const MAX_PAGE_BYTES = 8 * 1024 * 1024;
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
const PAGE_TIMEOUT_MS = 30_000;

/** The list URL of a registry: a base (`https://registry.example.com`) gets `/v0.1/servers`; a full list URL is kept. */
export function serverListUrl(from: string, query: { cursor?: string | undefined; limit?: number | undefined; updatedSince?: string | undefined; version?: string | undefined } = {}): URL {
  const url = URL.parse(from);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new RegistryImportError('registry_bad_argument', `"${from}" is not an http(s) URL; give a registry base URL such as https://registry.modelcontextprotocol.io, or a saved answer file`);
  }
  if (!/\/v0(\.\d+)?\/servers\/?$/.test(url.pathname)) url.pathname = `${url.pathname.replace(/\/+$/, '')}/v0.1/servers`;
  if (query.limit !== undefined) url.searchParams.set('limit', String(query.limit));
  if (query.updatedSince !== undefined) url.searchParams.set('updated_since', query.updatedSince);
  if (query.version !== undefined) url.searchParams.set('version', query.version);
  if (query.cursor !== undefined) url.searchParams.set('cursor', query.cursor);
  return url;
}

/** `value` as an RFC 3339 timestamp in UTC, or a registry_bad_argument naming the option. */
export function normalizeUpdatedSince(value: string): string {
  const time = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/i.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw new RegistryImportError('registry_bad_argument', `--updated-since "${value}" is not an ISO date or date-time; give one such as 2025-08-07 or 2025-08-07T13:15:04Z`);
  return new Date(time).toISOString();
}

/**
 * The entries of one list answer: the envelope must have the ServerList
 * shape (else registry_wrong_shape with the JSON path); each entry is checked
 * on its own and a malformed one becomes a problem, not a failed import.
 */
export function parseServerListPage(body: unknown, where: string): { entries: ServerResponse[]; problems: EntryProblem[]; nextCursor: string | undefined } {
  const envelope = serverListEnvelopeSchema.safeParse(body);
  if (!envelope.success) {
    const issue = envelope.error.issues[0]!;
    throw new RegistryImportError('registry_wrong_shape', `${where}: ${formatJsonPath('', issue.path)}: ${issue.message}; expected the MCP Registry list shape {"servers": [{"server": {...}, "_meta": {...}}], "metadata": {"nextCursor": ...}}`);
  }
  const entries: ServerResponse[] = [];
  const problems: EntryProblem[] = [];
  for (const [index, raw] of envelope.data.servers.entries()) {
    const entry = serverResponseSchema.safeParse(raw);
    if (entry.success) {
      entries.push(entry.data);
      continue;
    }
    const name = (raw as { server?: { name?: unknown } } | null)?.server?.name;
    const label = typeof name === 'string' ? ` (${name})` : '';
    for (const issue of entry.error.issues) problems.push({ where: `${where}: ${formatJsonPath(`servers[${index}]`, issue.path)}${label}`, message: issue.message });
  }
  const cursor = envelope.data.metadata?.nextCursor;
  return { entries, problems, nextCursor: cursor === null || cursor === undefined || cursor === '' ? undefined : cursor };
}

/** Entries updated at or after `since` (an entry without timestamps is kept: the registry chose to list it). */
function isUpdatedSince(entry: ServerResponse, since: string | undefined): boolean {
  if (since === undefined) return true;
  const official = entry._meta?.[OFFICIAL_META];
  const time = Date.parse(official?.updatedAt ?? official?.publishedAt ?? '');
  return Number.isNaN(time) || time >= Date.parse(since);
}

/** Every page of a registry's server list, following `metadata.nextCursor` on the operator's URL only. */
export async function readRegistryUrl(from: string, fetch: Fetch, options: RegistryReadOptions = {}): Promise<RegistryRead> {
  const limit = options.pageLimit ?? DEFAULT_PAGE_LIMIT;
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const seen = new Set<string>();
  const read: RegistryRead = { entries: [], problems: [], pages: 0 };
  let cursor: string | undefined;
  for (;;) {
    if (read.pages >= maxPages) throw new RegistryImportError('registry_too_many_pages', `the registry had more than ${maxPages} pages of ${limit}; narrow the import with --updated-since or raise --max-pages`);
    // openapi.yaml `version=latest`: one version per server instead of every one ever published; latestLiveEntries still picks per name for registries that ignore it.
    const url = serverListUrl(from, { cursor, limit, updatedSince: options.updatedSince, version: 'latest' });
    const where = `page ${read.pages + 1} (${url.href})`;
    const page = parseServerListPage(await fetchJson(url, fetch, where), where);
    read.pages++;
    read.entries.push(...page.entries.filter((entry) => isUpdatedSince(entry, options.updatedSince)));
    read.problems.push(...page.problems);
    options.onPage?.({ page: read.pages, entries: read.entries.length, problems: read.problems.length });
    if (page.nextCursor === undefined) return read;
    if (seen.has(page.nextCursor)) throw new RegistryImportError('registry_cursor_loop', `${where} gave the cursor "${page.nextCursor}" a second time; the registry's pagination loops, stopping instead of reading forever`);
    seen.add(page.nextCursor);
    cursor = page.nextCursor;
  }
}

async function fetchJson(url: URL, fetch: Fetch, where: string): Promise<unknown> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(PAGE_TIMEOUT_MS) });
    text = await response.text();
  } catch (error) {
    const refusal = findOutboundRefusal(error);
    if (refusal !== undefined) throw new RegistryImportError('registry_refused', `${where}: ${refusal.message}`, { cause: error });
    throw new RegistryImportError('registry_unreachable', `${where}: cannot reach the registry (${networkReason(error)}); check the URL and the network, then retry`, { isTransient: true, cause: error });
  }
  if (!response.ok) {
    const isTransient = response.status === 429 || response.status >= 500;
    const detail = text.slice(0, 200).replace(/\s+/g, ' ').trim();
    throw new RegistryImportError('registry_http_status', `${where}: the registry answered HTTP ${response.status}${detail === '' ? '' : ` (${detail})`}; ${isTransient ? 'retry later' : 'check the URL: it should be a registry base such as https://registry.modelcontextprotocol.io'}`, { isTransient });
  }
  return parseJson(text, where);
}

/** The innermost cause's code or message: fetch says only "fetch failed" and keeps ECONNREFUSED, ENOTFOUND, timeouts below. */
function networkReason(error: unknown): string {
  let reason = (error as Error).message;
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 8; depth++) {
    const found = current as { code?: unknown; message?: unknown; errors?: unknown[]; cause?: unknown };
    if (typeof found.code === 'string') return found.code;
    if (typeof found.message === 'string' && found.message !== '') reason = found.message;
    current = found.cause ?? found.errors?.[0];
  }
  return reason;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RegistryImportError('registry_bad_json', `${where}: the answer is not JSON (${(error as Error).message}); is this a registry's /v0.1/servers?`, { cause: error });
  }
}

/**
 * A saved answer: a list (`{"servers": [...]}`, e.g. `curl .../v0.1/servers`),
 * one ServerResponse (`{"server": {...}}`), or a bare server.json.
 */
export async function readRegistryFile(path: string, options: Pick<RegistryReadOptions, 'updatedSince'> = {}): Promise<RegistryRead> {
  let text: string;
  try {
    const size = (await stat(path)).size;
    if (size > MAX_FILE_BYTES) throw new RegistryImportError('registry_file_unreadable', `${path} is ${size} bytes, more than ${MAX_FILE_BYTES}; import a smaller answer (use --updated-since on a registry URL)`);
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isRegistryImportError(error)) throw error;
    throw new RegistryImportError('registry_file_unreadable', `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give a saved /v0.1/servers answer or a server.json`, { cause: error });
  }
  const body = parseJson(text, path);
  let read: RegistryRead;
  if (typeof body === 'object' && body !== null && 'servers' in body) {
    const page = parseServerListPage(body, path);
    read = { entries: page.entries, problems: page.problems, pages: 1 };
  } else {
    const isResponse = typeof body === 'object' && body !== null && 'server' in body;
    const parsed = isResponse ? serverResponseSchema.safeParse(body) : serverDetailSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new RegistryImportError('registry_wrong_shape', `${path}: ${formatJsonPath('', issue.path)}: ${issue.message}; expected a /v0.1/servers answer, a {"server": ...} entry or a server.json`);
    }
    read = { entries: [isResponse ? parsed.data as ServerResponse : { server: parsed.data as ServerResponse['server'] }], problems: [], pages: 1 };
  }
  read.entries = read.entries.filter((entry) => isUpdatedSince(entry, options.updatedSince));
  return read;
}

export function isRegistryUrl(from: string): boolean {
  return /^https?:\/\//i.test(from);
}

/**
 * Reads `from` (a registry URL or a file). The URL is the operator's own
 * choice, so its origin is trusted by the outbound guard as a configured
 * endpoint is; a redirect elsewhere is checked like any influenceable URL.
 */
export async function readRegistry(from: string, options: RegistryReadOptions & { guard?: OutboundGuardOptions } = {}): Promise<RegistryRead> {
  if (!isRegistryUrl(from)) return readRegistryFile(from, options);
  const origin = serverListUrl(from).origin;
  const guard = new OutboundGuard({ timeoutMs: PAGE_TIMEOUT_MS, maxResponseBytes: MAX_PAGE_BYTES, ...options.guard });
  try {
    return await readRegistryUrl(from, guard.fetcher({ trustedOrigins: [origin] }), options);
  } finally {
    await guard.close();
  }
}
