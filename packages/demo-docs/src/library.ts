// The documents the demo server serves, in memory: a doc:// hierarchy of
// markdown pages, each with a revision that changes on every write (the
// ETag), and a plain ranked text search. Pages under board/ are restricted.

import { readFileSync } from 'node:fs';

export interface DocumentPage {
  path: string;
  title: string;
  text: string;
  revision: number;
}

export interface SearchHit {
  path: string;
  title: string;
  score: number;
  snippet: string;
}

/** Paths under these prefixes need the restricted scope (docs:restricted). */
const RESTRICTED_PREFIXES = ['board/'] as const;

export function isRestricted(path: string): boolean {
  return RESTRICTED_PREFIXES.some((prefix) => path.startsWith(prefix));
}

export function loadSampleDocuments(): DocumentPage[] {
  const raw = JSON.parse(readFileSync(new URL('../data/documents.json', import.meta.url), 'utf8')) as Array<Omit<DocumentPage, 'revision'>>;
  return raw.map((page) => ({ ...page, revision: 1 }));
}

function terms(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter((term) => term.length > 1);
}

/** A window of text around the first term found, for the result list. */
function snippetOf(text: string, queryTerms: readonly string[]): string {
  const lower = text.toLowerCase();
  const at = Math.max(0, Math.min(...queryTerms.map((term) => lower.indexOf(term)).filter((index) => index >= 0)));
  const start = Math.max(0, at - 40);
  return `${start > 0 ? '...' : ''}${text.slice(start, start + 140).replaceAll('\n', ' ').trim()}...`;
}

export class DocumentLibrary {
  readonly #pages = new Map<string, DocumentPage>();

  constructor(pages: readonly DocumentPage[] = loadSampleDocuments()) {
    for (const page of pages) this.#pages.set(page.path, { ...page });
  }

  get(path: string): DocumentPage | undefined {
    const page = this.#pages.get(path);
    return page === undefined ? undefined : { ...page };
  }

  paths(): string[] {
    return [...this.#pages.keys()].sort();
  }

  /** The pages whose path starts with `prefix/` (a folder in the hierarchy). */
  children(prefix: string): DocumentPage[] {
    const folder = prefix === '' ? '' : `${prefix.replace(/\/$/, '')}/`;
    return this.paths().filter((path) => path.startsWith(folder)).map((path) => this.get(path)!);
  }

  /** Pages matching every term, best first (term hits in the title count triple), ties by path. */
  search(query: string, canSee: (path: string) => boolean): SearchHit[] {
    const queryTerms = terms(query);
    if (queryTerms.length === 0) return [];
    const hits: SearchHit[] = [];
    for (const page of this.#pages.values()) {
      if (!canSee(page.path)) continue;
      const titleTerms = terms(page.title);
      const bodyTerms = terms(page.text);
      const counts = queryTerms.map((term) => 3 * titleTerms.filter((word) => word.startsWith(term)).length + bodyTerms.filter((word) => word.startsWith(term)).length);
      if (counts.some((count) => count === 0)) continue;
      hits.push({ path: page.path, title: page.title, score: counts.reduce((sum, count) => sum + count, 0), snippet: snippetOf(page.text, queryTerms) });
    }
    return hits.sort((a, b) => b.score - a.score || (a.path < b.path ? -1 : 1));
  }

  /** Replaces a page's text (creating it if new); returns the page before and after. */
  write(path: string, title: string | undefined, text: string): { before: DocumentPage | undefined; after: DocumentPage } {
    const before = this.get(path);
    const after = { path, title: title ?? before?.title ?? path, text, revision: (before?.revision ?? 0) + 1 };
    this.#pages.set(path, after);
    return { before, after: { ...after } };
  }
}
