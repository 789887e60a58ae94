// Small factories for the policy tests: callers built the way identity
// builds them (from claims), Exchanges as the transport opens them (after
// routing set the target), the demo CRM's tool definitions, and its
// customer records and a typical get_customer result, PII included.

import type { Exchange } from '../../src/exchange/exchange.ts';
import { LEGACY_CLIENT_CODEC } from '../../src/transport/rev2025/legacy-codec.ts';
import { MODERN_CLIENT_CODEC } from '../../src/transport/rev2026/modern-codec.ts';
import { nextExchangeId } from '../../src/exchange/exchange.ts';
import type { ClientRelay } from '../../src/exchange/client-relay.ts';
import type { JsonRpcNotification, JsonRpcResponse } from '../../src/protocol/jsonrpc.ts';
import { ANONYMOUS_CALLER, callerFromClaims, type Caller } from '../../src/identity/caller.ts';
import { NOOP_MESSAGE_TRACE } from '../../src/telemetry/pass-through-tracing.ts';
import type { LegacySession } from '../../src/session/session.ts';
import type { ToolDefinition, ToolDefinitions } from '../../src/policy/tool-definitions.ts';

export interface CallerOptions {
  agent?: string;
  user?: string;
  scopes?: readonly string[];
  roles?: readonly string[];
  sid?: string;
  jti?: string;
  /** RFC 8693 `act` chain, current actor first: nested `act` claims. */
  actors?: readonly string[];
}

export function makeCaller(options: CallerOptions = {}): Caller {
  const agent = options.agent ?? 'support';
  const claims: Record<string, unknown> = {
    iss: 'https://idp.example',
    sub: options.user ?? agent,
    client_id: agent,
    scope: (options.scopes ?? []).join(' '),
    roles: [...(options.roles ?? [])],
    exp: Math.floor(Date.now() / 1000) + 600,
  };
  if (options.actors !== undefined && options.actors.length > 0) {
    claims.act = options.actors.reduceRight<Record<string, unknown> | undefined>((inner, actor) => ({ sub: actor, ...(inner === undefined ? {} : { act: inner }) }), undefined);
  }
  if (options.sid !== undefined) claims.sid = options.sid;
  if (options.jti !== undefined) claims.jti = options.jti;
  return callerFromClaims(claims, { mode: 'hybrid' });
}

export interface ExchangeOptions {
  method?: string;
  backend?: string;
  tool?: string;
  args?: Record<string, unknown>;
  caller?: Caller | undefined;
  era?: 'modern' | 'legacy';
  capabilities?: Record<string, unknown>;
  sessionId?: string;
  progressToken?: string | number;
  /** Answers requests a 2025-era client would get on the call's stream. */
  answerRequest?: (method: string, params: Record<string, unknown> | undefined) => Promise<JsonRpcResponse>;
  signal?: AbortSignal;
}

export type TestExchange = Exchange & { notifications: JsonRpcNotification[]; requests: { method: string; params: Record<string, unknown> | undefined }[] };

export function makeExchange(options: ExchangeOptions = {}): TestExchange {
  const method = options.method ?? 'tools/call';
  const era = options.era ?? 'legacy';
  const params: Record<string, unknown> = {};
  if (options.tool !== undefined) params.name = `${options.backend ?? 'crm'}__${options.tool}`;
  if (options.args !== undefined) params.arguments = options.args;
  if (options.progressToken !== undefined) params._meta = { progressToken: options.progressToken };
  const notifications: JsonRpcNotification[] = [];
  const requests: { method: string; params: Record<string, unknown> | undefined }[] = [];
  const relay: ClientRelay = {
    notify: (notification) => void notifications.push(notification),
    request: options.answerRequest === undefined
      ? undefined
      : (requestMethod, requestParams) => {
          requests.push({ method: requestMethod, params: requestParams });
          return options.answerRequest!(requestMethod, requestParams);
        },
  };
  const session: LegacySession | undefined = era === 'legacy'
    ? { id: options.sessionId ?? `session-${nextExchangeId()}`, protocolVersion: '2025-11-25', clientInfo: undefined, clientCapabilities: options.capabilities ?? {}, endpointBackend: undefined, isInitialized: true, createdAt: Date.now(), lastSeenAt: Date.now() }
    : undefined;
  const exchange: Exchange = {
    id: nextExchangeId(),
    startedAt: performance.now(),
    message: { jsonrpc: '2.0', id: 1, method, params },
    client: { protocolVersion: era === 'modern' ? '2026-07-28' : '2025-11-25', era, codec: era === 'modern' ? MODERN_CLIENT_CODEC : LEGACY_CLIENT_CODEC, info: undefined, capabilities: options.capabilities ?? {}, logLevel: undefined },
    endpointBackend: undefined,
    session,
    caller: options.caller ?? ANONYMOUS_CALLER,
    target: options.tool === undefined ? undefined : { backend: options.backend ?? 'crm', kind: 'tool', name: options.tool },
    decisions: [],
    signal: options.signal ?? new AbortController().signal,
    relay,
    trace: NOOP_MESSAGE_TRACE,
    backendSeconds: undefined,
    backendError: undefined,
  };
  return Object.assign(exchange, { notifications, requests });
}

/** The demo CRM's tools as its server lists them (packages/demo-crm), enough for schemas and pins. */
export function crmTools(): Record<string, ToolDefinition> {
  return {
    get_customer: {
      name: 'get_customer',
      title: 'Get customer',
      description: 'Fetch one customer record by id: contact details, tier, address, payment card, notes.',
      inputSchema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { customer_id: { type: 'string', minLength: 1, maxLength: 64, description: 'The customer id, e.g. "C-1001".' } },
        required: ['customer_id'],
        additionalProperties: false,
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    search_customers: {
      name: 'search_customers',
      description: 'Find customers whose name, email, company, city, id or phone number contains the query.',
      inputSchema: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: { query: { type: 'string', minLength: 2, maxLength: 200 }, limit: { type: 'integer', minimum: 1, maximum: 50 } },
        required: ['query'],
      },
    },
    send_mass_email: {
      name: 'send_mass_email',
      description: 'Queue one email campaign to a customer segment.',
      inputSchema: {
        type: 'object',
        properties: {
          segment: { type: 'string', enum: ['all', 'enterprise', 'pro', 'free'] },
          subject: { type: 'string' },
          body: { type: 'string' },
          recipient_count: { type: 'integer', minimum: 1 },
          reply_to: { type: 'string', format: 'email' },
        },
        required: ['segment', 'subject', 'body', 'recipient_count'],
      },
    },
  };
}

/** A lookup over a mutable table, so tests can change a definition the way a backend's list_changed would. */
export function toolTable(tools: Record<string, Record<string, ToolDefinition>> = { crm: crmTools() }): { lookup: ToolDefinitions; tools: Record<string, Record<string, ToolDefinition>> } {
  return { tools, lookup: (backend, tool) => tools[backend]?.[tool] };
}

/** A demo CRM customer record, PII included (email, phone, address, card number, SSN, birth date); `overrides` replace or add fields. */
export function crmCustomer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'C-1001',
    name: 'Maria Gonzalez',
    company: 'Sunline Logistics',
    email: 'maria.gonzalez@example.com',
    phone: '+1 415-555-0132',
    tier: 'enterprise',
    address: { street: '1450 Mission Street, Suite 300', city: 'San Francisco', region: 'CA', postal_code: '94103', country: 'US' },
    payment_card: { brand: 'visa', number: '4111 1111 1111 1111', expiry: '2027-08' },
    ssn: '512-44-1873',
    date_of_birth: '1984-03-12',
    notes: 'Primary contact for the Sunline renewal. Prefers email over phone.',
    created_at: '2021-04-19T09:12:00Z',
    ...overrides,
  };
}

/** A get_customer result as the demo CRM returns it: text and structuredContent, PII included. */
export function customerResult(): Record<string, unknown> {
  const customer = crmCustomer();
  return { content: [{ type: 'text', text: JSON.stringify(customer, null, 2) }], structuredContent: { customer } };
}

/** Whether Redis answers at 127.0.0.1:6379; tests skip without it unless CI=true. */
export async function redisUrlIfAvailable(): Promise<string | undefined> {
  const { createConnection } = await import('node:net');
  const isUp = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port: 6379 });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.write('PING\r\n');
    });
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
  return isUp ? 'redis://127.0.0.1:6379' : undefined;
}
