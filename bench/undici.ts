// The undici the gateway itself ships (v8, a dependency of the gateway
// workspace), loaded from there so the bench does not lean on whichever copy
// npm happened to hoist to the root for an unrelated package.

import { createRequire } from 'node:module';

import type * as Undici from '../packages/gateway/node_modules/undici/index.d.ts';

const requireFromGateway = createRequire(new URL('../packages/gateway/package.json', import.meta.url));
const undici = requireFromGateway('undici') as typeof Undici;

export const Pool = undici.Pool;
export type Pool = Undici.Pool;
