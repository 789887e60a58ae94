// What `gatehouse vet SOURCE` examines, resolved without the network: a
// running server (URL or stdio:COMMAND), a local clone (its git history), a
// package directory or .tgz tarball, or an npm package name found in the
// local node_modules. A package or clone is examined statically; give
// `--server` to also run the live checks against it.

import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CiToolError } from '../ci-tool-error.ts';
import { isLiveTarget } from '../server-target.ts';

const run = promisify(execFile);

export interface PackageManifest {
  name?: string;
  version?: string;
  repository?: unknown;
  dependencies?: Record<string, string>;
  bin?: unknown;
}

export interface VetSource {
  /** What the user gave. */
  text: string;
  kind: 'server' | 'clone' | 'package';
  /** The directory holding the code, for clones and packages. */
  directory?: string;
  /** Whether `directory` has git history to read. */
  hasGitHistory: boolean;
  manifest?: PackageManifest;
  /** The live target, when there is one. */
  server?: string;
}

const NPM_NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i;

export async function resolveVetSource(text: string, options: { server?: string; cwd?: string } = {}): Promise<VetSource> {
  const cwd = options.cwd ?? process.cwd();
  if (isLiveTarget(text)) return { text, kind: 'server', hasGitHistory: false, server: text };
  const path = resolve(cwd, text);
  if (existsSync(path) && statSync(path).isDirectory()) return describeDirectory(text, path, options.server);
  if (existsSync(path) && /\.(tgz|tar\.gz)$/.test(path)) {
    const directory = await mkdtemp(join(tmpdir(), 'gatehouse-vet-'));
    await run('tar', ['-xzf', path, '-C', directory]);
    // npm pack puts the files under package/.
    const root = existsSync(join(directory, 'package')) ? join(directory, 'package') : directory;
    return describeDirectory(text, root, options.server);
  }
  if (NPM_NAME.test(text)) {
    const manifestPath = findInstalledManifest(text, cwd);
    if (manifestPath === undefined) {
      throw new CiToolError('source_invalid', `the package ${text} is not installed under ${cwd}, and vet stays offline; run npm pack ${text} and vet the .tgz, or vet a local clone`);
    }
    return describeDirectory(text, dirname(manifestPath), options.server);
  }
  throw new CiToolError('source_invalid', `"${text}" is not a URL, stdio:COMMAND, directory, .tgz tarball or npm package name`);
}

async function describeDirectory(text: string, directory: string, server: string | undefined): Promise<VetSource> {
  const hasGitHistory = existsSync(join(directory, '.git'));
  const manifestPath = join(directory, 'package.json');
  const manifest = existsSync(manifestPath) ? (JSON.parse(await readFile(manifestPath, 'utf8')) as PackageManifest) : undefined;
  return {
    text,
    kind: hasGitHistory ? 'clone' : 'package',
    directory,
    hasGitHistory,
    ...(manifest !== undefined && { manifest }),
    ...(server !== undefined && { server }),
  };
}

function findInstalledManifest(name: string, cwd: string): string | undefined {
  try {
    return createRequire(join(cwd, 'noop.js')).resolve(`${name}/package.json`);
  } catch {
    // A package whose exports hide package.json: walk node_modules directories upward.
    for (let directory = cwd; ; directory = dirname(directory)) {
      const candidate = join(directory, 'node_modules', name, 'package.json');
      if (existsSync(candidate)) return candidate;
      if (dirname(directory) === directory) return undefined;
    }
  }
}
