// What a CI tool points at: a live MCP server over Streamable HTTP (an
// http(s) URL) or over stdio (`stdio:COMMAND ARGS...`, split on whitespace),
// with the headers (a bearer token) a request carries.

import { CiToolError } from './ci-tool-error.ts';

export type ServerTarget =
  | { kind: 'http'; url: URL; headers: Readonly<Record<string, string>> }
  | { kind: 'stdio'; command: string; args: readonly string[] };

const STDIO_PREFIX = 'stdio:';

/** True for text naming a live server rather than a snapshot file. */
export function isLiveTarget(text: string): boolean {
  return /^https?:\/\//i.test(text) || text.startsWith(STDIO_PREFIX);
}

export function parseTarget(text: string, options: { token?: string; headers?: Readonly<Record<string, string>> } = {}): ServerTarget {
  if (text.startsWith(STDIO_PREFIX)) {
    const [command, ...args] = text.slice(STDIO_PREFIX.length).trim().split(/\s+/).filter((part) => part.length > 0);
    if (command === undefined) throw new CiToolError('target_invalid', `"${text}" names no command; write stdio:COMMAND ARGS, e.g. stdio:node server.js`);
    return { kind: 'stdio', command, args };
  }
  if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol)) {
    throw new CiToolError('target_invalid', `"${text}" is neither an http(s) URL nor stdio:COMMAND; give the server's MCP endpoint, e.g. http://127.0.0.1:8080/mcp`);
  }
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  return { kind: 'http', url: new URL(text), headers };
}

/** The same target presenting another bearer token (or none), for checks that compare identities. */
export function withToken(target: ServerTarget, token: string | undefined): ServerTarget {
  if (target.kind !== 'http') return target;
  const { authorization: _dropped, ...headers } = target.headers;
  return { ...target, headers: token === undefined ? headers : { ...headers, authorization: `Bearer ${token}` } };
}

/** The target as a report names it: never with its token. */
export function describeTarget(target: ServerTarget): string {
  return target.kind === 'http' ? target.url.href : `stdio:${[target.command, ...target.args].join(' ')}`;
}
