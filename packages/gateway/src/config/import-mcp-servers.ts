// Turns the MCP server lists of desktop clients (Claude Desktop / Claude Code /
// Cursor `mcpServers`, VS Code `servers`) into gatehouse.yaml backend entries.
// Pure: `gatehouse init --from FILE` does the reading and writing.

import { Document, isScalar, isSeq, visit } from 'yaml';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { BACKEND_NAME_MAX_LENGTH } from './backend-schema.ts';
import { isHttpUrl } from './fields.ts';

/** One backend as it will be written to gatehouse.yaml (snake_case, only the keys that carry information). */
export interface ImportedBackend {
  name: string;
  url?: string;
  headers?: Record<string, string>;
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  enabled?: boolean;
}

export interface McpServersImport {
  backends: ImportedBackend[];
  /** Servers whose names had to change to be backend names. */
  renames: { from: string; to: string }[];
  /** Servers that could not become a backend, and why. */
  skipped: { name: string; reason: string }[];
  /** Things imported with a caveat the user should act on. */
  warnings: string[];
  /** Environment variables the imported entries read, which must be set when the gateway starts. */
  variables: string[];
}

const MAPPED_KEYS = new Set(['type', 'command', 'args', 'env', 'cwd', 'url', 'serverUrl', 'headers', 'disabled']);
/** Client-side settings with no gateway meaning; dropped without a warning. */
const CLIENT_ONLY_KEYS = new Set(['autoApprove', 'alwaysAllow', 'description', 'gallery', 'version', 'dev']);
const HTTP_TYPES = new Set(['http', 'streamable-http', 'streamableHttp', 'streamable_http']);
/** VS Code's predefined variables; the gateway has no workspace, so each becomes an environment variable. */
const VS_CODE_VARIABLES = new Set(['workspaceFolder', 'workspaceFolderBasename', 'userHome', 'pathSeparator', 'cwd', 'execPath']);
const SECRET_NAME = /key|token|secret|password|passwd|credential|auth/i;
const ENV_REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(:-.*)?$/s;

/**
 * Reads `mcpServers` and/or `servers`. `sse` servers are skipped, not mapped:
 * the HTTP+SSE transport of 2024-11-05 is a different protocol on a different
 * URL (often `/sse` beside a Streamable HTTP `/mcp`), so guessing would give
 * a backend that fails at connect time instead of a message now.
 */
export function importMcpServers(document: unknown, source = 'mcp.json'): McpServersImport {
  const servers = serverEntries(document, source);
  const result: McpServersImport = { backends: [], renames: [], skipped: [], warnings: [], variables: [] };
  const taken = new Set<string>();
  for (const [originalName, entry] of servers) {
    const converted = convertServer(originalName, entry, result);
    if (converted === undefined) continue;
    const name = uniqueName(normalizeBackendName(originalName), taken);
    if (name !== originalName) result.renames.push({ from: originalName, to: name });
    result.backends.push({ name, ...converted });
  }
  result.variables = [...new Set(result.variables)];
  return result;
}

function serverEntries(document: unknown, source: string): [string, unknown][] {
  const problems: ConfigProblem[] = [];
  const entries: [string, unknown][] = [];
  if (!isRecord(document)) {
    throw new ConfigError('config_invalid', source, [{ path: '', message: 'expected a JSON object with "mcpServers" or "servers"' }]);
  }
  for (const key of ['mcpServers', 'servers']) {
    const servers = document[key];
    if (servers === undefined) continue;
    if (isRecord(servers)) entries.push(...Object.entries(servers));
    else problems.push({ path: key, message: 'expected an object of servers by name' });
  }
  if (problems.length > 0) throw new ConfigError('config_invalid', source, problems);
  if (entries.length === 0) {
    throw new ConfigError('config_invalid', source, [{ path: '', message: 'has no servers: expected "mcpServers" (Claude Desktop, Cursor) or "servers" (VS Code) with at least one entry' }]);
  }
  return entries;
}

function convertServer(name: string, entry: unknown, result: McpServersImport): Omit<ImportedBackend, 'name'> | undefined {
  const skip = (reason: string) => {
    result.skipped.push({ name, reason });
    return undefined;
  };
  if (!isRecord(entry)) return skip('expected an object with "command" or "url"');
  const type = entry.type;
  if (type === 'sse') {
    return skip('uses the HTTP+SSE transport of protocol 2024-11-05, which Gatehouse does not speak to backends; if the server also serves Streamable HTTP (often at /mcp), add it with that url');
  }
  if (type !== undefined && type !== 'stdio' && !HTTP_TYPES.has(String(type))) return skip(`has type "${String(type)}"; expected "stdio", "http" or "sse"`);
  const url = entry.url ?? entry.serverUrl;
  const command = entry.command;
  const isStdio = type === 'stdio' || (type === undefined && command !== undefined && url === undefined);
  const isHttp = HTTP_TYPES.has(String(type)) || (type === undefined && url !== undefined && command === undefined);
  if (!isStdio && !isHttp) return skip(url === undefined ? 'has neither "command" nor "url"' : 'has both "command" and "url" and no "type" to choose');

  const backend: Omit<ImportedBackend, 'name'> = {};
  const context = { name, result };
  if (isStdio) {
    if (typeof command !== 'string' || command === '') return skip('is a stdio server without a "command" string');
    backend.command = translateVariables(command, context);
    if (entry.args !== undefined) {
      if (!Array.isArray(entry.args)) return skip('"args" is not a list');
      backend.args = entry.args.map((argument) => translateVariables(String(argument), context));
    }
    const env = stringRecord(entry.env, 'env', context);
    if (env !== undefined) backend.env = env;
    if (typeof entry.cwd === 'string') backend.cwd = translateVariables(entry.cwd, context);
  } else {
    if (typeof url !== 'string' || !isHttpUrl(url)) return skip(`has url ${JSON.stringify(url)}; expected an http(s) URL`);
    if (new URL(url).pathname.endsWith('/sse')) {
      result.warnings.push(`${name}: url ${url} ends in /sse, the usual path of the old HTTP+SSE transport; Gatehouse speaks Streamable HTTP, check the server's /mcp path`);
    }
    backend.url = translateVariables(url, context);
    const headers = stringRecord(entry.headers, 'headers', context);
    if (headers !== undefined) backend.headers = headers;
  }
  if (entry.disabled === true) backend.enabled = false;

  const dropped = Object.keys(entry).filter((key) => !MAPPED_KEYS.has(key) && !CLIENT_ONLY_KEYS.has(key));
  if (dropped.length > 0) {
    const hint = dropped.includes('envFile') ? ' (copy the variables of envFile into env, or set them in the environment as ${VAR})' : '';
    result.warnings.push(`${name}: not imported: ${dropped.join(', ')}${hint}`);
  }
  return backend;
}

interface TranslationContext {
  name: string;
  result: McpServersImport;
}

function stringRecord(value: unknown, key: 'env' | 'headers', context: TranslationContext): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined;
  const record: Record<string, string> = {};
  for (const [field, item] of Object.entries(value)) {
    const text = translateVariables(String(item), context);
    record[field] = text;
    if (SECRET_NAME.test(field) && !text.includes('${')) {
      context.result.warnings.push(
        `${context.name}: ${key}.${field} is copied into the file as plain text; consider ${field}: "\${${toVariableName(field)}}" and setting it in the gateway's environment`,
      );
    }
  }
  return record;
}

/**
 * Client placeholders to gatehouse `${VAR}`: `${env:X}` (VS Code, Cursor) and
 * `${X}` / `${X:-d}` (Claude Code) read the environment as ours do; a VS Code
 * `${input:id}` prompt or `${workspaceFolder}` becomes a variable to set. Any
 * other `${...}` is escaped so it stays literal, as it was in the source.
 */
function translateVariables(text: string, context: TranslationContext): string {
  return text.replace(/\$?\$\{([^}]*)\}/g, (whole, body: string) => {
    // `$${...}` already reads as a literal `${...}` in gatehouse.yaml.
    if (whole.startsWith('$$')) return whole;
    const note = (variable: string) => {
      context.result.variables.push(variable);
      return `\${${variable}}`;
    };
    if (body.startsWith('env:')) return note(body.slice(4));
    if (body.startsWith('input:')) {
      const variable = toVariableName(body.slice(6));
      context.result.warnings.push(`${context.name}: VS Code prompts for input "${body.slice(6)}"; Gatehouse reads environment variable ${variable} instead`);
      return note(variable);
    }
    if (VS_CODE_VARIABLES.has(body)) {
      const variable = toVariableName(body);
      context.result.warnings.push(`${context.name}: \${${body}} has no meaning in a gateway; set environment variable ${variable} instead`);
      return note(variable);
    }
    const reference = ENV_REFERENCE.exec(body);
    if (reference !== null) {
      context.result.variables.push(reference[1] as string);
      return whole;
    }
    return `$${whole}`;
  });
}

/** `apiKey` and `api-key` become API_KEY. */
function toVariableName(text: string): string {
  const name = text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  return /^[A-Z_]/.test(name) ? name : `_${name}`;
}

/** Lowercase letters, digits and single hyphens, within the length limit: "My Server_2" becomes "my-server-2". */
export function normalizeBackendName(name: string): string {
  const normalized = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, BACKEND_NAME_MAX_LENGTH)
    .replace(/-+$/, '');
  return normalized === '' ? 'server' : normalized;
}

function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let suffix = 2; taken.has(candidate); suffix += 1) {
    const tail = `-${suffix}`;
    candidate = `${name.slice(0, BACKEND_NAME_MAX_LENGTH - tail.length).replace(/-+$/, '')}${tail}`;
  }
  taken.add(candidate);
  return candidate;
}

/** The backends as a YAML list at column 0, `args` in flow style as people write them by hand. */
export function renderBackendsYaml(backends: readonly ImportedBackend[]): string {
  const document = new Document(backends);
  visit(document, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'args' && isSeq(pair.value)) pair.value.flow = true;
    },
  });
  return document.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/**
 * JSON with comments and trailing commas, as VS Code writes mcp.json. Both
 * are blanked outside strings, then the text is parsed strictly; positions
 * in JSON.parse errors stay right because blanked characters become spaces.
 */
export function parseJsonWithComments(text: string): unknown {
  return JSON.parse(blankTrailingCommas(blankComments(text)));
}

function blankComments(text: string): string {
  let output = '';
  let index = 0;
  while (index < text.length) {
    if (text[index] === '"') {
      const end = endOfString(text, index);
      output += text.slice(index, end);
      index = end;
    } else if (text.startsWith('//', index) || text.startsWith('/*', index)) {
      const isLine = text[index + 1] === '/';
      const end = text.indexOf(isLine ? '\n' : '*/', index + 2);
      const stop = end === -1 ? text.length : isLine ? end : end + 2;
      output += text.slice(index, stop).replace(/[^\n]/g, ' ');
      index = stop;
    } else {
      output += text[index];
      index += 1;
    }
  }
  return output;
}

function blankTrailingCommas(text: string): string {
  const closer = /\s*[}\]]/y;
  let output = '';
  let index = 0;
  while (index < text.length) {
    if (text[index] === '"') {
      const end = endOfString(text, index);
      output += text.slice(index, end);
      index = end;
      continue;
    }
    closer.lastIndex = index + 1;
    output += text[index] === ',' && closer.test(text) ? ' ' : text[index];
    index += 1;
  }
  return output;
}

function endOfString(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1;
  return index + 1;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
