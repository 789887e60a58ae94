// `npm run build:gateway` (and every `npm start`): bundles the gateway and the
// packages it imports into packages/gateway/dist/, one file per part loaded on
// demand (each subcommand, policy type, store driver stays a separate chunk).
// Node then starts from a few files instead of resolving, reading and
// stripping about 750 modules: less time to ready and less memory held
// (docs/benchmarks.md, "Footprint"). The sources stay the truth: tests and the
// `gatehouse` bin run them directly; `npm start` and the Docker image run this
// bundle, rebuilt each time (about a second) so it never lags the sources.
// Where bundling fails (rolldown's native binding missing, say), the entry
// written instead runs the sources, with a warning: a start never fails for
// want of an optimization. `--strict` (the Docker build) fails instead.
//
//   node packages/gateway/scripts/build-bundle.ts [--out DIR] [--strict]

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { takeHttpWithoutFacade } from './http-import.ts';
import { escapeWideComments } from './one-byte-source.ts';
import { pinSourceLocation } from './source-location.ts';

export const DEFAULT_BUNDLE_DIRECTORY = fileURLToPath(new URL('../dist/', import.meta.url));
const ENTRY = fileURLToPath(new URL('../src/cli/gatehouse.mjs', import.meta.url));

export class BundleError extends Error {
  readonly code = 'bundle_failed';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BundleError';
  }
}

/** Writes the bundle to `outputDirectory` (replacing what was there); resolves to its entry, `gatehouse.mjs`. */
export async function buildGatewayBundle(outputDirectory = DEFAULT_BUNDLE_DIRECTORY): Promise<string> {
  const [{ build }, { parseSync }] = await Promise.all([import('rolldown'), import('rolldown/utils')]);
  await rm(outputDirectory, { recursive: true, force: true });
  const unresolved: string[] = [];
  try {
    await build({
      input: ENTRY,
      platform: 'node',
      logLevel: 'warn',
      onLog(level, log, defaultHandler) {
        // A package left out would only fail when its code path runs: refuse the bundle instead.
        if (log.code === 'UNRESOLVED_IMPORT') unresolved.push(log.message);
        // Dependencies' own direct eval (depd) is theirs to fix; the location pins
        // replace text within a line, so the maps keep every line right.
        else if (log.code !== 'EVAL' && log.code !== 'SOURCEMAP_BROKEN' && level === 'warn') defaultHandler(level, log);
      },
      plugins: [
        { name: 'gatehouse-source-location', transform: (code, id) => pinSourceLocation(code, id, outputDirectory) },
        // Dependencies' JavaScript only: the gateway's TypeScript already takes node:http this way.
        { name: 'gatehouse-http-import', transform: (code, id) => (/\.m?js$/.test(id) ? takeHttpWithoutFacade(code) : null) },
        // With `charset: 'ascii'`: every chunk one byte per character in V8's memory.
        { name: 'gatehouse-one-byte-source', renderChunk: (code, chunk) => escapeWideComments(code, chunk.fileName, parseSync) },
      ],
      output: { dir: outputDirectory, format: 'esm', charset: 'ascii', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs', sourcemap: true },
    });
  } catch (error) {
    throw new BundleError(`bundling the gateway into ${outputDirectory} failed: ${(error as Error).message}`, { cause: error });
  }
  if (unresolved.length > 0) throw new BundleError(`bundling the gateway left imports unresolved:\n${unresolved.join('\n')}`);
  return `${outputDirectory.replace(/\/$/, '')}/gatehouse.mjs`;
}

/** Writes `gatehouse.mjs` into `outputDirectory` as an entry that runs the sources (cli/gatehouse.mjs); resolves to it. */
export async function writeSourceEntry(outputDirectory = DEFAULT_BUNDLE_DIRECTORY): Promise<string> {
  await rm(outputDirectory, { recursive: true, force: true });
  await mkdir(outputDirectory, { recursive: true });
  const entry = join(outputDirectory, 'gatehouse.mjs');
  const source = `./${relative(outputDirectory, ENTRY).split(sep).join('/')}`;
  await writeFile(entry, `// Written by packages/gateway/scripts/build-bundle.ts when bundling failed: this entry runs the sources.\nawait import(${JSON.stringify(source)});\n`);
  return entry;
}

/** The bundle, or where it cannot be built the entry that runs the sources; `warn` hears why. */
export async function bundleOrSources(outputDirectory: string | undefined, warn: (message: string) => void, build: (directory?: string) => Promise<string> = buildGatewayBundle): Promise<{ entry: string; isBundle: boolean }> {
  try {
    return { entry: await build(outputDirectory), isBundle: true };
  } catch (error) {
    warn(`${(error as Error).message}\nthe gateway runs from its sources instead (slower to start, more memory)`);
    return { entry: await writeSourceEntry(outputDirectory), isBundle: false };
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let values: { out?: string | undefined; strict?: boolean | undefined };
  try {
    ({ values } = parseArgs({ options: { out: { type: 'string' }, strict: { type: 'boolean', default: false } } }));
  } catch (error) {
    process.stderr.write(`gateway: ${(error as Error).message} (build-bundle.ts takes --out DIR and --strict)\n`);
    process.exit(2);
  }
  const startedAt = performance.now();
  process.stderr.write(`gateway: bundling packages/gateway/src into ${values.out ?? 'packages/gateway/dist'}\n`);
  const warn = (message: string) => process.stderr.write(`gateway: ${message}\n`);
  if (values.strict) {
    try {
      await buildGatewayBundle(values.out);
    } catch (error) {
      warn((error as Error).message);
      process.exit(1);
    }
  } else if (!(await bundleOrSources(values.out, warn)).isBundle) {
    process.exit(0);
  }
  process.stderr.write(`gateway: bundled in ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`);
}
