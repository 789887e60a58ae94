// Where reviewed tool definitions are pinned: per backend tool, the hash of
// the definition an admin (or first use) accepted, with a snapshot of it so
// a later change can be shown field by field. Reads are synchronous from
// memory on the hot path; the SQLite store (node:sqlite) writes through to a
// file so pins survive restarts.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

export interface ToolPin {
  backend: string;
  tool: string;
  /** canonical-hash.ts over name, title, description, inputSchema, outputSchema, annotations. */
  hash: string;
  /** The pinned definition's hashed fields, to show what changed. */
  definition: Record<string, unknown>;
  pinnedAt: number;
  /** `first-use`, or who accepted it (`user:alice via agent:admin`). */
  pinnedBy: string;
}

export interface PinStore {
  get(backend: string, tool: string): ToolPin | undefined;
  put(pin: ToolPin): void;
  list(): ToolPin[];
  close(): void;
}

const keyOf = (backend: string, tool: string) => `${backend}\u0000${tool}`;

export class MemoryPinStore implements PinStore {
  protected readonly pins = new Map<string, ToolPin>();

  get(backend: string, tool: string): ToolPin | undefined {
    return this.pins.get(keyOf(backend, tool));
  }

  put(pin: ToolPin): void {
    this.pins.set(keyOf(pin.backend, pin.tool), pin);
  }

  list(): ToolPin[] {
    return [...this.pins.values()].sort((a, b) => (a.backend === b.backend ? a.tool.localeCompare(b.tool) : a.backend.localeCompare(b.backend)));
  }

  close(): void {}
}

/** Pins in a SQLite file, all loaded at open (a gateway has hundreds of tools, not millions). */
export class SqlitePinStore extends MemoryPinStore {
  readonly #database: DatabaseSync;
  readonly #upsert: StatementSync;

  constructor(path: string) {
    super();
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#database = new DatabaseSync(path);
    this.#database.exec(`
      PRAGMA journal_mode = WAL;
      CREATE TABLE IF NOT EXISTS tool_pins (
        backend TEXT NOT NULL,
        tool TEXT NOT NULL,
        hash TEXT NOT NULL,
        definition TEXT NOT NULL,
        pinned_at INTEGER NOT NULL,
        pinned_by TEXT NOT NULL,
        PRIMARY KEY (backend, tool)
      )`);
    this.#upsert = this.#database.prepare(`
      INSERT INTO tool_pins (backend, tool, hash, definition, pinned_at, pinned_by) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (backend, tool) DO UPDATE SET hash = excluded.hash, definition = excluded.definition, pinned_at = excluded.pinned_at, pinned_by = excluded.pinned_by`);
    for (const row of this.#database.prepare('SELECT backend, tool, hash, definition, pinned_at, pinned_by FROM tool_pins').all()) {
      super.put({
        backend: String(row.backend),
        tool: String(row.tool),
        hash: String(row.hash),
        definition: JSON.parse(String(row.definition)) as Record<string, unknown>,
        pinnedAt: Number(row.pinned_at),
        pinnedBy: String(row.pinned_by),
      });
    }
  }

  override put(pin: ToolPin): void {
    this.#upsert.run(pin.backend, pin.tool, pin.hash, JSON.stringify(pin.definition), pin.pinnedAt, pin.pinnedBy);
    super.put(pin);
  }

  override close(): void {
    if (this.#database.isOpen) this.#database.close();
  }
}
