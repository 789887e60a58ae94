// A backend's `auth: { type: oauth, ... }`: the gateway itself is the OAuth
// client of an MCP server that requires authorization (MCP authorization,
// 2025-11-25 and 2026-07-28). Discovery starts at the backend's first 401;
// the client is registered by Client ID Metadata Document, a pre-registered
// id, or DCR, in that order. docs/identity.md, "The gateway as an OAuth
// client of backends", shows the file.

import { z } from 'zod';
import { text, wholeNumber, matching } from './fields.ts';

/** Where the gateway serves its Client ID Metadata Document (upstream/oauth-client/client-metadata-document.ts) on its public origin. */
export const CLIENT_METADATA_PATH = '/.well-known/oauth-client/gatehouse.json';

/** `id_jag`: Enterprise-Managed Authorization (SEP-990): the company IdP exchanges the gateway's ID token for an ID-JAG, which the backend's AS takes as a JWT bearer grant (RFC 7523). */
/** `jwt_bearer`: workload identity federation (SEP-1933): a platform-issued JWT (a Kubernetes or cloud workload token) is the RFC 7523 grant. */
export const OAUTH_GRANTS = ['authorization_code', 'client_credentials', 'id_jag', 'jwt_bearer'] as const;
export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt'] as const;

export interface BackendOAuthConfig {
  type: 'oauth';
  /** `authorization_code`: a person consents once (`gatehouse backend authorize NAME`); `client_credentials`: the gateway's service identity. */
  grant: (typeof OAUTH_GRANTS)[number];
  /** The gateway's Client ID Metadata Document URL (https), used as client_id where the server supports CIMD. */
  clientIdMetadataUrl?: string;
  clientId?: string;
  clientSecret?: string;
  tokenEndpointAuthMethod?: (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];
  /** PEM of the private key for `private_key_jwt` (read from `private_key_file` at load). */
  privateKey?: string;
  privateKeyFile?: string;
  signingAlgorithm?: string;
  scope?: string;
  /** `id_jag`: the company IdP's token endpoint, the gateway's client there, and the file holding the gateway's ID token (read at each exchange, so a rotated mount is picked up). */
  idpTokenEndpoint?: string;
  idpClientId?: string;
  idpClientSecret?: string;
  idTokenFile?: string;
  /** Ask for DPoP-bound tokens (RFC 9449, SEP-1932) and prove the key on every request. */
  isDpop?: boolean;
  /** `jwt_bearer`: the file holding the workload's JWT, read at each token request (platforms rotate it). */
  assertionFile?: string;
  /** Where the authorization server sends the operator's browser back: a loopback URL the CLI listens on. */
  redirectUri: string;
  /** Re-authorizations for more scope (403 insufficient_scope) per request before the refusal is returned. */
  maxStepUps: number;
}

export const DEFAULT_OAUTH_REDIRECT_URI = 'http://127.0.0.1:33418/callback';
/** The scope-retry-limit scenario of the official suite allows at most 3 authorization attempts; 2 step-ups leave room for the first. */
export const DEFAULT_MAX_STEP_UPS = 2;

const httpsUrl = text('expected an https URL with a path, such as https://gateway.example.com/.well-known/oauth-client/gatehouse.json')
  .refine((value) => URL.canParse(value) && new URL(value).protocol === 'https:' && new URL(value).pathname !== '/', {
    error: 'expected an https URL with a path (a Client ID Metadata Document URL must be https and not the bare origin), such as https://gateway.example.com/.well-known/oauth-client/gatehouse.json',
  });

const loopbackUrl = text('expected a loopback http URL such as http://127.0.0.1:33418/callback')
  .refine((value) => URL.canParse(value) && new URL(value).protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(new URL(value).hostname) && new URL(value).port !== '', {
    error: 'expected a loopback http URL with a port, such as http://127.0.0.1:33418/callback (RFC 8252 section 7.3: `gatehouse backend authorize` listens there for the redirect)',
  });

export const oauthAuthShape = {
  type: z.literal('oauth'),
  grant: z.enum(OAUTH_GRANTS, { error: `expected one of ${OAUTH_GRANTS.join(', ')}` }).optional(),
  client_id_metadata_url: httpsUrl.optional(),
  client_id: text().optional(),
  client_secret: text().optional(),
  token_endpoint_auth_method: z.enum(TOKEN_ENDPOINT_AUTH_METHODS, { error: `expected one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}` }).optional(),
  private_key_file: text('expected the path of a PEM private key file').optional(),
  signing_algorithm: matching(/^(ES|RS|PS)(256|384|512)$|^EdDSA$/, 'expected a JWS algorithm such as ES256 or RS256').optional(),
  scope: text().optional(),
  redirect_uri: loopbackUrl.optional(),
  max_step_ups: wholeNumber(0, 5).optional(),
  idp_token_endpoint: text('expected the company IdP\'s token endpoint URL').refine((value) => URL.canParse(value) && ['https:', 'http:'].includes(new URL(value).protocol), { error: 'expected the company IdP\'s token endpoint URL' }).optional(),
  idp_client_id: text().optional(),
  idp_client_secret: text().optional(),
  id_token_file: text('expected the path of a file holding the gateway\'s ID token at the company IdP').optional(),
  dpop: z.boolean({ error: 'expected true or false' }).optional(),
  assertion_file: text('expected the path of a file holding the workload\'s JWT (a projected service account token, say)').optional(),
} as const;

type OAuthAuthFile = z.infer<z.ZodObject<typeof oauthAuthShape>>;

/** The checks that need several keys: what the grant and the auth method require. */
export function oauthAuthProblems(auth: OAuthAuthFile): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  const method = auth.token_endpoint_auth_method;
  if (auth.grant === 'id_jag') {
    for (const key of ['idp_token_endpoint', 'idp_client_id', 'id_token_file', 'client_id', 'client_secret'] as const) {
      if (auth[key] === undefined) problems.push({ key, message: `grant id_jag needs ${key} (the company IdP's token endpoint, the gateway's client there and its ID token file; the gateway's client_id and client_secret at the backend's authorization server)` });
    }
  }
  if (auth.grant === 'jwt_bearer') {
    for (const key of ['assertion_file', 'client_id'] as const) {
      if (auth[key] === undefined) problems.push({ key, message: `grant jwt_bearer needs ${key} (the file holding the workload's JWT, and the gateway's client_id at the backend's authorization server)` });
    }
  }
  if (auth.grant === 'client_credentials' && auth.client_id === undefined) {
    problems.push({ key: 'client_id', message: 'grant client_credentials needs client_id: the service identity must be registered at the authorization server beforehand' });
  }
  if (method === 'private_key_jwt' && auth.private_key_file === undefined) problems.push({ key: 'private_key_file', message: 'token_endpoint_auth_method private_key_jwt needs private_key_file (a PEM private key)' });
  if ((method === 'client_secret_basic' || method === 'client_secret_post') && auth.client_secret === undefined) problems.push({ key: 'client_secret', message: `token_endpoint_auth_method ${method} needs client_secret` });
  if (auth.client_secret !== undefined && auth.client_id === undefined) problems.push({ key: 'client_id', message: 'client_secret is given without client_id; a pre-registered client needs both' });
  if (auth.grant === 'client_credentials' && auth.client_secret === undefined && auth.private_key_file === undefined) {
    problems.push({ key: 'client_secret', message: 'grant client_credentials needs client_secret or private_key_file: a confidential client authenticates at the token endpoint' });
  }
  return problems;
}

export function toOAuthConfig(auth: OAuthAuthFile): BackendOAuthConfig {
  const method = auth.token_endpoint_auth_method ?? (auth.private_key_file !== undefined ? 'private_key_jwt' : undefined);
  return {
    type: 'oauth',
    grant: auth.grant ?? 'authorization_code',
    redirectUri: auth.redirect_uri ?? DEFAULT_OAUTH_REDIRECT_URI,
    maxStepUps: auth.max_step_ups ?? DEFAULT_MAX_STEP_UPS,
    ...(auth.client_id_metadata_url === undefined ? {} : { clientIdMetadataUrl: auth.client_id_metadata_url }),
    ...(auth.client_id === undefined ? {} : { clientId: auth.client_id }),
    ...(auth.client_secret === undefined ? {} : { clientSecret: auth.client_secret }),
    ...(method === undefined ? {} : { tokenEndpointAuthMethod: method }),
    ...(auth.private_key_file === undefined ? {} : { privateKeyFile: auth.private_key_file }),
    ...(auth.signing_algorithm === undefined ? {} : { signingAlgorithm: auth.signing_algorithm }),
    ...(auth.scope === undefined ? {} : { scope: auth.scope }),
    ...(auth.idp_token_endpoint === undefined ? {} : { idpTokenEndpoint: auth.idp_token_endpoint }),
    ...(auth.idp_client_id === undefined ? {} : { idpClientId: auth.idp_client_id }),
    ...(auth.idp_client_secret === undefined ? {} : { idpClientSecret: auth.idp_client_secret }),
    ...(auth.id_token_file === undefined ? {} : { idTokenFile: auth.id_token_file }),
    ...(auth.assertion_file === undefined ? {} : { assertionFile: auth.assertion_file }),
    ...(auth.dpop === true ? { isDpop: true } : {}),
  };
}
