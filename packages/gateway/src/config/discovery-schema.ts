// The `discovery` and `reload` sections of gatehouse.yaml: where backends come
// from besides the `backends` list (a watched directory of backend files, DNS
// SRV records, Kubernetes Services by label) and how the file itself is
// reloaded. The sources live in src/discovery/; keys in docs/reload-and-discovery.md.

import { z } from 'zod';
import { absentWhenNull, flag, httpUrl, list, matching, text, wholeNumber } from './fields.ts';

/** A backend name prefix: the discovered part is appended after a "-". */
const PREFIX = /^[A-Za-z0-9][A-Za-z0-9-]{0,15}$/;
const PREFIX_EXPECTED = 'expected a prefix of letters, digits and "-", at most 16 characters';
const PATH_EXPECTED = 'expected a URL path starting with "/", such as /mcp';
const SCHEME = z.enum(['http', 'https'], { error: 'expected "http" or "https"' });
/** `host:port` of a DNS server, IPv6 bracketed. */
const RESOLVER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/;
/** A Kubernetes label selector in the API's string form (`key=value,key2 in (a,b),!key3`). */
const LABEL_SELECTOR = /^[A-Za-z0-9_./=!,() -]+$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const directoryShape = {
  path: text('expected the path of a directory of backend files (one YAML file per backend)'),
};

export const dnsSrvShape = {
  /** The SRV owner name, e.g. `_mcp._tcp.tools.example.internal`. */
  name: text('expected an SRV record name such as _mcp._tcp.tools.example.internal'),
  scheme: SCHEME.default('http'),
  path: matching(/^\/\S*$/, PATH_EXPECTED).default('/mcp'),
  backend_prefix: matching(PREFIX, PREFIX_EXPECTED).default('srv'),
  interval_seconds: wholeNumber(1, 86_400).default(30),
  /** DNS servers to ask instead of the system's; `host:port`. */
  resolvers: absentWhenNull(list(matching(RESOLVER, 'expected a DNS server as host or host:port')).optional()),
  timeout_ms: wholeNumber(1, 86_400_000).default(30_000),
};

export const kubernetesShape = {
  namespace: matching(NAMESPACE, 'expected a Kubernetes namespace name').optional(),
  label_selector: matching(LABEL_SELECTOR, 'expected a label selector such as app.kubernetes.io/component=mcp-backend').default('app.kubernetes.io/component=mcp-backend'),
  /** The API server; default in-cluster from KUBERNETES_SERVICE_HOST/PORT. */
  api_url: httpUrl().optional(),
  token_file: text().optional(),
  ca_file: text().optional(),
  /** How a Service is reached: its cluster DNS name or its cluster IP. */
  address: z.enum(['dns', 'cluster_ip'], { error: 'expected "dns" or "cluster_ip"' }).default('dns'),
  scheme: SCHEME.default('http'),
  path: matching(/^\/\S*$/, PATH_EXPECTED).default('/mcp'),
  timeout_ms: wholeNumber(1, 86_400_000).default(30_000),
};

export const discoveryShape = {
  directory: absentWhenNull(z.strictObject(directoryShape, { error: 'expected a mapping with path' }).optional()),
  dns_srv: absentWhenNull(list(z.strictObject(dnsSrvShape, { error: 'expected a mapping with name' })).optional()),
  kubernetes: absentWhenNull(z.strictObject(kubernetesShape, { error: 'expected a mapping' }).optional()),
};

export const reloadShape = {
  /** Reload when the config file changes (SIGHUP always reloads). */
  watch: flag().default(false),
  debounce_ms: wholeNumber(0, 60_000).default(250),
};

export const discoverySchema = z.strictObject(discoveryShape, { error: 'expected a mapping' }).optional();
export const reloadSchema = z.strictObject(reloadShape, { error: 'expected a mapping' }).prefault({});

export interface DnsSrvDiscoveryConfig {
  name: string;
  scheme: 'http' | 'https';
  path: string;
  backendPrefix: string;
  intervalSeconds: number;
  resolvers: string[] | undefined;
  timeoutMs: number;
}

export interface KubernetesDiscoveryConfig {
  namespace: string | undefined;
  labelSelector: string;
  apiUrl: string | undefined;
  tokenFile: string | undefined;
  caFile: string | undefined;
  address: 'dns' | 'cluster_ip';
  scheme: 'http' | 'https';
  path: string;
  timeoutMs: number;
}

export interface DiscoveryConfig {
  /** Absolute, or relative to the config file's directory. */
  directory: { path: string } | undefined;
  dnsSrv: DnsSrvDiscoveryConfig[];
  kubernetes: KubernetesDiscoveryConfig | undefined;
}

export interface ReloadConfig {
  isWatched: boolean;
  debounceMs: number;
}

export function toDiscoveryConfig(file: z.output<typeof discoverySchema>): DiscoveryConfig | undefined {
  if (file === undefined) return undefined;
  return {
    directory: file.directory === undefined ? undefined : { path: file.directory.path },
    dnsSrv: (file.dns_srv ?? []).map((entry) => ({
      name: entry.name,
      scheme: entry.scheme,
      path: entry.path,
      backendPrefix: entry.backend_prefix,
      intervalSeconds: entry.interval_seconds,
      resolvers: entry.resolvers,
      timeoutMs: entry.timeout_ms,
    })),
    kubernetes: file.kubernetes === undefined ? undefined : {
      namespace: file.kubernetes.namespace,
      labelSelector: file.kubernetes.label_selector,
      apiUrl: file.kubernetes.api_url,
      tokenFile: file.kubernetes.token_file,
      caFile: file.kubernetes.ca_file,
      address: file.kubernetes.address,
      scheme: file.kubernetes.scheme,
      path: file.kubernetes.path,
      timeoutMs: file.kubernetes.timeout_ms,
    },
  };
}

export function toReloadConfig(file: z.output<typeof reloadSchema>): ReloadConfig {
  return { isWatched: file.watch, debounceMs: file.debounce_ms };
}
