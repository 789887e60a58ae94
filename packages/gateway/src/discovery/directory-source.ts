// Discovery from a directory of backend files: one YAML file per backend
// (`*.yaml` / `*.yml`, the schema of one `backends` entry). The directory is
// watched (debounced, since editors write in steps); a file that does not
// validate is logged with its name and key, and the backend it described
// keeps its last good version until the file is fixed or deleted.

import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendConfig } from '../config/backend-schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import { parseBackendFile } from './backend-entry.ts';
import type { BackendSource } from './source.ts';

export interface DirectorySourceOptions {
  /** Absolute path. */
  directory: string;
  nameSeparator: string;
  logger: Logger;
  /** Quiet time after the last change before the directory is read again. Default 200 ms. */
  debounceMs?: number;
  /** A missing or unreadable directory is looked at again after this long. Default 5 s. */
  retryMs?: number;
}

const BACKEND_FILE = /^[^.].*\.ya?ml$/;

export function createDirectorySource(options: DirectorySourceOptions): BackendSource {
  const { directory, logger } = options;
  /** File name -> its last good backend, kept while the file is broken. */
  const lastGood = new Map<string, BackendConfig>();
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let isClosed = false;
  let listener: ((backends: BackendConfig[]) => void) | undefined;
  let scanning: Promise<void> = Promise.resolve();

  async function scan(): Promise<void> {
    const names = (await readdir(directory)).filter((name) => BACKEND_FILE.test(name)).sort();
    const present = new Set(names);
    for (const name of lastGood.keys()) if (!present.has(name)) lastGood.delete(name);
    const fileOf = new Map<string, string>();
    await Promise.all(names.map(async (name) => {
      const path = join(directory, name);
      try {
        lastGood.set(name, parseBackendFile(await readFile(path, 'utf8'), path, options.nameSeparator));
      } catch (error) {
        // A file deleted between readdir and readFile is simply gone.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return void lastGood.delete(name);
        logger.error({ source: 'directory', file: path, err: error }, `backend file refused; ${lastGood.has(name) ? 'its last good version stays' : 'no backend from it'}:\n${error instanceof Error ? error.message : String(error)}`);
      }
    }));
    const backends: BackendConfig[] = [];
    for (const name of names) {
      const backend = lastGood.get(name);
      if (backend === undefined) continue;
      const other = fileOf.get(backend.name.toLowerCase());
      if (other !== undefined) {
        logger.error({ source: 'directory', file: join(directory, name), backend: backend.name, other }, `backend file refused: name "${backend.name}" is already used by ${other}`);
        continue;
      }
      fileOf.set(backend.name.toLowerCase(), join(directory, name));
      backends.push(backend);
    }
    if (!isClosed) listener?.(backends);
  }

  function rescan(): void {
    scanning = scanning.then(scan).catch((error: unknown) => {
      logger.warn({ source: 'directory', directory, err: error }, 'cannot read the backend directory; keeping the backends found before');
      schedule(options.retryMs ?? 5_000);
    });
  }

  function schedule(delayMs: number): void {
    if (isClosed) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      ensureWatching();
      rescan();
    }, delayMs);
    timer.unref();
  }

  function ensureWatching(): void {
    if (watcher !== undefined || isClosed) return;
    try {
      watcher = watch(directory, { persistent: false }, () => schedule(options.debounceMs ?? 200));
      watcher.on('error', (error) => {
        logger.warn({ source: 'directory', directory, err: error }, 'stopped watching the backend directory; retrying');
        watcher?.close();
        watcher = undefined;
        schedule(options.retryMs ?? 5_000);
      });
    } catch (error) {
      logger.warn({ source: 'directory', directory, err: error }, 'cannot watch the backend directory yet; retrying');
      schedule(options.retryMs ?? 5_000);
    }
  }

  return {
    name: 'directory',
    async start(onChange) {
      listener = onChange;
      ensureWatching();
      rescan();
      await scanning;
    },
    async close() {
      isClosed = true;
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
      await scanning;
    },
  };
}
