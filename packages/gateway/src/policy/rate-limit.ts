// Rate limits (docs/policies.md: `rate_limit_per_user`, `requests_per_minute`): per
// user, agent, tool, backend or session, or any combination, counted with
// rate-limiter-flexible in memory or in Redis (shared by replicas, one
// pipelined round trip per call); the default sliding window in memory is
// counted synchronously instead (sliding-window-counters.ts), so a chain
// without Redis costs no promise. Three algorithms: a sliding window (the
// default, two aligned fixed windows weighted: sliding-window.ts), a token
// bucket (sustained rate plus a burst allowance: rlf's BurstyRateLimiter),
// and rlf's own fixed window. A limited call gets `rate_limited` with
// retry-after.

import { z } from 'zod';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Exchange } from '../exchange/exchange.ts';
import type { Decision, Policy } from './policy.ts';
import { PolicyError, describeWait } from './policy-error.ts';
import { list, oneOf, wholeNumber } from './settings-schema.ts';
import { callerOf, principalOf } from './tool-selector.ts';
import { slidingEstimate, slidingRetryAfterMs } from './sliding-window.ts';
import { SlidingWindowCounters } from './sliding-window-counters.ts';

const RATE_KEY_PARTS = ['user', 'agent', 'tool', 'backend', 'session'] as const;
type RateKeyPart = (typeof RATE_KEY_PARTS)[number];

const count = () => wholeNumber(1, 1_000_000_000);

export const rateLimitSettings = z
  .strictObject({
    requests_per_second: count().optional(),
    requests_per_minute: count().optional(),
    requests_per_hour: count().optional(),
    /** With `window_seconds`, for any other window. */
    requests: count().optional(),
    window_seconds: wholeNumber(1, 86_400).optional(),
    algorithm: oneOf(['sliding_window', 'token_bucket', 'fixed_window']).default('sliding_window'),
    /** token_bucket: how many requests may come at once (the bucket's size); default: the per-window limit. */
    burst: count().optional(),
    /** What one counter is kept for; several parts combine (per user and tool). */
    per: list(oneOf(RATE_KEY_PARTS)).min(1, { error: 'expected at least one of user, agent, tool, backend, session' }).default(['user']),
    store: oneOf(['auto', 'memory', 'redis']).default('auto'),
    /** When Redis cannot be reached: let calls through (recorded) or refuse them. */
    on_store_error: oneOf(['allow', 'deny']).default('allow'),
  })
  .superRefine((settings, context) => {
    const given = (['requests_per_second', 'requests_per_minute', 'requests_per_hour', 'requests'] as const).filter((key) => settings[key] !== undefined);
    if (given.length !== 1) {
      context.addIssue({ code: 'custom', path: given.length === 0 ? ['requests_per_minute'] : [given[1]!], message: 'expected exactly one of requests_per_second, requests_per_minute, requests_per_hour, or requests with window_seconds' });
    }
    if ((settings.requests === undefined) !== (settings.window_seconds === undefined)) {
      context.addIssue({ code: 'custom', path: [settings.requests === undefined ? 'requests' : 'window_seconds'], message: 'expected requests and window_seconds together' });
    }
  });

export type RateLimitSettings = z.infer<typeof rateLimitSettings>;

export interface RateLimitDependencies {
  /** A connected node-redis client; required when the store resolves to redis. */
  redisClient?: object | undefined;
  now?: () => number;
}

type LimitOutcome = { isAllowed: true; remaining: number; refund(): void } | { isAllowed: false; retryAfterMs: number };

interface Limiter {
  /** Synchronous for the memory sliding window; a promise from rlf's limiters. */
  consume(key: string, now: number): LimitOutcome | Promise<LimitOutcome>;
}

function limitOf(settings: RateLimitSettings): { limit: number; windowSeconds: number } {
  if (settings.requests_per_second !== undefined) return { limit: settings.requests_per_second, windowSeconds: 1 };
  if (settings.requests_per_minute !== undefined) return { limit: settings.requests_per_minute, windowSeconds: 60 };
  if (settings.requests_per_hour !== undefined) return { limit: settings.requests_per_hour, windowSeconds: 3600 };
  return { limit: settings.requests!, windowSeconds: settings.window_seconds! };
}

function isLimiterAnswer(value: unknown): value is RateLimiterRes {
  return value instanceof RateLimiterRes;
}

export function createRateLimit(name: string, settings: RateLimitSettings, dependencies: RateLimitDependencies = {}): Policy {
  const { limit, windowSeconds } = limitOf(settings);
  const now = dependencies.now ?? Date.now;
  const useRedis = settings.store === 'redis' || (settings.store === 'auto' && dependencies.redisClient !== undefined);
  if (useRedis && dependencies.redisClient === undefined) throw new Error('store is redis but the gateway has no Redis connection (set session_store to a redis:// URL)');
  const prefix = `gatehouse:rate:${name}`;
  const make = (points: number, duration: number, keyPrefix: string): RateLimiterAbstract => (useRedis
    ? new RateLimiterRedis({ storeClient: dependencies.redisClient, useRedisPackage: true, rejectIfRedisNotReady: true, points, duration, keyPrefix })
    : new RateLimiterMemory({ points, duration, keyPrefix }));
  const limiter = !useRedis && settings.algorithm === 'sliding_window'
    ? memorySlidingWindow(limit, windowSeconds)
    : createLimiter(settings.algorithm, limit, windowSeconds, settings.burst ?? limit, prefix, make);
  const describe = describeLimit(limit, windowSeconds);

  function decide(exchange: Exchange, outcome: LimitOutcome): Decision {
    if (outcome.isAllowed) return { policy: name, decision: 'allow', details: { remaining: outcome.remaining, limit } };
    const who = describeKey(settings.per, exchange);
    const message = `Rate limit reached: ${who} may make ${describe} (policy "${name}") and has used them all. Wait ${describeWait(outcome.retryAfterMs)} before calling again; calls sooner are refused too`;
    const details = { code: 'rate_limited', limit, remaining: 0, retry_after_ms: outcome.retryAfterMs };
    return { policy: name, decision: 'deny', reason: message, details, error: new PolicyError(name, 'rate_limited', message, { retryAfterMs: outcome.retryAfterMs, details }) };
  }

  function storeFailed(error: unknown): Decision {
    const detail = error instanceof Error ? error.message : String(error);
    if (settings.on_store_error === 'allow') return { policy: name, decision: 'allow', details: { store_error: detail } };
    const message = `The rate limit cannot be checked right now (its store is unavailable), so policy "${name}" refuses the call; retry in a few seconds`;
    return { policy: name, decision: 'deny', reason: message, details: { code: 'policy_failed', store_error: detail }, error: new PolicyError(name, 'policy_failed', message, { retryAfterMs: 5000 }) };
  }

  const policy: Policy = {
    name,
    type: 'rate_limit',
    onRequest(exchange): Decision | Promise<Decision> {
      // Only a Redis store prepares; in memory nothing is pending.
      const prepared = useRedis ? pending.get(exchange) : undefined;
      if (prepared !== undefined) pending.delete(exchange);
      const outcome = prepared ?? limiter.consume(keyOf(settings.per, exchange), now());
      return outcome instanceof Promise ? outcome.then((settled) => decide(exchange, settled), storeFailed) : decide(exchange, outcome);
    },
  };
  // In Redis, the counter is read with the other store-backed policies' commands, in one round trip (chain.ts).
  const pending = new WeakMap<Exchange, Promise<LimitOutcome>>();
  if (useRedis) {
    policy.prepare = (exchange) => {
      const outcome = Promise.resolve(limiter.consume(keyOf(settings.per, exchange), now()));
      outcome.catch(() => undefined);
      pending.set(exchange, outcome);
    };
    policy.release = (exchange) => {
      const prepared = pending.get(exchange);
      if (prepared === undefined) return;
      pending.delete(exchange);
      prepared.then((outcome) => (outcome.isAllowed ? outcome.refund() : undefined), () => undefined);
    };
  }
  return policy;
}

/**
 * The sliding window in this process's memory, answered synchronously (no
 * promise per call): the same estimate and retry-after as the Redis path.
 */
function memorySlidingWindow(limit: number, windowSeconds: number): Limiter {
  const windowMs = windowSeconds * 1000;
  const counters = new SlidingWindowCounters();
  return {
    consume(key, now) {
      const index = Math.floor(now / windowMs);
      const elapsedMs = now - index * windowMs;
      const { current, previous: counted } = counters.add(key, index);
      const previous = Math.min(counted, limit);
      const counts = { previous, current, elapsedMs, windowMs };
      const estimate = slidingEstimate(counts);
      if (current <= limit && estimate <= limit) {
        return { isAllowed: true, remaining: Math.max(0, Math.floor(limit - estimate)), refund: () => counters.refund(key, index) };
      }
      // A refused call is given back, so it does not weigh on the next window.
      counters.refund(key, index);
      return { isAllowed: false, retryAfterMs: slidingRetryAfterMs(limit, { ...counts, current: current - 1 }) };
    },
  };
}

function createLimiter(
  algorithm: RateLimitSettings['algorithm'],
  limit: number,
  windowSeconds: number,
  burst: number,
  prefix: string,
  make: (points: number, duration: number, keyPrefix: string) => RateLimiterAbstract,
): Limiter {
  const rejected = (error: unknown): RateLimiterRes => {
    if (isLimiterAnswer(error)) return error;
    throw error;
  };

  if (algorithm === 'fixed_window') {
    const fixed = make(limit, windowSeconds, `${prefix}:fixed`);
    return {
      consume: (key) => fixed.consume(key).then(
        (answer) => ({ isAllowed: true, remaining: answer.remainingPoints, refund: () => void fixed.reward(key, 1).catch(() => undefined) }),
        (error: unknown) => ({ isAllowed: false, retryAfterMs: rejected(error).msBeforeNext }),
      ),
    };
  }

  if (algorithm === 'token_bucket') {
    // Sustained rate in the shortest whole-second tick that holds at least one token; the burst refills over the time the sustained rate takes to earn it.
    const perSecond = limit / windowSeconds;
    const tick = Math.max(1, Math.ceil(1 / perSecond));
    const sustained = make(Math.max(1, Math.floor(perSecond * tick)), tick, `${prefix}:bucket`);
    const allowance = make(burst, Math.max(1, Math.ceil(burst / perSecond)), `${prefix}:burst`);
    const bucket = new BurstyRateLimiter(sustained, allowance);
    return {
      // A refund goes to the sustained limiter: which of the two paid cannot be told afterwards, and the burst refills by itself.
      consume: (key) => bucket.consume(key).then(
        (answer) => ({ isAllowed: true, remaining: Math.max(0, answer.remainingPoints), refund: () => void sustained.reward(key, 1).catch(() => undefined) }),
        (error: unknown) => ({ isAllowed: false, retryAfterMs: rejected(error).msBeforeNext }),
      ),
    };
  }

  // Sliding window: counters per aligned window, each living two windows so the previous one can still be read.
  const windowMs = windowSeconds * 1000;
  const windows = make(limit, windowSeconds * 2, `${prefix}:sliding`);
  const answerOf = (key: string, currentKey: string, elapsedMs: number, currentAnswer: RateLimiterRes, previousAnswer: RateLimiterRes | null): LimitOutcome => {
    const current = currentAnswer.consumedPoints;
    const previous = Math.min(previousAnswer === null ? 0 : previousAnswer.consumedPoints, limit);
    const counts = { previous, current, elapsedMs, windowMs };
    const estimate = slidingEstimate(counts);
    if (current <= limit && estimate <= limit) {
      return { isAllowed: true, remaining: Math.max(0, Math.floor(limit - estimate)), refund: () => void windows.reward(currentKey, 1).catch(() => undefined) };
    }
    // A refused call is given back, so it does not weigh on the next window.
    windows.reward(currentKey, 1).catch(() => undefined);
    return { isAllowed: false, retryAfterMs: slidingRetryAfterMs(limit, { ...counts, current: current - 1 }) };
  };
  return {
    consume(key, now) {
      const index = Math.floor(now / windowMs);
      const elapsedMs = now - index * windowMs;
      const currentKey = `${key}|${index}`;
      // Issued in one tick: node-redis writes both commands in one pipeline, so this is one round trip.
      const current = windows.consume(currentKey).catch(rejected);
      const previous = windows.get(`${key}|${index - 1}`);
      return current.then((currentAnswer) => previous.then((previousAnswer) => answerOf(key, currentKey, elapsedMs, currentAnswer, previousAnswer)));
    },
  };
}

/** A tenant's calls count in the tenant's own buckets (docs/tenants.md): no key is shared across tenants, so one cannot exhaust another's limits. */
function keyOf(parts: readonly RateKeyPart[], exchange: Exchange): string {
  const key = untenantedKeyOf(parts, exchange);
  return exchange.tenant === undefined ? key : `tenant:${exchange.tenant}|${key}`;
}

function untenantedKeyOf(parts: readonly RateKeyPart[], exchange: Exchange): string {
  if (parts.length === 1) return keyPart(parts[0]!, exchange);
  let key = '';
  for (const part of parts) key += (key === '' ? '' : '|') + keyPart(part, exchange);
  return key;
}

function keyPart(part: RateKeyPart, exchange: Exchange): string {
  switch (part) {
    case 'user':
      // principalOf's key, without building its label.
      return callerOf(exchange)?.rootPrincipal ?? 'anonymous';
    case 'agent':
      return `agent:${callerOf(exchange)?.agent ?? 'anonymous'}`;
    case 'tool':
      return `tool:${exchange.target?.backend ?? ''}/${exchange.target?.name ?? exchange.message.method}`;
    case 'backend':
      return `backend:${exchange.target?.backend ?? ''}`;
    case 'session':
      return `session:${exchange.session?.id ?? principalOf(exchange).key}`;
  }
}

function describeKey(parts: readonly RateKeyPart[], exchange: Exchange): string {
  const described = parts.map((part) => {
    switch (part) {
      case 'user':
        return principalOf(exchange).label;
      case 'agent':
        return `agent ${callerOf(exchange)?.agent ?? 'anonymous'}`;
      case 'tool':
        return `tool "${exchange.target?.name ?? exchange.message.method}"`;
      case 'backend':
        return `backend "${exchange.target?.backend ?? ''}"`;
      case 'session':
        return 'this session';
    }
  });
  return described.length === 1 ? described[0]! : `${described.slice(0, -1).join(', ')} with ${described.at(-1)!}`;
}

function describeLimit(limit: number, windowSeconds: number): string {
  const requests = `${limit} request${limit === 1 ? '' : 's'}`;
  if (windowSeconds === 1) return `${requests} a second`;
  if (windowSeconds === 60) return `${requests} a minute`;
  if (windowSeconds === 3600) return `${requests} an hour`;
  return `${requests} every ${windowSeconds} seconds`;
}
