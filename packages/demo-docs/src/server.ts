// The demo documents server on @gatehouse/server-kit: pages under a doc://
// hierarchy (doc://engineering/runbooks/deploy), a search tool with opaque
// cursors, and an update tool with dry run, idempotency key and change
// notifications to subscribers. Pages under board/ need docs:restricted.

import {
  authorizationError,
  createCursorCodec,
  createKitServer,
  defineResource,
  defineTool,
  paginate,
  resourceNotFound,
  type Caller,
  type KitServer,
  type KitServerOptions,
} from '@gatehouse/server-kit';
import * as z from 'zod';

import { DocumentLibrary, isRestricted } from './library.ts';

export const demoDocsServerInfo = { name: 'demo-docs', version: '0.1.0' } as const;

export const DOCS_SCOPES = { read: 'docs:read', write: 'docs:write', restricted: 'docs:restricted' } as const;

export function documentUri(path: string): string {
  return `doc://${path}`;
}

function canSee(caller: Caller, path: string): boolean {
  // Restricted pages need the scope even from an unauthenticated caller: without auth nobody has it.
  return !isRestricted(path) || caller.scopes.includes(DOCS_SCOPES.restricted);
}

export interface DemoDocsOptions extends Partial<Omit<KitServerOptions, 'name' | 'version' | 'tools' | 'resources'>> {
  library?: DocumentLibrary;
}

export function createDemoDocsServer(options: DemoDocsOptions = {}): { kit: KitServer; library: DocumentLibrary } {
  const library = options.library ?? new DocumentLibrary();
  const cursors = createCursorCodec();
  let kit: KitServer;

  const documents = defineResource({
    name: 'document',
    uri: 'doc://{+path}',
    title: 'Document',
    description: 'A markdown page of the team library; the path is its place in the hierarchy, e.g. doc://engineering/runbooks/deploy.',
    mimeType: 'text/markdown',
    scopes: [DOCS_SCOPES.read],
    cache: { ttlMs: 30_000, cacheScope: 'private' },
    authorize: ({ variables, caller }) => canSee(caller, variables.path ?? ''),
    list: () => library.paths().map((path) => ({ uri: documentUri(path), name: path, title: library.get(path)!.title })),
    complete: { path: (value) => library.paths().filter((path) => path.startsWith(value)) },
    read: ({ variables, uri, caller }) => {
      const page = library.get(variables.path ?? '');
      if (page === undefined) {
        const folder = library.children(variables.path ?? '');
        if (folder.length === 0) throw resourceNotFound(uri.href);
        // A folder reads as its index: the pages under it (the kit's content hash is its ETag).
        return { text: folder.filter((child) => canSee(caller, child.path)).map((child) => `- [${child.title}](${documentUri(child.path)})`).join('\n') };
      }
      return { text: page.text, etag: `"${page.path}@${page.revision}"` };
    },
  });

  const searchDocs = defineTool({
    name: 'search_docs',
    title: 'Search documents',
    description:
      'Full-text search over the team library (runbooks, policies, support macros). Returns titles, doc:// URIs and snippets, best first, ' +
      'a page at a time: pass next_cursor back as cursor for the next page. Read a whole document by its URI as a resource.',
    input: z.object({
      query: z.string().min(1).max(200).describe('Words to find, e.g. "deploy rollback"; every word must match.'),
      page_size: z.number().int().min(1).max(20).default(5).describe('Results per page, 1-20.'),
      cursor: z.string().max(400).optional().describe('next_cursor from the previous page; omit for the first page.'),
    }),
    output: z.object({
      results: z.array(z.object({ uri: z.string(), title: z.string(), snippet: z.string() })),
      total: z.number().int().describe('Matches across all pages.'),
      next_cursor: z.string().optional().describe('Present when more results follow.'),
    }),
    scopes: [DOCS_SCOPES.read],
    annotations: { readOnlyHint: true, openWorldHint: false },
    describe: (output) =>
      output.results.length === 0
        ? 'No documents match; try fewer or different words.'
        : `${output.results.map((hit) => `${hit.title} (${hit.uri}): ${hit.snippet}`).join('\n')}${output.next_cursor === undefined ? '' : '\nMore results: call again with cursor = next_cursor.'}`,
    handler: ({ query, page_size, cursor }, call) => {
      const hits = library.search(query, (path) => canSee(call.caller, path));
      const page = paginate(hits, { cursor, pageSize: page_size, binding: `${query}\u0000${page_size}\u0000${call.caller.subject}`, codec: cursors });
      return {
        results: page.items.map((hit) => ({ uri: documentUri(hit.path), title: hit.title, snippet: hit.snippet })),
        total: hits.length,
        ...(page.nextCursor !== undefined && { next_cursor: page.nextCursor }),
      };
    },
  });

  const updateDoc = defineTool({
    name: 'update_doc',
    title: 'Update a document',
    description:
      'Replace the text of a document (or create it). Call with dry_run true first to see what changes; pass an idempotency_key so a retry does not write twice. ' +
      'Subscribers of the document are told it changed.',
    input: z.object({
      path: z.string().regex(/^[a-z0-9-]+(\/[a-z0-9-]+)*$/).describe('Where in the hierarchy, e.g. "engineering/runbooks/deploy".'),
      text: z.string().min(1).max(50_000).describe('The whole new markdown text.'),
      title: z.string().max(200).optional().describe('A new title; omitted, the title stays.'),
    }),
    output: z.object({ uri: z.string(), revision: z.number().int(), created: z.boolean() }),
    scopes: [DOCS_SCOPES.write],
    idempotency: true,
    annotations: { destructiveHint: true, idempotentHint: false },
    dryRun: ({ path, text }, call) => {
      if (!canSee(call.caller, path)) throw authorizationError(DOCS_SCOPES.restricted);
      const before = library.get(path);
      return {
        would: before === undefined ? `create ${documentUri(path)}` : `replace ${documentUri(path)} (revision ${before.revision} -> ${before.revision + 1})`,
        estimate: { documents_changed: 1, characters_before: before?.text.length ?? 0, characters_after: text.length },
      };
    },
    handler: async ({ path, text, title }, call) => {
      if (!canSee(call.caller, path)) throw authorizationError(DOCS_SCOPES.restricted);
      const { before, after } = library.write(path, title, text);
      await kit.resourceUpdated(documentUri(path));
      if (before === undefined) await kit.resourcesChanged();
      return { uri: documentUri(path), revision: after.revision, created: before === undefined };
    },
  });

  kit = createKitServer({
    ...options,
    ...demoDocsServerInfo,
    instructions:
      'The team library. Find pages with search_docs, read one as the resource at its doc:// URI, change one with update_doc (dry_run first). ' +
      'Subscribe to a document to hear when it changes.',
    tools: [searchDocs, updateDoc],
    resources: [documents],
    capabilities: { prompts: {} },
    register: (server) => {
      server.registerPrompt(
        'summarize_document',
        {
          title: 'Summarize a document',
          description: 'Ask the model for a short summary of one document of the library.',
          argsSchema: z.object({ path: z.string().describe('The document path, e.g. "engineering/runbooks/deploy".') }),
        },
        ({ path }) => {
          const page = library.get(path);
          if (page === undefined || isRestricted(path)) throw resourceNotFound(documentUri(path));
          return {
            messages: [
              { role: 'user' as const, content: { type: 'resource' as const, resource: { uri: documentUri(path), mimeType: 'text/markdown', text: page.text } } },
              { role: 'user' as const, content: { type: 'text' as const, text: `Summarize "${page.title}" in three bullet points for a new team member.` } },
            ],
          };
        },
      );
    },
  });
  return { kit, library };
}
