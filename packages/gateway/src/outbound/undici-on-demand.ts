// undici, loaded the first time something needs it rather than at startup:
// about 28 MB and 109 modules that a gateway with only stdio backends may
// never use (the embedded default's backends are both stdio). The outbound
// guard and the HTTP backends call `undici()` where they build a dispatcher
// or fetch; undici is CommonJS, so the load is synchronous and those callers
// stay synchronous too. A start with HTTP backends calls preloadUndici()
// first: its import() names the package statically, so the bundle
// (scripts/build-bundle.ts) carries undici as one chunk instead of Node
// requiring about a hundred files from node_modules (tens of milliseconds of
// a start). Whichever load comes first is the one copy every caller uses.

import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const load = createRequire(import.meta.url);
let loaded: typeof Undici | undefined;

export function undici(): typeof Undici {
  loaded ??= load('undici') as typeof Undici;
  return loaded;
}

export async function preloadUndici(): Promise<void> {
  if (loaded !== undefined) return;
  const imported = (await import('undici')) as typeof Undici & { default?: typeof Undici };
  loaded ??= imported.default ?? imported;
}
