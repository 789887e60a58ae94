// Tool pinning against rug pulls: the first reviewed definition of each
// backend tool (name, title, description, schemas, annotations) is pinned by
// hash; when the backend later lists a different definition, the tool is
// quarantined (hidden from tools/list, refused on tools/call with a clear
// error) until an admin accepts the new definition. Checks are two map
// lookups per call: hashes are cached per definition object.

import { z } from 'zod';
import type { Exchange } from '../exchange/exchange.ts';
import { allowOnce, type Decision, type Policy } from './policy.ts';
import { PolicyError } from './policy-error.ts';
import { canonicalHash, canonicalJson } from './canonical-hash.ts';
import { oneOf, text } from './settings-schema.ts';
import type { PinStore, ToolPin } from './pin-store.ts';
import type { ToolDefinition, ToolDefinitions } from './tool-definitions.ts';

export const toolPinningSettings = z.strictObject({
  /** trust_on_first_use: the first definition seen is pinned; require_review: new tools stay hidden until accepted. */
  mode: oneOf(['trust_on_first_use', 'require_review']).default('trust_on_first_use'),
  /** The pin file (SQLite); the registry opens it unless the gateway passes a store. */
  path: text().default('.gatehouse/tool-pins.sqlite'),
});

export type ToolPinningSettings = z.infer<typeof toolPinningSettings>;

/** The fields a pin covers; `_meta`, icons and execution hints may change freely. */
const PINNED_FIELDS = ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;

export function pinnedPart(definition: ToolDefinition): Record<string, unknown> {
  const part: Record<string, unknown> = {};
  for (const field of PINNED_FIELDS) if (definition[field] !== undefined) part[field] = definition[field];
  return part;
}

export function fingerprintOf(definition: ToolDefinition): string {
  return canonicalHash(pinnedPart(definition));
}

/** Which pinned fields differ between two definitions' pinned parts. */
function changedFields(pinned: Record<string, unknown>, current: Record<string, unknown>): string[] {
  return PINNED_FIELDS.filter((field) => canonicalJson(pinned[field]) !== canonicalJson(current[field]));
}

type PinState = 'pinned' | 'quarantined' | 'unreviewed' | 'unknown';

export interface PinStatus {
  backend: string;
  tool: string;
  state: PinState;
  pinnedHash: string | undefined;
  currentHash: string | undefined;
  /** For quarantined tools: the fields that changed since the pin. */
  changes: string[];
}

export interface PinAcceptance {
  backend: string;
  tool: string;
  previousHash: string | undefined;
  hash: string;
  acceptedBy: string;
  acceptedAt: number;
}

export interface ToolPinsOptions {
  store: PinStore;
  toolDefinitions: ToolDefinitions;
  mode: ToolPinningSettings['mode'];
  /**
   * The first time a tool is seen changed (or unreviewed): the gateway can send tools/list_changed, log it and
   * classify the change; `definitions` are the pinned parts of the reviewed and the current definition (no pinned one when unreviewed).
   */
  onQuarantine?: (status: PinStatus, definitions: { pinned: Record<string, unknown> | undefined; current: Record<string, unknown> }) => void;
  /** Every acceptance, for audit (`admin_action`). */
  onAccept?: (acceptance: PinAcceptance) => void;
  now?: () => number;
}

const BRAND = Symbol.for('gatehouse.PinError');

export class PinError extends Error {
  readonly [BRAND] = true;
  readonly code: 'unknown_tool';
  readonly httpStatus = 404;
  constructor(message: string) {
    super(message);
    this.name = 'PinError';
    this.code = 'unknown_tool';
  }
}

export function isPinError(value: unknown): value is PinError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** The pins service: the policy's check, the list filter, and the admin's accept. */
export class ToolPins {
  readonly store: PinStore;
  readonly #definitions: ToolDefinitions;
  readonly #mode: ToolPinningSettings['mode'];
  readonly #hashes = new WeakMap<object, string>();
  readonly #reported = new Set<string>();
  readonly #options: ToolPinsOptions;
  readonly #now: () => number;

  constructor(options: ToolPinsOptions) {
    this.store = options.store;
    this.#definitions = options.toolDefinitions;
    this.#mode = options.mode;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Hot path: whether `tool` of `backend` must be hidden and refused. */
  isQuarantined(backend: string, tool: string, definition = this.#definitions(backend, tool)): boolean {
    if (definition === undefined) return false;
    const hash = this.#hashOf(definition);
    const pin = this.store.get(backend, tool);
    if (pin === undefined) {
      if (this.#mode === 'trust_on_first_use') {
        this.store.put({ backend, tool, hash, definition: pinnedPart(definition), pinnedAt: this.#now(), pinnedBy: 'first-use' });
        return false;
      }
      this.#report(backend, tool, hash, definition);
      return true;
    }
    if (pin.hash === hash) return false;
    this.#report(backend, tool, hash, definition);
    return true;
  }

  status(backend: string, tool: string): PinStatus {
    const definition = this.#definitions(backend, tool);
    const pin = this.store.get(backend, tool);
    const currentHash = definition === undefined ? undefined : this.#hashOf(definition);
    const base = { backend, tool, pinnedHash: pin?.hash, currentHash };
    if (definition === undefined) return { ...base, state: 'unknown', changes: [] };
    if (pin === undefined) return { ...base, state: this.#mode === 'trust_on_first_use' ? 'pinned' : 'unreviewed', changes: [] };
    if (pin.hash === currentHash) return { ...base, state: 'pinned', changes: [] };
    return { ...base, state: 'quarantined', changes: changedFields(pin.definition, pinnedPart(definition)) };
  }

  /**
   * Checks `backend`'s pinned tools as the catalog now holds them, reporting
   * each changed one (onQuarantine) as a listing would. The gateway calls it
   * on every catalog change: a changed definition can send its backend to
   * review and out of every list (registry/definition-watch.ts) before any
   * caller lists it, and the tool's change must still reach that review.
   * Tools without a pin wait for their first listing (trust on first use
   * pins there; the strict mode reports them there).
   */
  checkPinned(backend: string, tools: Iterable<{ name: string; definition: unknown }>): void {
    for (const tool of tools) if (this.store.get(backend, tool.name) !== undefined) this.isQuarantined(backend, tool.name, tool.definition as ToolDefinition);
  }

  /** Tools/list filtering: the items whose tool is not quarantined. Pass each item's backend and backend-own name. */
  filter<T>(items: readonly T[], refOf: (item: T) => { backend: string; tool: string; definition?: ToolDefinition } | undefined): T[] {
    return items.filter((item) => {
      const ref = refOf(item);
      return ref === undefined || !this.isQuarantined(ref.backend, ref.tool, ref.definition ?? this.#definitions(ref.backend, ref.tool));
    });
  }

  /** Every tool seen quarantined or unreviewed since start, with what changed. */
  quarantined(): PinStatus[] {
    const found: PinStatus[] = [];
    const seen = new Set<string>();
    for (const reported of this.#reported) {
      const [backend, tool] = reported.split('\u0000') as [string, string];
      const key = `${backend}\u0000${tool}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const status = this.status(backend, tool);
      if (status.state === 'quarantined' || status.state === 'unreviewed') found.push(status);
    }
    return found;
  }

  /** An admin reviewed the current definition: pin it, which lifts the quarantine. */
  accept(backend: string, tool: string, acceptedBy: string): ToolPin {
    const definition = this.#definitions(backend, tool);
    if (definition === undefined) throw new PinError(`Backend "${backend}" lists no tool "${tool}" right now, so there is no definition to accept; check the names with GET /admin/tools/pins`);
    const previous = this.store.get(backend, tool);
    const pin: ToolPin = { backend, tool, hash: this.#hashOf(definition), definition: pinnedPart(definition), pinnedAt: this.#now(), pinnedBy: acceptedBy };
    this.store.put(pin);
    for (const reported of [...this.#reported]) if (reported.startsWith(`${backend}\u0000${tool}\u0000`)) this.#reported.delete(reported);
    this.#options.onAccept?.({ backend, tool, previousHash: previous?.hash, hash: pin.hash, acceptedBy, acceptedAt: pin.pinnedAt });
    return pin;
  }

  #hashOf(definition: ToolDefinition): string {
    let hash = this.#hashes.get(definition);
    if (hash === undefined) {
      hash = fingerprintOf(definition);
      this.#hashes.set(definition, hash);
    }
    return hash;
  }

  #report(backend: string, tool: string, hash: string, definition: ToolDefinition): void {
    const key = `${backend}\u0000${tool}\u0000${hash}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#options.onQuarantine?.(this.status(backend, tool), { pinned: this.store.get(backend, tool)?.definition, current: pinnedPart(definition) });
  }
}

export function createToolPinning(name: string, pins: ToolPins): Policy {
  const allow = allowOnce(name);
  return {
    name,
    type: 'tool_pinning',
    onRequest(exchange: Exchange): Decision {
      const target = exchange.target;
      if (target?.kind !== 'tool' || target.name === undefined || !pins.isQuarantined(target.backend, target.name)) return allow;
      const status = pins.status(target.backend, target.name);
      const why = status.state === 'unreviewed'
        ? 'it has not been reviewed by an administrator yet'
        : `its definition changed since it was reviewed (${status.changes.join(', ') || 'definition'} changed), which is how a backend could silently change what the tool does`;
      const message = `Tool "${target.name}" of backend "${target.backend}" is quarantined: ${why}. The gateway refuses it until an administrator reviews and accepts the new definition. Use another tool, or tell the user to ask an administrator`;
      const details = { code: 'tool_quarantined', state: status.state, changes: status.changes, pinned_hash: status.pinnedHash, current_hash: status.currentHash };
      return { policy: name, decision: 'deny', reason: message, details, error: new PolicyError(name, 'tool_quarantined', message, { details }) };
    },
  };
}
