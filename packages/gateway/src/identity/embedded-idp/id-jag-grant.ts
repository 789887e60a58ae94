// Enterprise-managed authorization (the MCP extension
// io.modelcontextprotocol/enterprise-managed-authorization, built on
// draft-ietf-oauth-identity-assertion-authz-grant): the company's identity
// provider decides which of its users may reach the gateway through which
// client, and says so in a signed Identity Assertion JWT Authorization Grant
// (ID-JAG). The client presents it here with the RFC 7523 JWT bearer grant
// and gets the gateway's access token for that user, without a consent page.
// Registered as an oidc-provider grant type, like the token exchange beside it.

import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { signAccessToken, type SigningKeys } from './signing-keys.ts';
import { MemorySeenGrants, type SeenGrants } from './seen-grants.ts';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const ID_JAG_PARAMETERS = ['assertion', 'scope', 'resource'] as const;
/** The JWT `typ` an ID-JAG carries (RFC 8725 explicit typing), so no other JWT of that IdP passes for one. */
export const ID_JAG_TYPE = 'oauth-id-jag+jwt';

/** A company identity provider whose ID-JAGs this server accepts (`authentication.embedded_idp.enterprise_idps`). */
export interface EnterpriseIdp {
  issuer: string;
  jwksUri: string;
  /** The clients it may grant to; absent: any client registered here. */
  clients?: readonly string[];
  /** The most a grant of this IdP can carry; absent: any scope the gateway serves. */
  scopes?: readonly string[];
  /** The tenant its users belong to (docs/tenants.md); issued in the tenant claim. */
  tenant?: string;
}

export interface IdJagGrantOptions {
  /** This server's issuer: an ID-JAG's `aud`. */
  issuer: string;
  keys: SigningKeys;
  idps: readonly EnterpriseIdp[];
  /** Whether a resource is the gateway's (an ID-JAG's `resource`). */
  isGatewayResource(resource: string): boolean;
  gatewayScopes: readonly string[];
  accessTokenTtlSeconds: number;
  /** The claim a tenant is issued in, when tenants are on. */
  tenantClaim?: string;
  /** How the IdPs' keys are fetched (tests); default jose's remote key set per IdP. */
  keySetOf?: (idp: EnterpriseIdp) => JWTVerifyGetKey;
  /** The grant ids already used: shared in Redis between replicas (redis-seen-grants.ts); default this process's memory. */
  seenGrants?: SeenGrants;
  now?: () => number;
}

/** invalid_grant with the reason as its description: oidc-provider keeps a generic one, and the client's operator needs to know which rule failed. */
function refuse(message: string): never {
  throw Object.assign(new errors.InvalidGrant(message), { error_description: message });
}

export function createIdJagGrant(options: IdJagGrantOptions) {
  const now = options.now ?? Date.now;
  const idpsByIssuer = new Map(options.idps.map((idp) => [idp.issuer, idp]));
  const keySets = new Map<string, JWTVerifyGetKey>();
  const keySetOf = options.keySetOf ?? ((idp: EnterpriseIdp) => createRemoteJWKSet(new URL(idp.jwksUri)));
  const seen = options.seenGrants ?? new MemorySeenGrants();
  const served = new Set(options.gatewayScopes);

  async function verify(assertion: string): Promise<{ claims: JWTPayload; idp: EnterpriseIdp }> {
    let issuer: unknown;
    try {
      issuer = decodeJwt(assertion).iss;
    } catch {
      refuse('assertion is not a JWT');
    }
    const idp = typeof issuer === 'string' ? idpsByIssuer.get(issuer) : undefined;
    if (idp === undefined) refuse(`assertion was issued by ${JSON.stringify(issuer ?? null)}, which is not an enterprise identity provider this server trusts (authentication.embedded_idp.enterprise_idps)`);
    let keySet = keySets.get(idp.issuer);
    if (keySet === undefined) {
      keySet = keySetOf(idp);
      keySets.set(idp.issuer, keySet);
    }
    try {
      const { payload } = await jwtVerify(assertion, keySet, {
        issuer: idp.issuer,
        audience: options.issuer,
        typ: ID_JAG_TYPE,
        requiredClaims: ['sub', 'jti', 'exp', 'iat', 'client_id', 'resource'],
        currentDate: new Date(now()),
      });
      return { claims: payload, idp };
    } catch (error) {
      refuse(`assertion is not a valid ID-JAG of ${idp.issuer} for this server: ${(error as Error).message}`);
    }
  }

  /** An ID-JAG is used once; when the shared cache cannot say whether it was, the grant waits for it rather than risk a replay. */
  async function claimOnce(id: string, expiresAtMs: number): Promise<boolean> {
    try {
      return await seen.claim(id, expiresAtMs, now());
    } catch (error) {
      throw Object.assign(new errors.TemporarilyUnavailable('the replay check of ID-JAGs is unavailable (the shared store did not answer); retry the same assertion shortly', { cause: error }), { status: 503, statusCode: 503 });
    }
  }

  return async function idJagGrant(ctx: KoaContextWithOIDC): Promise<void> {
    const params = ctx.oidc.params as Record<string, string | undefined>;
    const client = ctx.oidc.client!;
    if (params.assertion === undefined) throw new errors.InvalidRequest('assertion is required: the ID-JAG from the enterprise identity provider');
    const { claims, idp } = await verify(params.assertion);
    // Section 5.1: the grant was issued to the client that presents it.
    if (claims.client_id !== client.clientId) refuse(`the ID-JAG was issued to client ${JSON.stringify(claims.client_id)}, not to ${client.clientId}`);
    if (idp.clients !== undefined && !idp.clients.includes(client.clientId)) refuse(`${idp.issuer} may not grant access to client ${client.clientId} here`);
    const resource = String(claims.resource);
    if (!options.isGatewayResource(resource)) throw new errors.InvalidTarget(`the ID-JAG is for ${resource}, which is not this gateway's`);
    if (params.resource !== undefined && params.resource !== resource) throw new errors.InvalidTarget(`resource ${params.resource} differs from the ID-JAG's ${resource}`);
    if (!(await claimOnce(`${idp.issuer}\u0000${String(claims.jti)}`, (claims.exp as number) * 1000))) refuse('this ID-JAG was already used; ask the identity provider for a new one');

    // The IdP decided the scopes; this server only narrows, to what it serves and what the IdP may grant here.
    const granted = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
    const ceiling = idp.scopes === undefined ? served : new Set(idp.scopes.filter((scope) => served.has(scope)));
    const grantable = granted.filter((scope) => ceiling.has(scope));
    let scopes = grantable;
    if (params.scope !== undefined) {
      const requested = params.scope.split(' ').filter(Boolean);
      const beyond = requested.filter((scope) => !grantable.includes(scope));
      if (beyond.length > 0) throw new errors.InvalidScope(`the ID-JAG does not grant ${beyond.join(', ')}; ask for at most "${grantable.join(' ')}"`, beyond.join(' '));
      scopes = requested;
    }

    const issuedAt = Math.floor(now() / 1000);
    const expiresAt = Math.min(issuedAt + options.accessTokenTtlSeconds, claims.exp as number);
    const issued: JWTPayload = {
      sub: claims.sub,
      client_id: client.clientId,
      scope: scopes.join(' '),
      jti: randomUUID(),
      // Who vouched for the user: the company IdP, and its grant's id for the audit trail.
      idp: idp.issuer,
      idp_grant: claims.jti,
    };
    if (typeof claims.email === 'string') issued.email = claims.email;
    if (idp.tenant !== undefined && options.tenantClaim !== undefined) issued[options.tenantClaim] = idp.tenant;
    const accessToken = await signAccessToken(options.keys, { issuer: options.issuer, audience: resource, claims: issued, issuedAt, expiresAt });
    ctx.body = { access_token: accessToken, token_type: 'Bearer', expires_in: Math.max(0, expiresAt - issuedAt), scope: scopes.join(' ') };
  };
}
