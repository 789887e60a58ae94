// The in-process test client (a mock client's convenience, with the
// official SDK client rather than a mock): it speaks the real protocol to a
// kit server through its fetch handler, without a socket, as a caller with
// the identity and scopes a test chooses, in either protocol era.

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { AuthInfo, CallToolResult, ElicitRequest, ElicitResult, ReadResourceResult } from '@modelcontextprotocol/server';

import type { CallerExtra } from '../identity/caller.ts';
import type { KitServer } from '../server/kit-server.ts';

export interface TestIdentity {
  subject: string;
  scopes: readonly string[];
  clientId?: string;
  /** The service acting for `subject` (token exchange), e.g. "gatehouse". */
  actor?: string;
  claims?: Record<string, unknown>;
}

export interface TestClientOptions {
  /** Omitted: an unauthenticated caller (scopes are not checked, as on a server without auth). */
  identity?: TestIdentity;
  /** `modern` (default): 2026-07-28 per request. `legacy`: a 2025-11-25 session. */
  era?: 'modern' | 'legacy';
  /** Extra headers on every request, e.g. a traceparent. */
  headers?: Record<string, string>;
  /** Answers the server's elicitations (both eras); without it the client declares no elicitation capability. */
  onElicitation?: (params: ElicitRequest['params']) => ElicitResult | Promise<ElicitResult>;
}

export interface TestClient {
  readonly client: Client;
  readonly era: 'legacy' | 'modern';
  callTool(name: string, args?: Record<string, unknown>, meta?: Record<string, unknown>): Promise<CallToolResult>;
  readResource(uri: string, meta?: Record<string, unknown>): Promise<ReadResourceResult>;
  close(): Promise<void>;
}

/** The AuthInfo a verified token for `identity` would give, as the kit's verifiers build it. */
export function testAuthInfo(identity: TestIdentity): AuthInfo {
  const extra: CallerExtra = { subject: identity.subject, claims: identity.claims ?? { sub: identity.subject }, ...(identity.actor !== undefined && { actor: identity.actor }) };
  return {
    token: `test-token-for-${identity.subject}`,
    clientId: identity.clientId ?? 'test-client',
    scopes: [...identity.scopes],
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
    extra: extra as unknown as Record<string, unknown>,
  };
}

export async function connectTestClient(kit: KitServer, options: TestClientOptions = {}): Promise<TestClient> {
  const authInfo = options.identity === undefined ? undefined : testAuthInfo(options.identity);
  const client = new Client(
    { name: 'gatehouse-kit-test-client', version: '1.0.0' },
    {
      versionNegotiation: { mode: options.era === 'legacy' ? 'legacy' : 'auto' },
      capabilities: options.onElicitation === undefined ? {} : { elicitation: { form: {} } },
    },
  );
  const onElicitation = options.onElicitation;
  if (onElicitation !== undefined) client.setRequestHandler('elicitation/create', (request) => onElicitation(request.params));
  const transport = new StreamableHTTPClientTransport(new URL(`http://kit.test${kit.path}`), {
    fetch: async (input, init) => {
      const request = new Request(input, init);
      for (const [name, value] of Object.entries(options.headers ?? {})) request.headers.set(name, value);
      return kit.serveMcp(request, authInfo);
    },
  });
  await client.connect(transport);
  return {
    client,
    era: client.getProtocolEra() ?? 'legacy',
    async callTool(name, args = {}, meta) {
      return (await client.callTool({ name, arguments: args, ...(meta !== undefined && { _meta: meta }) })) as CallToolResult;
    },
    async readResource(uri, meta) {
      return (await client.readResource({ uri, ...(meta !== undefined && { _meta: meta }) })) as ReadResourceResult;
    },
    close: () => client.close(),
  };
}
