// A bundled module runs from the bundle's folder, not from where its source
// lies, yet modules find files beside them: the gateway its default config,
// OpenAPI document and console; packages their own data files. Rewriting each
// module's `import.meta.url`, `__dirname` and `__filename` to its source
// file's location, relative to the bundle, keeps every such path as it was,
// wherever the checkout (or the image's /app) is.

import { dirname, relative, sep } from 'node:path';

// An identifier on its own: not a property (`x.__dirname`) nor part of a longer name.
const DIRNAME = /(?<![.\w$])__dirname(?![\w$])/g;
const FILENAME = /(?<![.\w$])__filename(?![\w$])/g;

/**
 * `code` of the module at `sourcePath` with its location expressions pointing
 * at `sourcePath`, as seen from chunks written to `outputDirectory`; null when
 * the module uses none (the bundler then keeps its own copy untouched).
 */
export function pinSourceLocation(code: string, sourcePath: string, outputDirectory: string): string | null {
  const usesUrl = code.includes('import.meta.url');
  const usesDirname = DIRNAME.test(code);
  const usesFilename = FILENAME.test(code);
  DIRNAME.lastIndex = 0;
  FILENAME.lastIndex = 0;
  if (!usesUrl && !usesDirname && !usesFilename) return null;
  const fileUrl = `new URL(${JSON.stringify(toUrlPath(relative(outputDirectory, sourcePath)))}, import.meta.url)`;
  const directoryUrl = `new URL(${JSON.stringify(`${toUrlPath(relative(outputDirectory, dirname(sourcePath)))}/`)}, import.meta.url)`;
  let pinned = code.replaceAll('import.meta.url', `${fileUrl}.href`);
  if (usesDirname) pinned = pinned.replace(DIRNAME, `decodeURIComponent(${directoryUrl}.pathname).replace(/\\/$/, '')`);
  if (usesFilename) pinned = pinned.replace(FILENAME, `decodeURIComponent(${fileUrl}.pathname)`);
  return pinned;
}

function toUrlPath(path: string): string {
  return path.split(sep).map(encodeURIComponent).join('/') || '.';
}
