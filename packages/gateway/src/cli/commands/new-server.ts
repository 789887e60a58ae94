// `gatehouse new server NAME [--dir DIR] [--owner OWNER] [--kit SPEC] [--force]`:
// scaffolds an MCP server on @gatehouse/server-kit with two example tools (a
// read with a scope, a destructive update with dry run and idempotency key),
// a test on the kit's in-process client, a Dockerfile and a catalog entry
// (a backends.d file, proposed for review) for the gateway's registry.

import type { Command } from 'commander';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { processIo, type CommandIo } from './command-io.ts';

/** A backend name (config/backend-schema.ts) that is also a valid npm package name. */
const SERVER_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const OWNER = /^(user|group|team|agent):[^\s:][^\s]*$/;

/** The kit in this checkout, as a local dependency: `npm install` links it without a registry. */
export const localKitSpec = `file:${fileURLToPath(new URL('../../../../server-kit', import.meta.url))}`;

export interface ScaffoldOptions {
  name: string;
  owner: string;
  kitSpec: string;
}

export class ScaffoldError extends Error {
  readonly code = 'scaffold_refused';
}

function checkOptions(options: ScaffoldOptions): void {
  if (!SERVER_NAME.test(options.name)) {
    throw new ScaffoldError(`"${options.name}" is not a server name: lower-case letters, digits and "-", starting with a letter or digit (it becomes the backend and package name)`);
  }
  if (!OWNER.test(options.owner)) throw new ScaffoldError(`--owner "${options.owner}" is not an owner such as team:payments or user:alice`);
}

/** The scaffold's files, path -> content; pure, so a test can read them without writing. */
export function renderServerScaffold(options: ScaffoldOptions): Record<string, string> {
  checkOptions(options);
  const { name } = options;
  const read = `${name}:read`;
  const write = `${name}:write`;
  return {
    'package.json': `${JSON.stringify(
      {
        name,
        version: '0.1.0',
        private: true,
        type: 'module',
        description: `The ${name} MCP server, on @gatehouse/server-kit`,
        bin: { [name]: './src/main.ts' },
        scripts: { start: 'node src/main.ts --http', test: 'node --test test/*.test.ts' },
        engines: { node: '>=22.18' },
        dependencies: { '@gatehouse/server-kit': options.kitSpec, zod: '^4.6.7' },
      },
      null,
      2,
    )}\n`,
    'src/server.ts': `// The ${name} server: its tools, on @gatehouse/server-kit. Only business
// logic lives here; scopes, schemas, idempotency, dry runs, audit and metrics
// are the kit's. Replace the in-memory items with your system of record.

import { createKitServer, defineTool, permanentError, type KitServerOptions } from '@gatehouse/server-kit';
import * as z from 'zod';

const item = z.object({ id: z.string(), title: z.string(), status: z.enum(['open', 'done']) });

export function createServer(options: Partial<KitServerOptions> = {}) {
  const items = new Map([
    ['I-1', { id: 'I-1', title: 'First item', status: 'open' as 'open' | 'done' }],
    ['I-2', { id: 'I-2', title: 'Second item', status: 'open' as 'open' | 'done' }],
  ]);

  function find(id: string) {
    const found = items.get(id);
    if (found === undefined) throw permanentError(\`Item \${id} does not exist\`, { code: 'item_not_found', instead: 'use an id such as I-1' });
    return found;
  }

  const getItem = defineTool({
    name: 'get_item',
    description: 'Read one item by id. Use when the user names an item, e.g. "I-1".',
    input: z.object({ item_id: z.string().describe('The item id, e.g. "I-1".') }),
    output: z.object({ item }),
    scopes: ['${read}'],
    annotations: { readOnlyHint: true },
    handler: ({ item_id }) => ({ item: { ...find(item_id) } }),
  });

  const completeItem = defineTool({
    name: 'complete_item',
    description: 'Mark an item done. Call with dry_run true first; pass an idempotency_key so a retry does not act twice.',
    input: z.object({ item_id: z.string().describe('The item id, e.g. "I-1".') }),
    output: z.object({ item, changed: z.boolean() }),
    scopes: ['${write}'],
    idempotency: true,
    annotations: { destructiveHint: true },
    dryRun: ({ item_id }) => {
      const found = find(item_id);
      return { would: \`mark \${found.id} done\`, estimate: { items_changed: found.status === 'done' ? 0 : 1 } };
    },
    handler: ({ item_id }, call) => {
      const found = find(item_id);
      call.log.info({ item_id }, 'completing item');
      const done = { ...found, status: 'done' as const };
      items.set(item_id, done);
      return { item: done, changed: found.status !== 'done' };
    },
  });

  return createKitServer({
    name: '${name}',
    version: '0.1.0',
    instructions: 'Read items with get_item; complete one with complete_item (dry_run first).',
    tools: [getItem, completeItem],
    ...options,
  });
}
`,
    'src/main.ts': `#!/usr/bin/env node
// The ${name} server as a process: stdio by default, or \`--http --port N\`.

import { runKitServer } from '@gatehouse/server-kit';

import { createServer } from './server.ts';

runKitServer(createServer()).catch((error: unknown) => {
  process.stderr.write(\`${name}: \${error instanceof Error ? error.message : String(error)}\\n\`);
  process.exit(2);
});
`,
    'test/server.test.ts': `// The ${name} tools through the kit's in-process client (the official SDK
// client, no socket), as callers with chosen scopes, in both protocol eras.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createKitLogger, MemoryAuditSink } from '@gatehouse/server-kit';
import { connectTestClient } from '@gatehouse/server-kit/testing';

import { createServer } from '../src/server.ts';

const reader = { subject: 'alice', scopes: ['${read}'] };
const writer = { subject: 'bob', scopes: ['${read}', '${write}'] };

function quietServer() {
  const audit = new MemoryAuditSink();
  return { kit: createServer({ audit, logger: createKitLogger('${name}', { level: 'silent' }) }), audit };
}

for (const era of ['modern', 'legacy'] as const) {
  describe(\`${name} (\${era} era)\`, () => {
    it('reads an item for a caller with ${read}', async () => {
      const { kit } = quietServer();
      const client = await connectTestClient(kit, { identity: reader, era });
      const result = await client.callTool('get_item', { item_id: 'I-1' });
      assert.deepEqual(result.structuredContent, { item: { id: 'I-1', title: 'First item', status: 'open' } });
      await client.close();
    });

    it('refuses complete_item without ${write}, naming the scope', async () => {
      const { kit, audit } = quietServer();
      const client = await connectTestClient(kit, { identity: reader, era });
      const result = await client.callTool('complete_item', { item_id: 'I-1' });
      assert.equal(result.isError, true);
      assert.equal((result._meta?.['gatehouse.dev/error'] as { scope: string }).scope, '${write}');
      assert.equal(audit.records.at(-1)?.result.status, 'denied');
      await client.close();
    });

    it('previews with dry_run, then completes once per idempotency key', async () => {
      const { kit } = quietServer();
      const client = await connectTestClient(kit, { identity: writer, era });
      const preview = await client.callTool('complete_item', { item_id: 'I-2', dry_run: true });
      assert.deepEqual(preview.structuredContent, { dry_run: true, would: 'mark I-2 done', estimate: { items_changed: 1 } });
      const first = await client.callTool('complete_item', { item_id: 'I-2', idempotency_key: 'k1' });
      const retry = await client.callTool('complete_item', { item_id: 'I-2', idempotency_key: 'k1' });
      assert.equal((first.structuredContent as { changed: boolean }).changed, true);
      assert.deepEqual(retry.structuredContent, first.structuredContent);
      await client.close();
    });
  });
}
`,
    Dockerfile: `# The ${name} MCP server over Streamable HTTP on port 3000 (/mcp), with
# /healthz and /readyz for the orchestrator and /metrics for Prometheus.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json* ./
RUN npm ci --omit=dev || npm install --omit=dev
COPY src ./src
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3000/readyz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# SIGTERM drains calls in flight before exiting.
STOPSIGNAL SIGTERM
CMD ["node", "src/main.ts", "--http", "--host", "0.0.0.0", "--port", "3000"]
`,
    [`catalog/${name}.yaml`]: `# The ${name} server as a gateway backend: drop this file in the gateway's
# discovery directory (discovery.directory.path, e.g. backends.d/) or paste
# it under \`backends:\`. It starts proposed: no agent sees its tools until
# it is reviewed (docs/governance.md).
name: ${name}
url: \${${name.toUpperCase().replaceAll('-', '_')}_URL:-http://127.0.0.1:3000/mcp}
timeout_ms: 30000
lifecycle: proposed
owner: ${options.owner}
description: The ${name} MCP server (scaffolded with gatehouse new server)
risk_tier: medium
data_classification: internal
`,
    'README.md': `# ${name}

An MCP server on \`@gatehouse/server-kit\`. Tools live in \`src/server.ts\`.

    npm install
    npm test                 # the tools, in both protocol eras, in-process
    npm start                # http://127.0.0.1:3000/mcp, /healthz, /readyz, /metrics

Register it with the gateway: copy \`catalog/${name}.yaml\` into the gateway's
discovery directory; it is proposed for review before agents see it.
`,
  };
}

/** Writes the scaffold under `directory`; refuses a non-empty directory unless `force`. Returns the files written. */
export async function writeServerScaffold(directory: string, options: ScaffoldOptions, force = false): Promise<string[]> {
  const files = renderServerScaffold(options);
  const existing = await readdir(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (existing.length > 0 && !force) throw new ScaffoldError(`${directory} is not empty; choose another --dir or pass --force`);
  for (const [path, content] of Object.entries(files)) {
    const target = join(directory, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  return Object.keys(files);
}

interface NewServerOptions {
  dir?: string;
  owner: string;
  kit: string;
  force?: boolean;
}

export function registerNewCommand(program: Command, io: CommandIo = processIo): Command {
  const command = program.command('new').description('scaffold something new');
  command
    .command('server')
    .argument('<name>', 'the server name: lower-case letters, digits and "-" (also its backend name)')
    .description('scaffold an MCP server on @gatehouse/server-kit with a test, a Dockerfile and a registry catalog entry')
    .option('-d, --dir <dir>', 'where to write it (default: ./<name>)')
    .option('--owner <owner>', 'the owner in the catalog entry (user:..., group:..., team:...)', 'team:platform')
    .option('--kit <spec>', 'the @gatehouse/server-kit dependency spec', localKitSpec)
    .option('-f, --force', 'write into a non-empty directory')
    .action(async (name: string, options: NewServerOptions) => {
      const directory = resolve(options.dir ?? name);
      try {
        const written = await writeServerScaffold(directory, { name, owner: options.owner, kitSpec: options.kit }, options.force === true);
        for (const path of written) io.out(`wrote ${join(options.dir ?? name, path)}`);
        io.out(`Next: cd ${options.dir ?? name} && npm install && npm test`);
      } catch (error) {
        if (!(error instanceof ScaffoldError)) throw error;
        io.err(error.message);
        io.fail(2);
      }
    });
  return command;
}
