// The replay cache of ID-JAGs (id-jag-grant.ts): an assertion is a bearer
// secret, so each grant id is used once until it expires (RFC 7521 section
// 5.2 leaves replay to the server). In memory for one process; replicas
// sharing a Redis session store share it there (redis-seen-grants.ts), or a
// grant could be used once per replica.

export interface SeenGrants {
  /**
   * Records `id` as used until `expiresAtMs`; resolves false when it was
   * already used and has not expired. Rejects when the cache cannot answer
   * (the shared store is away): the grant is then neither accepted nor refused.
   */
  claim(id: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
}

export class MemorySeenGrants implements SeenGrants {
  readonly #expiries = new Map<string, number>();

  claim(id: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    for (const [seen, expiry] of this.#expiries) if (expiry <= nowMs) this.#expiries.delete(seen);
    if (this.#expiries.has(id)) return Promise.resolve(false);
    this.#expiries.set(id, expiresAtMs);
    return Promise.resolve(true);
  }
}
