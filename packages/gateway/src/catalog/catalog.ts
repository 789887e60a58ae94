// The federated catalog: every backend's primitives merged into one view for
// `/mcp` (tools and prompts namespaced `{backend}{sep}{name}`, resource URIs
// kept as the backend wrote them) and one view per backend for
// `/servers/{name}/mcp` (the backend's own names). Views are rebuilt only
// when a backend's lists change, and are sorted so every page is stable.
// Backends join, leave and are swapped at run time (runtime/backend-set.ts).

import type { Backend } from '../upstream/backend.ts';
import type { Logger } from '../telemetry/logger.ts';
import { BackendCatalog, LIST_KINDS, type ListKind, type Primitive } from './backend-catalog.ts';
import { isUiUri, qualifyUiUri, withQualifiedUiLink, withQualifiedUiTemplate } from './app-ui.ts';
import { qualifyName } from './naming.ts';
import { compileUriTemplate } from './uri-template.ts';
import { scanHeaderParameters, type HeaderParameter } from './x-mcp-header.ts';

export interface NamedEntry {
  backend: string;
  /** The backend's own name. */
  name: string;
  /** What a client of this view sees (`definition` carries this name). */
  clientName: string;
  definition: Primitive;
}

export interface ToolEntry extends NamedEntry {
  headerParameters: HeaderParameter[];
}

interface TemplateMatcher {
  backend: string;
  pattern: RegExp;
}

export interface CatalogView {
  readonly tools: readonly Primitive[];
  readonly prompts: readonly Primitive[];
  readonly resources: readonly Primitive[];
  readonly resourceTemplates: readonly Primitive[];
  readonly toolsByName: ReadonlyMap<string, ToolEntry>;
  readonly promptsByName: ReadonlyMap<string, NamedEntry>;
  /** Backend's own prompt name -> entries, for completion refs a client sends un-namespaced. */
  readonly promptsByOriginalName: ReadonlyMap<string, readonly NamedEntry[]>;
  readonly resourceOwners: ReadonlyMap<string, string>;
  /** A URI this view shows in place of the backend's (MCP Apps' ui:// pages on `/mcp`, app-ui.ts) -> the backend's. */
  readonly upstreamUris: ReadonlyMap<string, string>;
  readonly templateMatchers: readonly TemplateMatcher[];
  /** `uriTemplate` -> backend, for completion of template arguments. */
  readonly templateOwners: ReadonlyMap<string, string>;
  /** The backends this view draws from, in configuration order. */
  readonly backendNames: readonly string[];
  /** Freshness hint for list results served from this view. */
  readonly ttlMs: number;
}

export interface CatalogOptions {
  backends: readonly Backend[];
  separator: string;
  logger: Logger;
  minRefreshIntervalMs?: number;
  /** Upper bound on the `ttlMs` we promise clients. */
  maxTtlMs?: number;
  /** A deprecated backend's notice (registry/routing-gate.ts), added to each of its tools. */
  deprecationOf?: (backend: string) => { header: string; since: string; message: string } | undefined;
  /** A tool the registry withholds until reviewed (a breaking change without a major version step, registry/definition-governance.ts). */
  isToolWithheld?: (backend: string, tool: string) => boolean;
}

/** Where a deprecated backend's notice sits in a tool's `_meta` (a reverse-DNS key, as MCP reserves unprefixed ones). */
const DEPRECATION_META_KEY = 'dev.gatehouse/deprecation';

/** The lists a client hears about changing (templates change with resources). */
type ChangedList = 'tools' | 'prompts' | 'resources';

type ChangeListener = (kinds: ReadonlySet<ChangedList>) => void;

const byClientName = (a: NamedEntry, b: NamedEntry) => (a.clientName < b.clientName ? -1 : a.clientName > b.clientName ? 1 : 0);

export class Catalog {
  readonly separator: string;
  #backends: BackendCatalog[];
  readonly #byName = new Map<string, BackendCatalog>();
  readonly #views = new Map<string, CatalogView>();
  readonly #listeners = new Set<ChangeListener>();
  readonly #logger: Logger;
  readonly #maxTtlMs: number;
  readonly #minRefreshIntervalMs: number;
  readonly #deprecationOf: CatalogOptions['deprecationOf'];
  readonly #isToolWithheld: CatalogOptions['isToolWithheld'];

  constructor(options: CatalogOptions) {
    this.separator = options.separator;
    this.#deprecationOf = options.deprecationOf;
    this.#isToolWithheld = options.isToolWithheld;
    this.#logger = options.logger;
    this.#maxTtlMs = options.maxTtlMs ?? 60_000;
    this.#minRefreshIntervalMs = options.minRefreshIntervalMs ?? 1_000;
    this.#backends = options.backends.map((backend) => this.#catalogOf(backend));
    for (const catalog of this.#backends) this.#byName.set(catalog.backend.name, catalog);
  }

  #catalogOf(backend: Backend): BackendCatalog {
    return new BackendCatalog({ backend, logger: this.#logger, minRefreshIntervalMs: this.#minRefreshIntervalMs, onChange: () => this.#invalidate() });
  }

  /**
   * Adds a backend (a reload or a discovery source found it): it joins the
   * views once its lists are fetched, and clients hear list_changed then.
   */
  async addBackend(backend: Backend): Promise<void> {
    if (this.#byName.has(backend.name)) throw new Error(`the catalog already has a backend named "${backend.name}"; replace it instead`);
    const catalog = this.#catalogOf(backend);
    this.#backends = [...this.#backends, catalog];
    this.#byName.set(backend.name, catalog);
    await catalog.refresh(LIST_KINDS);
  }

  /**
   * Swaps in a new Backend for the one of the same name (its config changed):
   * the new one's lists are fetched first, so the views never show it empty,
   * then routing moves to it in one step. Returns the old backend, which the
   * caller closes once its calls in flight have answered.
   */
  async replaceBackend(backend: Backend): Promise<Backend | undefined> {
    const previous = this.#byName.get(backend.name);
    if (previous === undefined) {
      await this.addBackend(backend);
      return undefined;
    }
    const catalog = new BackendCatalog({ backend, logger: this.#logger, minRefreshIntervalMs: this.#minRefreshIntervalMs, onChange: () => {
      if (this.#byName.get(backend.name) === catalog) this.#invalidate();
    } });
    await catalog.refresh(LIST_KINDS);
    // Another reload may have swapped or removed this name while the lists were fetched.
    if (this.#byName.get(backend.name) !== previous) {
      catalog.detach();
      return undefined;
    }
    previous.detach();
    this.#backends = this.#backends.map((each) => (each === previous ? catalog : each));
    this.#byName.set(backend.name, catalog);
    this.#invalidate();
    return previous.backend;
  }

  /** Takes a backend out of every view at once; clients hear list_changed if a list changed. */
  removeBackend(name: string): Backend | undefined {
    const catalog = this.#byName.get(name);
    if (catalog === undefined) return undefined;
    catalog.detach();
    this.#byName.delete(name);
    this.#backends = this.#backends.filter((each) => each !== catalog);
    this.#invalidate();
    return catalog.backend;
  }

  /** The backends of every view, in configuration order. */
  backends(): Backend[] {
    return this.#backends.map((catalog) => catalog.backend);
  }

  hasBackend(name: string): boolean {
    return this.#byName.has(name);
  }

  backend(name: string): Backend | undefined {
    return this.#byName.get(name)?.backend;
  }

  /** Loads every backend's lists; backends that are down simply contribute nothing yet. */
  async refreshAll(): Promise<void> {
    await Promise.all(this.#backends.map((catalog) => catalog.refresh(LIST_KINDS)));
  }

  async refreshBackend(name: string, kinds: readonly ListKind[] = LIST_KINDS): Promise<void> {
    await this.#byName.get(name)?.refresh(kinds);
  }

  /** One backend's own lists and handshake, once every list is fetched and settled (registry/definition-watch.ts); else undefined. */
  listingsOf(name: string): { backend: Backend; lists: Record<ListKind, readonly Primitive[]> } | undefined {
    const catalog = this.#byName.get(name);
    if (catalog === undefined || catalog.backend.state !== 'ready') return undefined;
    const lists = catalog.settledLists();
    return lists === undefined ? undefined : { backend: catalog.backend, lists };
  }

  /** A backend's deprecation began or ended: its tools are rebuilt with (or without) the notice. */
  noticesChanged(): void {
    this.#invalidate();
  }

  /** Called after a view changes, so transports can send list_changed notifications. */
  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The view for `/mcp` (`undefined`) or for one backend's endpoint. */
  view(endpointBackend: string | undefined): CatalogView {
    const key = endpointBackend ?? '';
    let view = this.#views.get(key);
    if (view === undefined) {
      const own = endpointBackend === undefined ? undefined : this.#byName.get(endpointBackend);
      // A backend removed by a reload while a request for its endpoint was under way: an empty view.
      const sources = endpointBackend === undefined ? this.#backends : own === undefined ? [] : [own];
      view = this.#buildView(sources, endpointBackend === undefined);
      this.#views.set(key, view);
    }
    return view;
  }

  /**
   * The `/mcp` view of one tenant (docs/tenants.md): the federated view over
   * only the backends it sees, names as in the full view. Cached per tenant
   * and set of backends, rebuilt with the other views after a change.
   */
  tenantView(tenant: string, backendNames: ReadonlySet<string>): CatalogView {
    const key = `\u0000tenant:${tenant}:${[...backendNames].join(',')}`;
    let view = this.#views.get(key);
    if (view === undefined) {
      view = this.#buildView(this.#backends.filter((source) => backendNames.has(source.backend.name)), true);
      this.#views.set(key, view);
    }
    return view;
  }

  #invalidate(): void {
    const previous = this.#views.get('');
    this.#views.clear();
    if (this.#listeners.size === 0) return;
    const next = this.view(undefined);
    const changed = new Set<ChangedList>();
    if (previous === undefined || !sameNames(previous.tools, next.tools)) changed.add('tools');
    if (previous === undefined || !sameNames(previous.prompts, next.prompts)) changed.add('prompts');
    if (previous === undefined || !sameNames(previous.resources, next.resources) || !sameNames(previous.resourceTemplates, next.resourceTemplates)) changed.add('resources');
    for (const listener of this.#listeners) listener(changed);
  }

  #buildView(sources: readonly BackendCatalog[], isFederated: boolean): CatalogView {
    const tools: ToolEntry[] = [];
    const prompts: NamedEntry[] = [];
    const resources: Primitive[] = [];
    const resourceTemplates: Primitive[] = [];
    const resourceOwners = new Map<string, string>();
    const upstreamUris = new Map<string, string>();
    const templateMatchers: TemplateMatcher[] = [];
    const templateOwners = new Map<string, string>();
    let ttlMs = this.#maxTtlMs;

    for (const source of sources) {
      const backend = source.backend.name;
      // A backend that is down keeps its last known lists: calls to it get a tool error naming it, and a short restart causes no list_changed churn.
      if (source.backend.state === 'closed') continue;
      const name = (original: string) => (isFederated ? qualifyName(backend, original, this.separator) : original);
      const notice = this.#deprecationOf?.(backend);
      for (const tool of source.items('tools')) {
        if (typeof tool.name !== 'string' || this.#isToolWithheld?.(backend, tool.name) === true) continue;
        const scan = scanHeaderParameters(tool.inputSchema);
        if (!scan.isValid) {
          this.#logger.warn({ backend, tool: tool.name, reason: scan.reason }, 'excluding tool with an invalid x-mcp-header annotation');
          continue;
        }
        const clientName = name(tool.name);
        const named = { ...(isFederated ? withQualifiedUiLink(backend, tool) : tool), name: clientName };
        const definition = notice === undefined ? named : withDeprecation(named, notice);
        tools.push({ backend, name: tool.name, clientName, definition, headerParameters: scan.parameters });
      }
      for (const prompt of source.items('prompts')) {
        if (typeof prompt.name !== 'string') continue;
        const clientName = name(prompt.name);
        prompts.push({ backend, name: prompt.name, clientName, definition: { ...prompt, name: clientName } });
      }
      for (const listed of source.items('resources')) {
        if (typeof listed.uri !== 'string') continue;
        const isQualified = isFederated && isUiUri(listed.uri);
        const resource = isQualified ? { ...listed, uri: qualifyUiUri(backend, listed.uri) } : listed;
        const uri = resource.uri as string;
        const owner = resourceOwners.get(uri);
        if (owner !== undefined) {
          this.#logger.warn({ uri, owner, hidden: backend }, 'two backends list the same resource URI; the first configured backend serves it');
          continue;
        }
        resourceOwners.set(uri, backend);
        if (isQualified) upstreamUris.set(uri, listed.uri);
        resources.push(resource);
      }
      for (const listed of source.items('resourceTemplates')) {
        const template = isFederated ? withQualifiedUiTemplate(backend, listed) : listed;
        if (typeof template.uriTemplate !== 'string') continue;
        if (templateOwners.has(template.uriTemplate)) continue;
        templateOwners.set(template.uriTemplate, backend);
        resourceTemplates.push(template);
        const pattern = compileUriTemplate(template.uriTemplate);
        if (pattern !== undefined) templateMatchers.push({ backend, pattern });
      }
      for (const kind of LIST_KINDS) ttlMs = Math.min(ttlMs, source.ttlMs(kind) ?? ttlMs);
    }

    tools.sort(byClientName);
    prompts.sort(byClientName);
    resources.sort((a, b) => ((a.uri as string) < (b.uri as string) ? -1 : 1));
    return {
      tools: tools.map((entry) => entry.definition),
      prompts: prompts.map((entry) => entry.definition),
      resources,
      resourceTemplates,
      toolsByName: new Map(tools.map((entry) => [entry.clientName, entry])),
      promptsByName: new Map(prompts.map((entry) => [entry.clientName, entry])),
      promptsByOriginalName: groupBy(prompts, (entry) => entry.name),
      resourceOwners,
      upstreamUris,
      templateMatchers,
      templateOwners,
      backendNames: sources.map((source) => source.backend.name),
      ttlMs,
    };
  }
}

/** The backend that serves a resource URI in a view: a listed resource first, then a matching template. */
export function findResourceOwner(view: CatalogView, uri: string): string | undefined {
  const owner = view.resourceOwners.get(uri);
  if (owner !== undefined) return owner;
  for (const matcher of view.templateMatchers) if (matcher.pattern.test(uri)) return matcher.backend;
  return undefined;
}

/** The tool as a client sees it while its backend is deprecated: the notice in `_meta` and at the end of the description. */
function withDeprecation(tool: Primitive, notice: { header: string; since: string; message: string }): Primitive {
  const meta = typeof tool._meta === 'object' && tool._meta !== null ? tool._meta as Record<string, unknown> : {};
  const description = typeof tool.description === 'string' && tool.description !== '' ? `${tool.description}\n\nDeprecated: ${notice.message}.` : `Deprecated: ${notice.message}.`;
  return { ...tool, description, _meta: { ...meta, [DEPRECATION_META_KEY]: { deprecation: notice.header, since: notice.since, message: notice.message } } };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group === undefined) groups.set(key(item), [item]);
    else group.push(item);
  }
  return groups;
}

function sameNames(a: readonly Primitive[], b: readonly Primitive[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && JSON.stringify(a[i]) !== JSON.stringify(b[i])) return false;
  return true;
}
