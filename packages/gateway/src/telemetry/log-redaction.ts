// What the logger never writes: credentials under the field names they travel
// in (HTTP authorization and cookie headers, OAuth tokens and client secrets,
// API keys), top level and inside the objects that carry them. pino `redact`
// paths are listed explicitly: a wildcard path (`*.token`) cost ~0.8 us per
// line on every line in our measurement, explicit paths cost nothing on lines
// without the field. A `headers` object is also filtered by name pattern, so
// vendor headers (`x-goog-api-key`) are caught too.

export const REDACTED = '[redacted]';

/** Field names whose values are secrets (RFC 6749 sections 4-5, RFC 7523, RFC 8693, RFC 7636; RFC 9110 section 11.6.2). */
export const SECRET_FIELDS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'api_key',
  'apiKey',
  'token',
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'id_token',
  'idToken',
  'subject_token',
  'actor_token',
  'client_secret',
  'clientSecret',
  'client_assertion',
  'assertion',
  'code_verifier',
  'password',
  'secret',
  'private_key',
  'privateKey',
];

/** Objects that carry secrets under those names in our log lines and in errors we log. */
export const SECRET_CONTAINERS: readonly string[] = [
  'headers',
  'req.headers',
  'res.headers',
  'request.headers',
  'response.headers',
  'err.headers',
  'err.request.headers',
  'params',
  'params._meta',
  'arguments',
  'body',
  'auth',
  'credentials',
  'credential',
  'config',
  'options',
  'env',
  'query',
];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** pino `redact.paths`: every secret field at the top level and inside each container. */
export function redactionPaths(extraPaths: readonly string[] = []): string[] {
  const paths: string[] = [];
  for (const field of SECRET_FIELDS) {
    paths.push(IDENTIFIER.test(field) ? field : `["${field}"]`);
    for (const container of SECRET_CONTAINERS) paths.push(IDENTIFIER.test(field) ? `${container}.${field}` : `${container}["${field}"]`);
  }
  return [...paths, ...extraPaths];
}

const SECRET_HEADER = /^(?:authorization|proxy-authorization|cookie|set-cookie)$|token|secret|password|api[-_]?key|credential|signature/i;

export function isSecretHeaderName(name: string): boolean {
  return SECRET_HEADER.test(name);
}

/** pino serializer for a `headers` field: a copy with every secret-looking header's value replaced. */
export function redactHeaders(headers: unknown): unknown {
  if (typeof headers !== 'object' || headers === null) return headers;
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) copy[name] = isSecretHeaderName(name) ? REDACTED : value;
  return copy;
}
