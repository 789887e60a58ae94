// `npm start` runs this first: builds the console when dist/index.html is
// missing (a fresh clone), so the admin listener has something to serve at
// /console/ with nothing else to install. A built console is left as it is.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(fileURLToPath(new URL('../dist/index.html', import.meta.url)))) {
  process.stderr.write('console: dist/ is missing; building the web console (packages/console) once\n');
  const { build } = await import('vite');
  await build({ root, configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)), logLevel: 'warn' });
}
