// Opaque tokens: RFC 7662 introspection at the authorization server. The
// answer becomes the same claims shape a JWT carries, checked for issuer and
// audience the same way, and is cached by the verifier for at most the
// token's remaining life (and at most `maxCacheSeconds`, since catching
// revocation is why one introspects at all).

import { AuthError } from './auth-error.ts';
import type { Fetch } from './authorization-server-metadata.ts';
import { isOAuthRequestError, postForm, type ClientAuthentication } from './oauth-token-client.ts';

export interface IntrospectionOptions {
  /** The introspection endpoint; discovered from issuer metadata when omitted. */
  endpoint?: string;
  /** RFC 7662 section 2.1: the resource server authenticates to the endpoint. */
  client: ClientAuthentication;
  /** Upper bound on caching an active answer. Default 60 s. */
  maxCacheSeconds?: number;
  fetch?: Fetch;
  timeoutMs?: number;
}

/** Asks the endpoint about `token`; active answers come back as claims, anything else as an AuthError. */
export async function introspectToken(endpoint: string, token: string, options: IntrospectionOptions): Promise<Record<string, unknown>> {
  let answer: Record<string, unknown>;
  try {
    answer = await postForm(endpoint, { token, token_type_hint: 'access_token' }, options.client, {
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      timeoutMs: options.timeoutMs ?? 5000,
    });
  } catch (error) {
    const detail = isOAuthRequestError(error) ? error.message : String(error);
    throw new AuthError('introspection_failed', `The token could not be checked: the introspection endpoint failed (${detail}); retry shortly`, { cause: error });
  }
  // RFC 7662 section 2.2: `active` is the only required member; anything but `true` means do not accept.
  if (answer.active !== true) throw new AuthError('inactive', 'The token is not active (revoked, expired or unknown to the authorization server); get a new token');
  if (typeof answer.token_type === 'string' && answer.token_type.toLowerCase() !== 'bearer' && answer.token_type !== 'access_token') {
    throw new AuthError('malformed', `The token is a "${answer.token_type}", not an access token; present an access token`);
  }
  return answer;
}
