// The console's one way to the admin API: same-origin fetches that carry the
// session cookie, the CSRF header on every state-changing request, and API
// refusals turned into ApiError values the pages show as they are (the API
// decides what a caller may do; the page never decides it alone).

/** The header the admin listener compares with the session's CSRF value (admin/console-session.ts). */
const CSRF_HEADER = 'X-Gatehouse-CSRF';

/** An answer of the admin API that is not a 2xx: its status, its stable `code` when it has one, and its message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly body: unknown;
  constructor(status: number, code: string | undefined, message: string, body: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.body = body;
  }

  /** The route is not on this gateway (its feature is off, or the gateway predates it). */
  get isNotAvailable(): boolean {
    return this.status === 404 || this.status === 405;
  }

  get isSignedOut(): boolean {
    return this.status === 401;
  }
}

let csrfToken: string | undefined;

/** Set once the session is read (/console/auth/session); sent on POST/PUT/PATCH/DELETE. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (method !== 'GET') {
    if (csrfToken !== undefined) headers[CSRF_HEADER] = csrfToken;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
  }
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const text = await response.text();
  let body: unknown = undefined;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!response.ok) {
    const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const message = typeof record.error === 'string' ? record.error : typeof body === 'string' && body !== '' ? body : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, typeof record.code === 'string' ? record.code : undefined, message, body);
  }
  return body as T;
}

/** A query string from the filled-in fields only. */
export function queryString(fields: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
