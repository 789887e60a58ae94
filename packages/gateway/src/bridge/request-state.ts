// The `requestState` the gateway hands to 2026-07-28 clients in an
// `input_required` result (basic/patterns/mrtr). It is sealed with AES-256-GCM
// so a client can neither read nor alter it, and it binds the retry to the
// endpoint, backend, method and target it was issued for, to the caller, and
// to an expiry, as the MRTR server requirements ask ("treat requestState as
// attacker-controlled"; replay bounded by principal, TTL and request).

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { rpcErrors, type GatewayRpcError } from '../protocol/errors.ts';

const PREFIX = 'gh1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD = Buffer.from('gatehouse/mrtr-request-state/v1');

/** What the sealed state says. Short keys: it travels with every retry. */
export interface RequestStatePayload {
  /**
   * `pass`: a 2026 backend's own state, wrapped; `pending`: a 2025 backend's
   * call held by the gateway; `approval`: a call waiting for a human approval
   * (bridge/approval-round.ts), which the backend has not seen yet.
   */
  kind: 'pass' | 'pending' | 'approval';
  /** Endpoint scope (`''` for /mcp), backend, method and the client-visible tool/prompt name or URI. */
  endpoint: string;
  backend: string;
  method: string;
  target: string;
  /** Stable key of the identity the state was issued to (`anonymous` until the identity issue). */
  caller: string;
  /** Epoch milliseconds after which the state is refused. */
  expiresAt: number;
  /** `pass`: the backend's requestState, if it gave one. */
  inner?: string;
  /** `pending`: which held call, and which round of it, so a second use of one state is refused. */
  pendingId?: string;
  round?: number;
  /** `pending` with shared sessions: the replica holding the call, so a retry elsewhere is forwarded to it. */
  replica?: string;
  /** `approval`: the approval request, and the hash of the arguments it approves (a retry with other arguments is refused). */
  approvalId?: string;
  argumentsHash?: string;
}

export interface RequestStateExpectation {
  endpoint: string;
  method: string;
  target: string;
  caller: string;
  now: number;
}

export class RequestStateSealer {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('the requestState key must be 32 bytes (AES-256)');
    this.#key = key;
  }

  /** A sealer with a key from GATEHOUSE_STATE_SECRET (64 hex chars; shared by replicas), else a random one per process. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): RequestStateSealer {
    const secret = env.GATEHOUSE_STATE_SECRET;
    if (secret !== undefined && /^[0-9a-fA-F]{64}$/.test(secret)) return new RequestStateSealer(Buffer.from(secret, 'hex'));
    return new RequestStateSealer(randomBytes(32));
  }

  seal(payload: RequestStatePayload): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(AAD);
    const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** Opens and checks a state presented on a retry; throws a -32602 error that says what is wrong. */
  open(state: unknown, expected: RequestStateExpectation): RequestStatePayload {
    const payload = this.#decrypt(state);
    if (payload === undefined) {
      throw rpcErrors.invalidParams('requestState was not issued by this gateway or has been altered; send the request again without requestState and inputResponses');
    }
    if (payload.expiresAt < expected.now) throw stale('it has expired');
    if (payload.caller !== expected.caller) throw stale('it was issued to another caller');
    if (payload.endpoint !== expected.endpoint || payload.method !== expected.method || payload.target !== expected.target) {
      throw stale(`it belongs to ${payload.method} of "${payload.target}", not this request`);
    }
    return payload;
  }

  /** What a state says without checking it against a request (forwarding decides by its replica); `undefined` if it is not genuine. */
  peek(state: unknown): RequestStatePayload | undefined {
    return this.#decrypt(state);
  }

  #decrypt(state: unknown): RequestStatePayload | undefined {
    if (typeof state !== 'string' || !state.startsWith(PREFIX) || state.length > 256 * 1024) return undefined;
    const raw = Buffer.from(state.slice(PREFIX.length), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES + 2) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(AAD);
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      return JSON.parse(text) as RequestStatePayload;
    } catch {
      return undefined;
    }
  }
}

function stale(reason: string): GatewayRpcError {
  return rpcErrors.invalidParams(`requestState cannot be used: ${reason}; send the request again without requestState and inputResponses`);
}
