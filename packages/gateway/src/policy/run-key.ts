// What identifies an agent's run, for budgets and cost ceilings. A 2025
// client has a session. A 2026-07-28 client has none (stateless, changelog
// item 1), so its run is what its token names: the login session (`sid`),
// else the token itself (`jti`), else the identity over a fixed window.
// Whatever the key, a runaway loop meets the limit within that key's life.

import { z } from 'zod';
import type { Exchange } from '../exchange/exchange.ts';
import type { Caller } from '../identity/caller.ts';
import { callerOf } from './tool-selector.ts';
import { wholeNumber } from './settings-schema.ts';

const RUN_KEY_PARTS = ['session', 'sid', 'jti', 'identity'] as const;
export type RunKeyPart = (typeof RUN_KEY_PARTS)[number];

export interface RunKeyOptions {
  /** Tried in order; `identity` always answers, so it is the natural last. */
  order: readonly RunKeyPart[];
  /** Window for `identity`, and the life of a `sid` counter. */
  windowSeconds: number;
  /** Life of a `session` counter (at least the session's own TTL). */
  sessionTtlSeconds: number;
}

export interface RunKey {
  key: string;
  /** Which part identified the run, for audit (`details.run`). */
  scope: RunKeyPart;
  ttlSeconds: number;
}

export function runKeyOf(exchange: Exchange, options: RunKeyOptions, now: number): RunKey {
  const run = untenantedRunKeyOf(exchange, options, now);
  // Budgets and ceilings are counted per tenant (docs/tenants.md): one tenant's runs never draw on another's counters.
  return exchange.tenant === undefined ? run : { ...run, key: `tenant:${exchange.tenant}|${run.key}` };
}

function untenantedRunKeyOf(exchange: Exchange, options: RunKeyOptions, now: number): RunKey {
  const caller = callerOf(exchange);
  for (const part of options.order) {
    const key = keyFor(part, exchange, caller, options, now);
    if (key !== undefined) return key;
  }
  return identityKey(caller, options.windowSeconds, now);
}

function keyFor(part: RunKeyPart, exchange: Exchange, caller: Caller | undefined, options: RunKeyOptions, now: number): RunKey | undefined {
  switch (part) {
    case 'session':
      return exchange.session === undefined ? undefined : { key: `session:${exchange.session.id}`, scope: 'session', ttlSeconds: options.sessionTtlSeconds };
    case 'sid':
      return caller?.sessionHint === undefined ? undefined : { key: `sid:${caller.issuer}|${caller.sessionHint}`, scope: 'sid', ttlSeconds: options.windowSeconds };
    case 'jti': {
      // Every exchange mints a new jti (RFC 8693), so an exchanged token's run is its root principal's (`identity`), not a fresh one.
      if (caller?.tokenId === undefined || caller.actors.length > 0) return undefined;
      // The counter outlives the token by a minute, so a replayed or late call still counts.
      const life = caller.expiresAt === undefined ? options.windowSeconds : Math.max(60, Math.ceil((caller.expiresAt - now) / 1000) + 60);
      return { key: `jti:${caller.issuer}|${caller.tokenId}`, scope: 'jti', ttlSeconds: life };
    }
    case 'identity':
      return identityKey(caller, options.windowSeconds, now);
  }
}

/** Keyed on the root principal of the delegation chain: an exchanged token shares the window of the token it came from. */
function identityKey(caller: Caller | undefined, windowSeconds: number, now: number): RunKey {
  const window = Math.floor(now / (windowSeconds * 1000));
  const principal = caller === undefined ? 'anonymous' : JSON.stringify([caller.issuer, caller.rootPrincipal]);
  return { key: `identity:${principal}|${window}`, scope: 'identity', ttlSeconds: windowSeconds };
}

/** The settings every per-run policy (step_budget, cost_per_session) accepts. */
export const runKeyShape = {
  run_key: z.array(z.enum(RUN_KEY_PARTS, { error: `expected one of ${RUN_KEY_PARTS.join(', ')}` }), { error: 'expected a list' })
    .min(1, { error: 'expected at least one of session, sid, jti, identity' })
    .default(['session', 'sid', 'jti', 'identity']),
  window_seconds: wholeNumber(1, 31_536_000).default(3600),
  session_ttl_seconds: wholeNumber(1, 31_536_000).default(86_400),
};

export function runKeyOptions(settings: { run_key: readonly RunKeyPart[]; window_seconds: number; session_ttl_seconds: number }): RunKeyOptions {
  return { order: settings.run_key, windowSeconds: settings.window_seconds, sessionTtlSeconds: settings.session_ttl_seconds };
}
