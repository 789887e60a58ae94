// What a caller may see and call: pure decisions from the Caller and the
// configured scope rules per backend, per tool, prompt and resource, and per
// role. The router filters tools/list, prompts/list and resources/list with
// `filter` and checks each call with `decide`; a refusal is an AuthError that
// names the missing scopes (403 insufficient_scope, for step-up).

import { AuthError } from './auth-error.ts';
import { hasScope, type Caller } from './caller.ts';

export type PrimitiveKind = 'tool' | 'prompt' | 'resource';
/** `list`: appear in a list result; `call`: tools/call, prompts/get, resources/read, completion/complete. */
type Access = 'list' | 'call';

export interface PrimitiveRule {
  /** Every one of these is needed, on top of the backend's scopes. */
  scopes?: readonly string[];
  /** Hybrid mode's high-stakes operations: refused to a token that acts for no user. */
  requiresUser?: boolean;
}

export interface BackendRules {
  /** `required_scope` (docs/configuration.md): needed for anything on this backend. */
  requiredScope?: string;
  /** Overrides the global template for this backend; null: none needed. */
  readScope?: string | null;
  invokeScope?: string | null;
  /** Keyed by the backend's own tool name, or a pattern with `*` (first match in order wins after exact names). */
  tools?: Readonly<Record<string, PrimitiveRule>>;
  prompts?: Readonly<Record<string, PrimitiveRule>>;
  /** Keyed by URI, or a URI prefix ending in `*`. */
  resources?: Readonly<Record<string, PrimitiveRule>>;
  /** Role -> tool names or patterns it may use. When set, a tool needs a role that lists it. */
  toolsByRole?: Readonly<Record<string, readonly string[]>>;
}

export interface AuthorizationRules {
  /** Scope to list and read a backend's primitives; `{backend}` is replaced. Default `{backend}.read`; null: none. */
  readScope?: string | null;
  /** Scope to call a backend's tools. Default `{backend}.invoke`; null: none. */
  invokeScope?: string | null;
  /**
   * `callable` (default): a tool is listed only to callers who could call it.
   * `readable`: the read scope suffices to see it, so interactive clients learn what to step up for.
   */
  listing?: 'callable' | 'readable';
  backends?: Readonly<Record<string, BackendRules>>;
}

type AccessDecision = { isAllowed: true } | { isAllowed: false; error: AuthError };

export interface PrimitiveRef {
  backend: string;
  kind: PrimitiveKind;
  /** The backend's own name, or the resource URI / URI template. */
  name: string;
}

export interface Authorization {
  decide(caller: Caller, ref: PrimitiveRef, access: Access): AccessDecision;
  /** Every scope `access` needs, in a stable order (what a 403 challenge lists). */
  requiredScopes(ref: PrimitiveRef, access: Access): readonly string[];
  /**
   * The items of a list `caller` may see, for items whose owner `refOf` names.
   * Cached per list array and caller profile: the catalog rebuilds its arrays
   * only on change, so a repeated tools/list costs one map lookup.
   */
  filter<T extends object>(caller: Caller, items: readonly T[], refOf: (item: T) => PrimitiveRef | undefined): readonly T[];
  /** Every scope the rules mention for these backends, for `scopes_supported` and docs. */
  scopesFor(backends: readonly string[]): string[];
  /** The scopes to see the backends at all (read and required scopes): the 401 challenge's `scope`. */
  baselineScopes(backends: readonly string[]): string[];
}

const ALLOWED: AccessDecision = { isAllowed: true };
const MAX_PROFILES_PER_LIST = 256;
/** Bounds each backend's cache of required scopes per kind and access (names are unbounded where patterns match them). */
const MAX_REQUIRED_PER_KIND = 10_000;

interface CompiledBackend {
  /** requiredScopes' answers, by access, kind and name. */
  required: Record<Access, Record<PrimitiveKind, Map<string, readonly string[]>>>;
  base: { list: readonly string[]; callTool: readonly string[]; read: readonly string[] };
  exact: Record<PrimitiveKind, ReadonlyMap<string, PrimitiveRule>>;
  patterns: Record<PrimitiveKind, readonly { pattern: RegExp; rule: PrimitiveRule }[]>;
  toolRoles: readonly { role: string; patterns: readonly RegExp[] }[] | undefined;
}

export function compileAuthorization(rules: AuthorizationRules = {}): Authorization {
  const backends = new Map<string, CompiledBackend>();
  const listing = rules.listing ?? 'callable';
  const filtered = new WeakMap<object, Map<string, readonly unknown[]>>();

  function backendOf(name: string): CompiledBackend {
    let compiled = backends.get(name);
    if (compiled === undefined) {
      compiled = compileBackend(name, rules, rules.backends?.[name] ?? {});
      backends.set(name, compiled);
    }
    return compiled;
  }

  function ruleOf(backend: CompiledBackend, ref: PrimitiveRef): PrimitiveRule | undefined {
    const exact = backend.exact[ref.kind].get(ref.name);
    if (exact !== undefined) return exact;
    for (const { pattern, rule } of backend.patterns[ref.kind]) if (pattern.test(ref.name)) return rule;
    return undefined;
  }

  function requiredScopes(ref: PrimitiveRef, access: Access): readonly string[] {
    // Per backend, kind and access, by name: a call looks its answer up without building a composite key.
    const cache = backendOf(ref.backend).required[access][ref.kind];
    let scopes = cache.get(ref.name);
    if (scopes === undefined) {
      scopes = computeRequiredScopes(ref, access);
      if (cache.size >= MAX_REQUIRED_PER_KIND) cache.clear();
      cache.set(ref.name, scopes);
    }
    return scopes;
  }

  function computeRequiredScopes(ref: PrimitiveRef, access: Access): readonly string[] {
    const backend = backendOf(ref.backend);
    const rule = ruleOf(backend, ref);
    let base: readonly string[];
    if (ref.kind !== 'tool') base = backend.base.read;
    else if (access === 'call') base = backend.base.callTool;
    else base = listing === 'callable' ? union(backend.base.list, backend.base.callTool) : backend.base.list;
    if (rule?.scopes === undefined || rule.scopes.length === 0 || (ref.kind === 'tool' && access === 'list' && listing === 'readable')) return base;
    return union(base, rule.scopes);
  }

  function decide(caller: Caller, ref: PrimitiveRef, access: Access): AccessDecision {
    if (caller.isAnonymous) return ALLOWED;
    const required = requiredScopes(ref, access);
    let missing: string[] | undefined;
    for (const scope of required) if (!hasScope(caller, scope)) (missing ??= []).push(scope);
    if (missing !== undefined) {
      return deny(new AuthError('insufficient_scope', `Insufficient scope to ${access === 'call' ? 'use' : 'see'} ${describe(ref)}: missing ${missing.join(', ')}; request a token with these scopes`, { requiredScopes: required, missingScopes: missing, grantedScopes: caller.grantedScopes }));
    }
    const backend = backendOf(ref.backend);
    if (ref.kind === 'tool' && backend.toolRoles !== undefined) {
      const allowing = backend.toolRoles.filter(({ patterns }) => patterns.some((pattern) => pattern.test(ref.name)));
      if (!allowing.some(({ role }) => caller.roles.has(role))) {
        const roles = allowing.map(({ role }) => role);
        const what = describe(ref);
        return deny(new AuthError('role_not_allowed', roles.length === 0
          ? `No role may use ${what}; ask an administrator to grant it to one of your roles`
          : `Only the role${roles.length === 1 ? '' : 's'} ${roles.join(', ')} may use ${what}; ask for a token carrying one of them`));
      }
    }
    if (caller.user === undefined && ruleOf(backend, ref)?.requiresUser === true) {
      return deny(new AuthError('user_required', `${describe(ref)} acts only for a signed-in user and this token acts for none (client "${caller.agent}"); sign a user in (authorization code flow) or exchange a user token (RFC 8693)`));
    }
    return ALLOWED;
  }

  function filter<T extends object>(caller: Caller, items: readonly T[], refOf: (item: T) => PrimitiveRef | undefined): readonly T[] {
    if (caller.isAnonymous) return items;
    let byProfile = filtered.get(items);
    if (byProfile === undefined) filtered.set(items, (byProfile = new Map()));
    const cached = byProfile.get(caller.profileKey);
    if (cached !== undefined) return cached as readonly T[];
    const visible = items.filter((item) => {
      const ref = refOf(item);
      return ref !== undefined && decide(caller, ref, 'list').isAllowed;
    });
    if (byProfile.size >= MAX_PROFILES_PER_LIST) byProfile.clear();
    byProfile.set(caller.profileKey, visible);
    return visible;
  }

  function scopesFor(names: readonly string[]): string[] {
    const scopes = new Set<string>();
    for (const name of names) {
      const backend = backendOf(name);
      for (const scope of union(backend.base.list, backend.base.callTool)) scopes.add(scope);
      const rule = rules.backends?.[name];
      for (const group of [rule?.tools, rule?.prompts, rule?.resources]) {
        for (const primitive of Object.values(group ?? {})) for (const scope of primitive.scopes ?? []) scopes.add(scope);
      }
    }
    return [...scopes];
  }

  function baselineScopes(names: readonly string[]): string[] {
    const scopes = new Set<string>();
    for (const name of names) for (const scope of backendOf(name).base.read) scopes.add(scope);
    return [...scopes];
  }

  return { decide, requiredScopes, filter, scopesFor, baselineScopes };
}

function compileBackend(name: string, rules: AuthorizationRules, backend: BackendRules): CompiledBackend {
  const template = (own: string | null | undefined, global: string | null | undefined, fallback: string) => {
    const chosen = own !== undefined ? own : global !== undefined ? global : fallback;
    return chosen === null ? undefined : chosen.replaceAll('{backend}', name);
  };
  const read = template(backend.readScope, rules.readScope, '{backend}.read');
  const invoke = template(backend.invokeScope, rules.invokeScope, '{backend}.invoke');
  const required = backend.requiredScope;
  const list = present([required, read]);
  const compileGroup = (group: Readonly<Record<string, PrimitiveRule>> | undefined) => {
    const exact = new Map<string, PrimitiveRule>();
    const patterns: { pattern: RegExp; rule: PrimitiveRule }[] = [];
    for (const [key, rule] of Object.entries(group ?? {})) {
      if (key.includes('*')) patterns.push({ pattern: globPattern(key), rule });
      else exact.set(key, rule);
    }
    return { exact, patterns };
  };
  const tools = compileGroup(backend.tools);
  const prompts = compileGroup(backend.prompts);
  const resources = compileGroup(backend.resources);
  const requiredByKind = (): Record<PrimitiveKind, Map<string, readonly string[]>> => ({ tool: new Map(), prompt: new Map(), resource: new Map() });
  return {
    required: { list: requiredByKind(), call: requiredByKind() },
    base: { list, callTool: present([required, invoke]), read: list },
    exact: { tool: tools.exact, prompt: prompts.exact, resource: resources.exact },
    patterns: { tool: tools.patterns, prompt: prompts.patterns, resource: resources.patterns },
    toolRoles: backend.toolsByRole === undefined
      ? undefined
      : Object.entries(backend.toolsByRole).map(([role, names]) => ({ role, patterns: names.map(globPattern) })),
  };
}

/** `*` matches any run of characters; everything else is literal. */
function globPattern(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`);
}

function present(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== undefined))];
}

function union(first: readonly string[], second: readonly string[]): string[] {
  return [...new Set([...first, ...second])];
}

/** How a refusal names the primitive; built only when refusing. */
function describe(ref: PrimitiveRef): string {
  return `${ref.kind} "${ref.name}" of backend "${ref.backend}"`;
}

function deny(error: AuthError): AccessDecision {
  return { isAllowed: false, error };
}
