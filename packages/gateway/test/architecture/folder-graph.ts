// The folder-level import graph of packages/gateway/src: each top-level
// folder is a room of docs/architecture.md, and a room that imports another
// (even `import type`, which still couples the two) is an edge. Pure over a
// map of path -> source, so a test can hand it a small in-memory tree; only
// readSourceTree touches the disk. Files at the root of src/ (gateway.ts,
// index.ts, version.ts) assemble the rooms and are no room themselves.

import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';

export interface ImportSite {
  /** The importing file, relative to the source root (`registry/definition-watch.ts`). */
  file: string;
  specifier: string;
  isTypeOnly: boolean;
}

/** from-folder -> to-folder -> the imports that make the edge. */
export type FolderGraph = Map<string, Map<string, ImportSite[]>>;

// A static `import ... from`, `export ... from` or side-effect `import '...'`
// at the start of a line, its clause spelled out so that a `from '...'` in a
// comment or string further down is never mistaken for one. Dynamic import()
// is left out: it is how a room loads an optional piece on demand.
const STATIC_IMPORT = /^[ \t]*(import|export)[ \t]+(type[ \t]+)?(?:(?:[\w$]+[ \t]*,[ \t]*)?(?:\{[^}]*\}|\*(?:[ \t]+as[ \t]+[\w$]+)?)|[\w$]+)[ \t\r\n]*from[ \t]*['"]([^'"]+)['"]|^[ \t]*import[ \t]*['"]([^'"]+)['"]/gm;

/** The relative module specifiers a source file imports statically, with whether the whole statement is type-only. */
export function importSpecifiers(source: string): Array<{ specifier: string; isTypeOnly: boolean }> {
  const found: Array<{ specifier: string; isTypeOnly: boolean }> = [];
  for (const match of source.matchAll(STATIC_IMPORT)) {
    const specifier = match[3] ?? match[4]!;
    if (specifier.startsWith('.')) found.push({ specifier, isTypeOnly: match[2] !== undefined });
  }
  return found;
}

/** The room a source path belongs to, or undefined for a file at the root or outside the tree. */
export function folderOf(path: string): string | undefined {
  if (path.startsWith('..') || !path.includes('/')) return undefined;
  return path.slice(0, path.indexOf('/'));
}

/** Builds the folder graph of a tree given as path (relative to the source root, `/`-separated) -> source. */
export function folderGraph(tree: ReadonlyMap<string, string>): FolderGraph {
  const graph: FolderGraph = new Map();
  for (const [file, source] of tree) {
    const from = folderOf(file);
    if (from === undefined) continue;
    for (const { specifier, isTypeOnly } of importSpecifiers(source)) {
      const to = folderOf(posix.normalize(posix.join(posix.dirname(file), specifier)));
      if (to === undefined || to === from) continue;
      const targets = graph.get(from) ?? new Map<string, ImportSite[]>();
      graph.set(from, targets);
      const sites = targets.get(to) ?? [];
      targets.set(to, sites);
      sites.push({ file, specifier, isTypeOnly });
    }
  }
  return graph;
}

/**
 * The strongly connected components of more than one folder (Tarjan's
 * algorithm): each is a set of rooms every one of which reaches every other,
 * a loop of two or of many. Sorted, so the answer reads the same every run.
 */
export function folderCycles(graph: FolderGraph): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (folder: string): void => {
    index.set(folder, index.size);
    lowLink.set(folder, index.get(folder)!);
    stack.push(folder);
    onStack.add(folder);
    for (const next of [...(graph.get(folder)?.keys() ?? [])].sort()) {
      if (!index.has(next)) {
        visit(next);
        lowLink.set(folder, Math.min(lowLink.get(folder)!, lowLink.get(next)!));
      } else if (onStack.has(next)) {
        lowLink.set(folder, Math.min(lowLink.get(folder)!, index.get(next)!));
      }
    }
    if (lowLink.get(folder) !== index.get(folder)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== folder);
    if (component.length > 1) components.push(component.sort());
  };
  const folders = new Set([...graph.keys(), ...[...graph.values()].flatMap((targets) => [...targets.keys()])]);
  for (const folder of [...folders].sort()) if (!index.has(folder)) visit(folder);
  return components.sort((left, right) => left[0]!.localeCompare(right[0]!));
}

/** The edges inside a component, as `from -> to`. */
export function edgesWithin(graph: FolderGraph, component: readonly string[]): string[] {
  const members = new Set(component);
  return component.flatMap((from) => [...(graph.get(from)?.keys() ?? [])].filter((to) => members.has(to)).sort().map((to) => `${from} -> ${to}`));
}

/**
 * One concrete loop through an edge, named with the file behind each step:
 * `registry -> ci-tools (registry/definition-watch.ts) -> registry (ci-tools/assess/live-facts.ts)`.
 * The shortest way back from the edge's head to its tail (breadth first).
 */
export function describeLoop(graph: FolderGraph, from: string, to: string): string {
  const cameFrom = new Map<string, string>([[to, to]]);
  const queue = [to];
  while (queue.length > 0 && !cameFrom.has(from)) {
    const folder = queue.shift()!;
    for (const next of [...(graph.get(folder)?.keys() ?? [])].sort()) {
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, folder);
      queue.push(next);
    }
  }
  if (!cameFrom.has(from)) return `${from} -> ${to} (no way back)`;
  const wayBack = [from];
  while (wayBack[0] !== to) wayBack.unshift(cameFrom.get(wayBack[0]!)!);
  const loop = [from, ...wayBack];
  return loop.slice(1).map((folder, step) => `${folder} (${graph.get(loop[step]!)!.get(folder)![0]!.file})`).reduce((text, hop) => `${text} -> ${hop}`, from);
}

/** Every .ts file under a source root, keyed by its `/`-separated path relative to it. */
export function readSourceTree(root: string): Map<string, string> {
  const tree = new Map<string, string>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = posix.join(posix.relative(root.split('\\').join('/'), entry.parentPath.split('\\').join('/')), entry.name);
    tree.set(path, readFileSync(`${entry.parentPath}/${entry.name}`, 'utf8'));
  }
  return tree;
}
