// The official MCP Registry API v0.1 shapes (`GET /v0.1/servers`, server.json
// schema 2025-12-11) as zod schemas, and the pure mappings between them and
// Gatehouse: a registry entry -> a neutral RegistryProposal with a suggested
// backend entry (import), and a gateway backend -> a server.json entry (export).

import { z } from 'zod';
import { classifyHost } from '../outbound/address-class.ts';
import { BACKEND_NAME, BACKEND_NAME_MAX_LENGTH } from '../config/backend-schema.ts';

/** The server.json schema this module reads and writes (modelcontextprotocol/registry docs/reference/api/openapi.yaml). */
export const SERVER_SCHEMA_URL = 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json';
/** Registry-managed metadata key of a ServerResponse's `_meta`. */
export const OFFICIAL_META = 'io.modelcontextprotocol.registry/official';

/** openapi.yaml ServerDetail.name: reverse-DNS namespace, one slash, server name. */
const SERVER_NAME = /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/;
/** openapi.yaml StreamableHttpTransport.url / SseTransport.url: http(s) or a leading `{variable}`. */
const TRANSPORT_URL = /^(https?:\/\/\S+|\{[a-zA-Z_][a-zA-Z0-9_]*\}\S*)$/;
const TEMPLATE_VARIABLE = /\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g;

const timestamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), { error: 'expected an RFC 3339 date-time' });

/** openapi.yaml Input: unknown keys are kept, since registries extend these objects. */
const inputShape = {
  description: z.string().optional(),
  isRequired: z.boolean().optional(),
  format: z.string().optional(),
  value: z.string().optional(),
  isSecret: z.boolean().optional(),
  default: z.string().optional(),
  placeholder: z.string().optional(),
  choices: z.array(z.string()).optional(),
};
const inputSchema = z.looseObject(inputShape);
const inputWithVariablesShape = { ...inputShape, variables: z.record(z.string(), inputSchema).optional() };

export const keyValueInputSchema = z.looseObject({ ...inputWithVariablesShape, name: z.string().min(1) });

export const argumentSchema = z.discriminatedUnion('type', [
  z.looseObject({ ...inputWithVariablesShape, type: z.literal('positional'), valueHint: z.string().optional(), isRepeated: z.boolean().optional() })
    .refine((argument) => argument.valueHint !== undefined || argument.value !== undefined, { error: 'a positional argument needs valueHint or value' }),
  z.looseObject({ ...inputWithVariablesShape, type: z.literal('named'), name: z.string().min(1), isRepeated: z.boolean().optional() }),
], { error: 'expected an argument with type "positional" or "named"' });

const transportUrl = z.string().regex(TRANSPORT_URL, { error: 'expected an http(s) URL or a URL template starting with {variable}' });
const httpTransportShape = { url: transportUrl, headers: z.array(keyValueInputSchema).optional() };

/** openapi.yaml LocalTransport: how a package, once run, is spoken to. */
export const localTransportSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('stdio') }),
  z.looseObject({ type: z.literal('streamable-http'), ...httpTransportShape }),
  z.looseObject({ type: z.literal('sse'), ...httpTransportShape }),
], { error: 'expected a transport with type "stdio", "streamable-http" or "sse"' });

/** openapi.yaml RemoteTransport: a hosted endpoint, its URL possibly a template over `variables`. */
export const remoteSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('streamable-http'), ...httpTransportShape, variables: z.record(z.string(), inputSchema).optional() }),
  z.looseObject({ type: z.literal('sse'), ...httpTransportShape, variables: z.record(z.string(), inputSchema).optional() }),
], { error: 'expected a remote with type "streamable-http" or "sse"' });

export const packageSchema = z.looseObject({
  registryType: z.string().min(1),
  registryBaseUrl: z.string().optional(),
  identifier: z.string().min(1),
  // "Must be a specific version": ranges and `latest` are refused by the registry on publish.
  version: z.string().min(1).refine((version) => version !== 'latest', { error: '"latest" is not a version; give a specific one' }).optional(),
  fileSha256: z.string().regex(/^[a-f0-9]{64}$/).optional(),
  runtimeHint: z.string().optional(),
  transport: localTransportSchema,
  runtimeArguments: z.array(argumentSchema).optional(),
  packageArguments: z.array(argumentSchema).optional(),
  environmentVariables: z.array(keyValueInputSchema).optional(),
});

export const repositorySchema = z.looseObject({
  url: z.string(),
  source: z.string(),
  id: z.string().optional(),
  subfolder: z.string().optional(),
});

/** openapi.yaml ServerDetail: the server.json document itself. */
export const serverDetailSchema = z.looseObject({
  $schema: z.string().optional(),
  name: z.string().min(3).max(200).regex(SERVER_NAME, { error: 'expected a reverse-DNS name with one slash, such as io.github.user/weather' }),
  description: z.string().min(1).max(100),
  title: z.string().min(1).max(100).optional(),
  repository: repositorySchema.optional(),
  version: z.string().min(1).max(255),
  websiteUrl: z.string().optional(),
  icons: z.array(z.looseObject({ src: z.string() })).optional(),
  packages: z.array(packageSchema).optional(),
  remotes: z.array(remoteSchema).optional(),
  _meta: z.record(z.string(), z.unknown()).optional(),
});

export const officialMetaSchema = z.looseObject({
  status: z.enum(['active', 'deprecated', 'deleted']).optional(),
  statusMessage: z.string().max(500).optional(),
  statusChangedAt: timestamp.optional(),
  publishedAt: timestamp.optional(),
  updatedAt: timestamp.optional(),
  isLatest: z.boolean().optional(),
});

/** openapi.yaml ServerResponse: one element of `servers` in a list answer. */
export const serverResponseSchema = z.object({
  server: serverDetailSchema,
  _meta: z.looseObject({ [OFFICIAL_META]: officialMetaSchema.optional() }).optional(),
});

/** openapi.yaml ServerList, the envelope only: each element is checked on its own, so one bad entry does not sink a page. */
export const serverListEnvelopeSchema = z.looseObject({
  servers: z.array(z.unknown(), { error: 'expected a list of server entries' }),
  metadata: z.looseObject({
    nextCursor: z.string().nullable().optional(),
    count: z.number().int().nonnegative().optional(),
  }).optional(),
});

export type ServerDetail = z.infer<typeof serverDetailSchema>;
export type ServerResponse = z.infer<typeof serverResponseSchema>;
export type RegistryPackage = z.infer<typeof packageSchema>;
export type RegistryRemote = z.infer<typeof remoteSchema>;
export type RegistryArgument = z.infer<typeof argumentSchema>;
export type OfficialMeta = z.infer<typeof officialMetaSchema>;
export interface ServerList {
  servers: ServerResponse[];
  metadata: { nextCursor?: string; count: number };
}

/** A zod issue path as a JSON path: `servers[3].server.packages[0].transport.type`. */
export function formatJsonPath(base: string, path: readonly PropertyKey[]): string {
  let text = base;
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(String(key)) ? `${text === '' ? '' : '.'}${String(key)}` : `[${JSON.stringify(String(key))}]`;
  return text === '' ? '$' : text;
}

export interface ProposedRemote {
  type: 'streamable-http' | 'sse';
  url: string;
  headerNames: string[];
}

export interface ProposedPackage {
  registryType: string;
  identifier: string;
  version: string | undefined;
  transport: 'stdio' | 'streamable-http' | 'sse';
  runtimeHint: string | undefined;
  /** Environment variables the package declares, with whether it needs them and whether they are secrets. */
  environmentVariables: { name: string; isRequired: boolean; isSecret: boolean }[];
}

/** A `backends` entry (snake_case, the backend-file schema) that the proposal suggests; it is proposed, never enabled here. */
export type ProposedBackend =
  | { name: string; url: string }
  | { name: string; command: string; args: string[] };

/**
 * What a registry entry proposes to Gatehouse: neutral of the registry store,
 * so the lifecycle layer can turn it into an entry in state `proposed`.
 */
export interface RegistryProposal {
  /** The registry's own name, `io.github.user/weather`. */
  registryName: string;
  /** A Gatehouse backend name derived from it (letters, digits, `-`; unique within one import). */
  backendName: string;
  title: string | undefined;
  description: string;
  version: string;
  repositoryUrl: string | undefined;
  websiteUrl: string | undefined;
  status: OfficialMeta['status'];
  statusMessage: string | undefined;
  publishedAt: string | undefined;
  updatedAt: string | undefined;
  remotes: ProposedRemote[];
  packages: ProposedPackage[];
  /** The suggested backend, from the first remote or package Gatehouse can run; undefined when none fits. */
  backend: ProposedBackend | undefined;
  /** Where `backend` came from: `remotes[0]`, `packages[1]`, ... */
  backendSource: string | undefined;
  /** What a reviewer must know or fill in: secrets, unresolved variables, what was not mapped and why. */
  notes: string[];
}

/** A backend name from a registry name: the part after the slash, other characters as `-`, at most 32 characters, unique among `taken` (lower case). */
export function backendNameFor(registryName: string, taken: ReadonlySet<string> = new Set()): string {
  const tail = registryName.slice(registryName.lastIndexOf('/') + 1);
  // A tail that already is a backend name is kept as is, so an exported backend imports under its own name.
  const base = BACKEND_NAME.test(tail) && tail.length <= BACKEND_NAME_MAX_LENGTH
    ? tail
    : tail.replace(/[^A-Za-z0-9-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '').slice(0, BACKEND_NAME_MAX_LENGTH).replace(/-+$/, '') || 'server';
  const isTaken = (name: string) => taken.has(name.toLowerCase());
  if (!isTaken(base)) return base;
  for (let index = 2; ; index++) {
    const suffix = `-${index}`;
    const candidate = `${base.slice(0, BACKEND_NAME_MAX_LENGTH - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!isTaken(candidate)) return candidate;
  }
}

/** Fills `{variable}` from the variables' value or default; the names left unresolved are returned. */
function resolveTemplate(template: string, variables: Record<string, { value?: string | undefined; default?: string | undefined }> = {}): { text: string; unresolved: string[] } {
  const unresolved: string[] = [];
  const text = template.replace(TEMPLATE_VARIABLE, (whole, name: string) => {
    const filled = variables[name]?.value ?? variables[name]?.default;
    if (filled === undefined) unresolved.push(name);
    return filled ?? whole;
  });
  return { text, unresolved };
}

/** Command-line words of arguments (openapi.yaml PositionalArgument, NamedArgument `--flag={value}`); arguments without a value become notes. */
function argumentWords(argumentsList: readonly RegistryArgument[] | undefined, where: string, notes: string[]): string[] {
  const words: string[] = [];
  for (const argument of argumentsList ?? []) {
    const value = argument.value ?? argument.default;
    const label = argument.type === 'named' ? argument.name : argument.valueHint ?? 'positional argument';
    if (value === undefined) {
      if (argument.isRequired === true || argument.type === 'positional') notes.push(`${where}: argument ${label} needs a value${argument.isSecret === true ? ' (a secret)' : ''}; add it to args`);
      continue;
    }
    const { text, unresolved } = resolveTemplate(value, argument.variables);
    if (unresolved.length > 0) notes.push(`${where}: argument ${label} uses {${unresolved.join('}, {')}}; fill it in args`);
    words.push(argument.type === 'named' ? `${argument.name}=${text}` : text);
  }
  return words;
}

/** How each package registry is run locally; others (nuget, mcpb, cargo) are not mapped. */
const RUNNERS: Record<string, (pkg: RegistryPackage) => { command: string; prefix: string[]; target: string }> = {
  npm: (pkg) => ({ command: 'npx', prefix: ['-y'], target: pkg.version === undefined ? pkg.identifier : `${pkg.identifier}@${pkg.version}` }),
  pypi: (pkg) => ({ command: 'uvx', prefix: [], target: pkg.version === undefined ? pkg.identifier : `${pkg.identifier}==${pkg.version}` }),
  oci: (pkg) => ({ command: 'docker', prefix: ['run', '-i', '--rm'], target: pkg.version === undefined || /:[^/]+$/.test(pkg.identifier) ? pkg.identifier : `${pkg.identifier}:${pkg.version}` }),
};

function backendFromRemote(remote: RegistryRemote, name: string, where: string, notes: string[]): ProposedBackend | undefined {
  if (remote.type === 'sse') {
    notes.push(`${where}: an SSE remote (the 2024-11-05 HTTP+SSE transport) is not mapped; Gatehouse speaks Streamable HTTP to backends`);
    return undefined;
  }
  const { text, unresolved } = resolveTemplate(remote.url, remote.variables);
  if (unresolved.length > 0) {
    notes.push(`${where}: the URL ${remote.url} needs {${unresolved.join('}, {')}}; not mapped until they are known`);
    return undefined;
  }
  if (!URL.canParse(text)) {
    notes.push(`${where}: ${text} is not a URL; not mapped`);
    return undefined;
  }
  const hostClass = classifyHost(new URL(text).hostname);
  if (hostClass !== undefined && hostClass !== 'public') notes.push(`${where}: ${text} points at a ${hostClass.replace('_', '-')} address; check it is the server you expect before approving`);
  for (const header of remote.headers ?? []) {
    if (header.isRequired === true || header.isSecret === true) notes.push(`${where}: needs header ${header.name}${header.isSecret === true ? ' (a secret)' : ''}; give the backend an auth (static_header or a named credential)`);
  }
  return { name, url: text };
}

function backendFromPackage(pkg: RegistryPackage, name: string, where: string, notes: string[]): ProposedBackend | undefined {
  const runner = RUNNERS[pkg.registryType];
  if (runner === undefined) {
    notes.push(`${where}: ${pkg.registryType} packages are not mapped (npm, pypi and oci are); configure its command by hand`);
    return undefined;
  }
  if (pkg.transport.type !== 'stdio') {
    notes.push(`${where}: a package serving ${pkg.transport.type} must be started and reached separately; not mapped`);
    return undefined;
  }
  const { command, prefix, target } = runner(pkg);
  const runtimeWords = argumentWords(pkg.runtimeArguments, where, notes);
  const packageWords = argumentWords(pkg.packageArguments, where, notes);
  for (const variable of pkg.environmentVariables ?? []) {
    if (variable.isRequired === true || variable.isSecret === true) notes.push(`${where}: needs environment variable ${variable.name}${variable.isSecret === true ? ' (a secret)' : ''}; add it to env`);
  }
  return { name, command, args: [...prefix, ...runtimeWords, target, ...packageWords] };
}

/** The proposal of one registry entry. Pure; `takenNames` (lower case) keeps backend names unique within an import. */
export function proposalFromServerJson(entry: ServerResponse, takenNames: ReadonlySet<string> = new Set()): RegistryProposal {
  const server = entry.server;
  const official = entry._meta?.[OFFICIAL_META];
  const backendName = backendNameFor(server.name, takenNames);
  const notes: string[] = [];
  if (official?.status === 'deprecated') notes.push(`deprecated in the registry${official.statusMessage === undefined ? '' : `: ${official.statusMessage}`}`);
  let backend: ProposedBackend | undefined;
  let backendSource: string | undefined;
  const remotes = server.remotes ?? [];
  const packages = server.packages ?? [];
  // A hosted remote first: the gateway reaches it as it is; a package would make the gateway host run third-party code.
  for (const [index, remote] of remotes.entries()) {
    backend = backendFromRemote(remote, backendName, `remotes[${index}]`, notes);
    if (backend !== undefined) {
      backendSource = `remotes[${index}]`;
      break;
    }
  }
  for (const [index, pkg] of packages.entries()) {
    if (backend !== undefined) break;
    backend = backendFromPackage(pkg, backendName, `packages[${index}]`, notes);
    if (backend !== undefined) backendSource = `packages[${index}]`;
  }
  if (remotes.length === 0 && packages.length === 0) notes.push('has neither remotes nor packages: nothing to route to');
  return {
    registryName: server.name,
    backendName,
    title: server.title,
    description: server.description,
    version: server.version,
    repositoryUrl: server.repository?.url,
    websiteUrl: server.websiteUrl,
    status: official?.status,
    statusMessage: official?.statusMessage,
    publishedAt: official?.publishedAt,
    updatedAt: official?.updatedAt,
    remotes: remotes.map((remote) => ({ type: remote.type, url: remote.url, headerNames: (remote.headers ?? []).map((header) => header.name) })),
    packages: packages.map((pkg) => ({
      registryType: pkg.registryType,
      identifier: pkg.identifier,
      version: pkg.version,
      transport: pkg.transport.type,
      runtimeHint: pkg.runtimeHint,
      environmentVariables: (pkg.environmentVariables ?? []).map((variable) => ({ name: variable.name, isRequired: variable.isRequired === true, isSecret: variable.isSecret === true })),
    })),
    backend,
    backendSource,
    notes,
  };
}

/** Proposals of a whole import, backend names unique (case-insensitively, as the catalog compares them). */
export function proposalsFromServerJson(entries: readonly ServerResponse[], takenNames: Iterable<string> = []): RegistryProposal[] {
  const taken = new Set([...takenNames].map((name) => name.toLowerCase()));
  return entries.map((entry) => {
    const proposal = proposalFromServerJson(entry, taken);
    taken.add(proposal.backendName.toLowerCase());
    return proposal;
  });
}

/**
 * The latest version of each server, deleted ones left out: a list answer
 * holds every version unless the registry filtered by `version=latest`, and
 * with `updated_since` it includes deleted servers (openapi.yaml include_deleted).
 */
export function latestLiveEntries(entries: readonly ServerResponse[]): { entries: ServerResponse[]; deleted: string[] } {
  const byName = new Map<string, ServerResponse>();
  const deleted = new Set<string>();
  for (const entry of entries) {
    const official = entry._meta?.[OFFICIAL_META];
    const current = byName.get(entry.server.name);
    const currentMeta = current?._meta?.[OFFICIAL_META];
    const isNewer = current === undefined
      || (official?.isLatest === true && currentMeta?.isLatest !== true)
      || (currentMeta?.isLatest !== true && Date.parse(official?.updatedAt ?? official?.publishedAt ?? '') > Date.parse(currentMeta?.updatedAt ?? currentMeta?.publishedAt ?? ''));
    if (isNewer) byName.set(entry.server.name, entry);
  }
  const live: ServerResponse[] = [];
  for (const [name, entry] of byName) {
    if (entry._meta?.[OFFICIAL_META]?.status === 'deleted') deleted.add(name);
    else live.push(entry);
  }
  return { entries: live, deleted: [...deleted] };
}

/** What export knows of one backend; the lifecycle layer fills it from registry entries later. */
export interface ExportableServer {
  backendName: string;
  description?: string | undefined;
  title?: string | undefined;
  version?: string | undefined;
  repositoryUrl?: string | undefined;
  repositorySource?: string | undefined;
  websiteUrl?: string | undefined;
  status?: 'active' | 'deprecated' | undefined;
  statusMessage?: string | undefined;
  publishedAt?: string | undefined;
  updatedAt?: string | undefined;
}

export interface ExportOptions {
  /** Reverse-DNS namespace of the names, `com.company.mcp-gateway`. */
  namespace: string;
  /** The gateway's public endpoint: clients reach every backend at `{endpoint}/servers/{name}/mcp`. */
  gatewayEndpoint: string;
  /** Stamps publishedAt/updatedAt when the server has none. */
  now?: Date;
}

/** Backends are versioned by the registry's lifecycle layer; until then a placeholder that is a valid semantic version. */
export const UNVERSIONED = '0.0.0';

/** A reverse-DNS namespace from the gateway's endpoint: `https://mcp.company.com` -> `com.company.mcp`. */
export function namespaceFromEndpoint(endpoint: string): string {
  const host = URL.parse(endpoint)?.hostname ?? '';
  const labels = host.replace(/^\[|\]$/g, '').split(/[.:]/).filter((label) => label !== '').map((label) => label.replace(/[^a-zA-Z0-9-]/g, '-'));
  return labels.length === 0 ? 'local.gatehouse' : labels.reverse().join('.');
}

/**
 * The server.json entry for a backend as clients should reach it: through the
 * gateway's per-backend endpoint, never the backend's own URL or command,
 * which are internal and would let a client bypass the gateway's policies.
 */
export function serverJsonFromBackend(server: ExportableServer, options: ExportOptions): ServerResponse {
  const endpoint = options.gatewayEndpoint.replace(/\/+$/, '');
  const now = (options.now ?? new Date()).toISOString();
  const description = server.description ?? `${server.backendName}, served through the Gatehouse MCP gateway`;
  const detail: ServerDetail = {
    $schema: SERVER_SCHEMA_URL,
    name: `${options.namespace}/${server.backendName}`,
    description: description.length > 100 ? `${description.slice(0, 99)}…` : description,
    ...(server.title === undefined ? {} : { title: server.title.slice(0, 100) }),
    version: server.version ?? UNVERSIONED,
    ...(server.repositoryUrl === undefined ? {} : { repository: { url: server.repositoryUrl, source: server.repositorySource ?? repositorySourceOf(server.repositoryUrl) } }),
    ...(server.websiteUrl === undefined ? {} : { websiteUrl: server.websiteUrl }),
    remotes: [{ type: 'streamable-http', url: `${endpoint}/servers/${encodeURIComponent(server.backendName)}/mcp` }],
  };
  const official: OfficialMeta = {
    status: server.status ?? 'active',
    ...(server.statusMessage === undefined ? {} : { statusMessage: server.statusMessage }),
    publishedAt: server.publishedAt ?? now,
    updatedAt: server.updatedAt ?? now,
    isLatest: true,
  };
  return { server: detail, _meta: { [OFFICIAL_META]: official } };
}

/** The `GET /v0.1/servers` answer for a set of backends: one page, no cursor. */
export function serverListFromBackends(servers: readonly ExportableServer[], options: ExportOptions): ServerList {
  const entries = servers.map((server) => serverJsonFromBackend(server, options));
  return { servers: entries, metadata: { count: entries.length } };
}

function repositorySourceOf(url: string): string {
  const host = URL.parse(url)?.hostname ?? '';
  if (host === 'github.com' || host.endsWith('.github.com')) return 'github';
  if (host === 'gitlab.com' || host.endsWith('.gitlab.com')) return 'gitlab';
  return host || 'unknown';
}
