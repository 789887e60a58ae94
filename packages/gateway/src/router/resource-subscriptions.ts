// Resource subscriptions, shared: however many clients subscribe to one URI,
// the backend that owns it is subscribed once, and released when the last
// subscriber leaves (a 2025 session ending, a 2026 listen stream closing).
// Updates from the backend go to exactly the subscribers of that URI, each
// under the URI it subscribed with: `/mcp` shows MCP Apps' ui:// pages with
// the backend in the URI (catalog/app-ui.ts), so two backends' same URI are
// two subscriptions, and an update reaches a `/mcp` subscriber qualified.

import type { Backend } from '../upstream/backend.ts';
import type { JsonRpcNotification } from '../protocol/jsonrpc.ts';
import type { Logger } from '../telemetry/logger.ts';
import { GatewayRpcError, RPC } from '../protocol/errors.ts';

/** Who gets an update: a 2025 session's GET stream or a 2026 listen stream, by an id its transport understands. */
export type SubscriberDelivery = (subscriber: string, notification: JsonRpcNotification) => void;

interface UriSubscription {
  backend: Backend;
  /** The backend's own URI. */
  uri: string;
  /** Subscriber -> the URI it subscribed with (the backend's, or the one its view shows). */
  subscribers: Map<string, string>;
  /** The backend subscription in progress or done; shared by concurrent first subscribers. */
  established: Promise<void>;
}

/** One subscription per backend and backend URI. */
function keyOf(backend: string, uri: string): string {
  return `${backend}\u0000${uri}`;
}

export class ResourceSubscriptions {
  /** By keyOf(backend, backend URI). */
  readonly #byUri = new Map<string, UriSubscription>();
  readonly #bySubscriber = new Map<string, Set<string>>();
  readonly #deliver: SubscriberDelivery;
  readonly #logger: Logger;

  readonly #attached = new Map<Backend, () => void>();

  constructor(backends: readonly Backend[], deliver: SubscriberDelivery, logger: Logger) {
    this.#deliver = deliver;
    this.#logger = logger;
    for (const backend of backends) this.addBackend(backend);
  }

  /** Starts relaying a backend's resource updates (at start, or when a reload or discovery adds it). */
  addBackend(backend: Backend): void {
    if (this.#attached.has(backend)) return;
    const stopUpdates = backend.onNotification((notification) => {
      if (notification.method === 'notifications/resources/updated') this.#fanOut(backend, notification);
    });
    // A restarted backend forgot its subscriptions: make them again.
    const stopRenewals = backend.onStateChange((state) => {
      if (state !== 'ready') return;
      // 2026 backends renew their own listen after a restart.
      if (backend.handshake?.era === 'legacy') this.#renew(backend);
    });
    this.#attached.set(backend, () => {
      stopUpdates();
      stopRenewals();
    });
  }

  /**
   * A backend's config changed and a new Backend took its place: the URIs
   * subscribed on the old one are subscribed on the new one, so subscribers
   * keep hearing updates.
   */
  replaceBackend(previous: Backend, next: Backend): void {
    this.addBackend(next);
    this.#detach(previous);
    let hasAny = false;
    for (const [key, subscription] of this.#byUri) {
      if (subscription.backend !== previous) continue;
      subscription.backend = next;
      // A reconfigured backend keeps its name; the key stays right unless it does not.
      if (next.name !== previous.name) {
        this.#byUri.delete(key);
        this.#byUri.set(keyOf(next.name, subscription.uri), subscription);
      }
      hasAny = true;
    }
    if (!hasAny) return;
    if (next.handshake?.era === 'legacy') this.#renew(next);
    else next.setResourceSubscriptions(this.#urisOf(next)).catch((error: unknown) => this.#logger.warn({ backend: next.name, err: error }, 'could not move resource subscriptions to the reconfigured backend'));
  }

  /** A backend left the gateway: its URIs get no more updates (their subscribers are not told; the resource is gone). */
  removeBackend(backend: Backend): void {
    this.#detach(backend);
    for (const [key, subscription] of this.#byUri) {
      if (subscription.backend !== backend) continue;
      this.#byUri.delete(key);
      for (const subscriber of subscription.subscribers.keys()) this.#bySubscriber.get(subscriber)?.delete(key);
    }
  }

  #detach(backend: Backend): void {
    this.#attached.get(backend)?.();
    this.#attached.delete(backend);
  }

  #renew(backend: Backend): void {
    for (const subscription of this.#byUri.values()) {
      if (subscription.backend !== backend) continue;
      const uri = subscription.uri;
      subscription.established = this.#subscribeUpstream(backend, uri);
      subscription.established.catch((error: unknown) => this.#logger.warn({ backend: backend.name, uri, err: error }, 'could not renew a resource subscription after the backend restarted'));
    }
  }

  /** Number of URIs the gateway holds a backend subscription for. */
  get size(): number {
    return this.#byUri.size;
  }

  subscribersOf(backend: string, uri: string): number {
    return this.#byUri.get(keyOf(backend, uri))?.subscribers.size ?? 0;
  }

  /** `uri` is the backend's own; `clientUri`, the one the subscriber used (its updates carry it). */
  async subscribe(subscriber: string, uri: string, backend: Backend, clientUri = uri): Promise<void> {
    const key = keyOf(backend.name, uri);
    let subscription = this.#byUri.get(key);
    if (subscription === undefined) {
      if (backend.handshake?.capabilities.resources === undefined || (backend.handshake.capabilities.resources as { subscribe?: unknown }).subscribe !== true) {
        throw new GatewayRpcError(RPC.invalidParams, `Backend "${backend.name}" does not support resource subscriptions, so "${uri}" cannot be watched; read it again instead`);
      }
      subscription = { backend, uri, subscribers: new Map(), established: Promise.resolve() };
      // In the map before subscribing upstream: a 2026 backend is sent the whole set, this URI included.
      this.#byUri.set(key, subscription);
      subscription.established = this.#subscribeUpstream(backend, uri);
    }
    subscription.subscribers.set(subscriber, clientUri);
    let keys = this.#bySubscriber.get(subscriber);
    if (keys === undefined) this.#bySubscriber.set(subscriber, (keys = new Set()));
    keys.add(key);
    try {
      await subscription.established;
    } catch (error) {
      this.unsubscribe(subscriber, uri, backend.name);
      throw error;
    }
  }

  unsubscribe(subscriber: string, uri: string, backendName: string): void {
    this.#release(subscriber, keyOf(backendName, uri));
  }

  #release(subscriber: string, key: string): void {
    this.#bySubscriber.get(subscriber)?.delete(key);
    const subscription = this.#byUri.get(key);
    if (subscription === undefined || !subscription.subscribers.delete(subscriber) || subscription.subscribers.size > 0) return;
    this.#byUri.delete(key);
    const uri = subscription.uri;
    const backend = subscription.backend;
    if (backend.handshake?.era !== 'legacy') {
      backend.setResourceSubscriptions(this.#urisOf(backend)).catch((error: unknown) => {
        this.#logger.warn({ backend: backend.name, uri, err: error }, 'could not release a backend resource subscription');
      });
      return;
    }
    backend.request({ method: 'resources/unsubscribe', params: { uri } }).catch((error: unknown) => {
      this.#logger.warn({ backend: subscription.backend.name, uri, err: error }, 'could not release a backend resource subscription');
    });
  }

  /** Drops everything a subscriber held (its session ended or its stream closed). */
  releaseAll(subscriber: string): void {
    const keys = this.#bySubscriber.get(subscriber);
    if (keys === undefined) return;
    this.#bySubscriber.delete(subscriber);
    for (const key of keys) this.#release(subscriber, key);
  }

  async #subscribeUpstream(backend: Backend, uri: string): Promise<void> {
    // 2026-07-28 backends take the whole set on their subscriptions/listen stream (upstream/modern-listen.ts).
    if (backend.handshake?.era !== 'legacy') return backend.setResourceSubscriptions(this.#urisOf(backend));
    const response = await backend.request({ method: 'resources/subscribe', params: { uri } });
    if ('error' in response) throw new GatewayRpcError(response.error.code, `Backend "${backend.name}" refused the subscription to "${uri}": ${response.error.message}`);
  }

  /** Every URI the gateway wants updates for from one backend. */
  #urisOf(backend: Backend): string[] {
    const uris: string[] = [];
    for (const subscription of this.#byUri.values()) if (subscription.backend === backend) uris.push(subscription.uri);
    return uris;
  }

  #fanOut(backend: Backend, notification: JsonRpcNotification): void {
    const uri = notification.params?.uri;
    if (typeof uri !== 'string') return;
    const subscription = this.#byUri.get(keyOf(backend.name, uri));
    if (subscription === undefined || subscription.backend !== backend) return;
    for (const [subscriber, clientUri] of subscription.subscribers) {
      this.#deliver(subscriber, clientUri === uri ? notification : { ...notification, params: { ...notification.params, uri: clientUri } });
    }
  }
}
