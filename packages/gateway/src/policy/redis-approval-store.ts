// Approval requests in Redis, so every replica sees the same queue: a call
// held on one replica is approved through the admin API of another, and a
// 2026-07-28 retry lands wherever the load balancer sends it. Each request
// is one JSON value; its state changes (decide, settle) are compare-and-set
// Lua scripts, so two approvers or two retries cannot both win: a vote is
// counted by approval-decision.ts here and written only if no other vote
// landed since it was read (else read again and recount). A waiting
// call polls its request (a held call is rare and waits seconds, so a short
// poll costs less than a subscriber connection per replica).

import type { RedisCommands } from './redis-counter-store.ts';
import { withCurrentShape, type ApprovalRequest, type ApprovalStatus, type ApprovalStore } from './approval-store.ts';
import { castVote, type ApprovalVoteInput, type ApprovalVoteOutcome } from './approval-decision.ts';

/** How long a decided or expired request stays listable after its expiry. */
const KEEP_AFTER_EXPIRY_MS = 7 * 24 * 3600_000;
/** The index is trimmed to this many newest requests. */
const MAX_INDEXED = 10_000;
const POLL_MS = 250;
/** Votes landing at the same moment on one request: each loser reads again and recounts, this many times at most. */
const MAX_VOTE_ATTEMPTS = 16;

// KEYS[1] the request. ARGV: approvals counted when it was read, the new value (JSON), now.
// Every counted vote adds an approval or ends `pending`, so (pending, count) is the request's version.
// The new value is stored as sent: re-encoding with cjson would turn empty arrays into objects.
const RECORD_VOTE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local request = cjson.decode(raw)
if request.status ~= 'pending' or tonumber(request.expiresAt) <= tonumber(ARGV[3]) then return 0 end
local count = 0
if type(request.approvedBy) == 'table' then count = #request.approvedBy end
if count ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
`;

// KEYS[1] the request. ARGV: closedAt.
const SETTLE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local request = cjson.decode(raw)
if request.status ~= 'approved' and request.status ~= 'denied' then return 0 end
request.status = 'closed'
request.closedAt = tonumber(ARGV[1])
redis.call('SET', KEYS[1], cjson.encode(request), 'KEEPTTL')
return 1
`;

export class RedisApprovalStore implements ApprovalStore {
  readonly #client: RedisCommands;
  readonly #prefix: string;
  readonly #now: () => number;

  constructor(client: RedisCommands, options: { prefix?: string; now?: () => number } = {}) {
    this.#client = client;
    this.#prefix = options.prefix ?? 'gatehouse:approval:';
    this.#now = options.now ?? Date.now;
  }

  async create(request: ApprovalRequest): Promise<void> {
    const keepMs = Math.max(1, request.expiresAt - this.#now()) + KEEP_AFTER_EXPIRY_MS;
    await Promise.all([
      this.#client.sendCommand(['SET', this.#key(request.id), JSON.stringify(request), 'PX', String(keepMs)]),
      this.#client.sendCommand(['SET', this.#openKey(request.requester.identityKey, request.backend, request.tool, request.argumentsHash), request.id, 'PX', String(keepMs)]),
      this.#client.sendCommand(['ZADD', this.#indexKey(), String(request.createdAt), request.id]),
      this.#client.sendCommand(['ZREMRANGEBYRANK', this.#indexKey(), '0', String(-MAX_INDEXED - 1)]),
    ]);
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    return this.#read(await this.#client.sendCommand(['GET', this.#key(id)]));
  }

  async findOpen(requesterKey: string, backend: string, tool: string, argumentsHash: string): Promise<ApprovalRequest | undefined> {
    const id = await this.#client.sendCommand(['GET', this.#openKey(requesterKey, backend, tool, argumentsHash)]);
    if (typeof id !== 'string') return undefined;
    const request = await this.get(id);
    return request === undefined || request.status === 'expired' || request.status === 'closed' ? undefined : request;
  }

  async list(filter: { status?: ApprovalStatus } = {}): Promise<ApprovalRequest[]> {
    const ids = (await this.#client.sendCommand(['ZRANGE', this.#indexKey(), '0', '-1'])) as string[];
    if (ids.length === 0) return [];
    const values = (await this.#client.sendCommand(['MGET', ...ids.map((id) => this.#key(id))])) as Array<string | null>;
    const found: ApprovalRequest[] = [];
    for (const value of values) {
      const request = this.#read(value);
      if (request !== undefined && (filter.status === undefined || request.status === filter.status)) found.push(request);
    }
    return found.sort((a, b) => a.createdAt - b.createdAt);
  }

  async decide(id: string, vote: ApprovalVoteInput): Promise<ApprovalVoteOutcome> {
    for (let attempt = 0; attempt < MAX_VOTE_ATTEMPTS; attempt++) {
      const current = await this.get(id);
      const outcome = castVote(current, vote);
      if (!outcome.isCounted) return outcome;
      const args = [String(current!.approvedBy.length), JSON.stringify(outcome.request), String(this.#now())];
      if (Number(await this.#client.sendCommand(['EVAL', RECORD_VOTE, '1', this.#key(id), ...args])) === 1) return outcome;
    }
    throw new Error(`approval ${id}: ${MAX_VOTE_ATTEMPTS} votes landed at the same moment as this one; decide again`);
  }

  async settle(id: string, at: number): Promise<boolean> {
    return Number(await this.#client.sendCommand(['EVAL', SETTLE, '1', this.#key(id), String(at)])) === 1;
  }

  async waitForDecision(id: string, signal: AbortSignal): Promise<ApprovalRequest | undefined> {
    while (!signal.aborted) {
      const request = await this.get(id);
      if (request === undefined) return undefined;
      if (request.status !== 'pending') return request;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, POLL_MS);
        function done() {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
    }
    return undefined;
  }

  /** Parses a stored request, with expiry applied on read as the memory store does. */
  #read(value: unknown): ApprovalRequest | undefined {
    if (typeof value !== 'string') return undefined;
    const request = JSON.parse(value) as ApprovalRequest;
    // cjson writes an absent optional as nothing, a JSON null as null and an empty array as {}: normalise.
    for (const key of ['decidedAt', 'decidedBy', 'decisionReason', 'closedAt', 'approverRole'] as const) if (request[key] === null) delete request[key];
    withCurrentShape(request);
    for (const party of [request.requester, request.decidedBy, ...request.approvedBy.map((vote) => vote.by)]) {
      if (party?.user === null) party.user = undefined;
    }
    if (request.status === 'pending' && request.expiresAt <= this.#now()) request.status = 'expired';
    return request;
  }

  #key(id: string): string {
    return `${this.#prefix}${id}`;
  }

  #openKey(requesterKey: string, backend: string, tool: string, argumentsHash: string): string {
    return `${this.#prefix}open:${JSON.stringify([requesterKey, backend, tool, argumentsHash])}`;
  }

  #indexKey(): string {
    return `${this.#prefix}index`;
  }
}
