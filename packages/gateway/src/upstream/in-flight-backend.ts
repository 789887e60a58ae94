// A Backend that counts its requests in flight, so a backend retired by a
// reload (removed, or replaced by one with a new config) is closed only once
// the calls already routed to it have answered. Everything else passes
// through to the wrapped backend unchanged.

import type { Backend } from './backend.ts';

export interface InFlightBackend extends Backend {
  readonly inFlight: number;
  /** Resolves when no request is in flight (at once if none is). */
  idle(): Promise<void>;
}

export function trackInFlight(backend: Backend): InFlightBackend {
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const settle = () => {
    inFlight -= 1;
    if (inFlight > 0 || waiters.length === 0) return;
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  };
  const bound = new Map<PropertyKey, unknown>();
  const own: Partial<Record<PropertyKey, unknown>> = {
    request(call: Parameters<Backend['request']>[0]) {
      inFlight += 1;
      let pending: ReturnType<Backend['request']>;
      try {
        pending = backend.request(call);
      } catch (error) {
        settle();
        throw error;
      }
      return pending.finally(settle);
    },
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  };
  // A Proxy rather than a copy of the interface: getters (state, handshake) stay live and methods other
  // wrappers add pass through; methods are bound to the backend, whose private fields need `this`.
  return new Proxy(backend, {
    get(target, property) {
      if (property === 'inFlight') return inFlight;
      if (Object.hasOwn(own, property)) return own[property];
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let method = bound.get(property);
      if (method === undefined) bound.set(property, (method = (value as (...args: unknown[]) => unknown).bind(target)));
      return method;
    },
  }) as InFlightBackend;
}
