// Tokens the server must not accept: each identity's token with its
// signature tampered, re-signed as `alg: none`, and with its audience
// rewritten to another resource (RFC 8725 §3.1, §3.9; the MCP authorization
// spec's audience validation: a server accepts only tokens issued for it).
// And each real token's `aud` should name the resource the server announces.

import { checkFromFindings, skippedCheck, type Finding } from '../../ci-report.ts';
import { initializeRequest, postJsonRpc } from '../raw-http.ts';
import type { RedteamCheck } from '../redteam-check.ts';

export const tokenAudienceCheck: RedteamCheck = {
  id: 'token-audience',
  title: 'forged or foreign-audience tokens are refused',
  async run(context) {
    const { target } = context.options;
    if (target.kind !== 'http') return skippedCheck(this.id, this.title, 'stdio carries no tokens');
    const withTokens = context.options.identities.filter((identity) => identity.token !== undefined);
    if (withTokens.length === 0) return skippedCheck(this.id, this.title, 'no --token given: nothing to forge from');
    const { authorization: _none, ...headers } = target.headers;
    const unauthenticated = await postJsonRpc(target.url, initializeRequest(), headers);
    if (unauthenticated.status < 400) return skippedCheck(this.id, this.title, 'the server needs no token at all (see the authentication check), so forged ones prove nothing');

    const findings: Finding[] = [];
    let tried = 0;
    const resource = await announcedResource(unauthenticated.headers.get('www-authenticate'), target.url);
    for (const identity of withTokens) {
      const token = identity.token!;
      for (const [forgery, forged] of forgeries(token)) {
        tried++;
        const answer = await postJsonRpc(target.url, initializeRequest(), { ...headers, authorization: `Bearer ${forged}` });
        if (answer.status < 400) {
          findings.push({
            ruleId: 'forged_token_accepted',
            severity: 'error',
            message: `a token ${forgery} (from ${identity.name}'s) was accepted (HTTP ${answer.status}); verify signatures, algorithms and audience`,
            location: target.url.href,
            evidence: { identity: identity.name, forgery, status: answer.status },
          });
        }
      }
      const audience = claims(token)?.aud;
      const audiences = audience === undefined ? [] : Array.isArray(audience) ? audience.map(String) : [String(audience)];
      if (resource !== undefined && audiences.length > 0 && !audiences.includes(resource)) {
        findings.push({
          ruleId: 'token_audience_mismatch',
          severity: 'warning',
          message: `${identity.name}'s token names audience ${audiences.join(', ')}, not the resource ${resource} the server announces; it was accepted anyway`,
          location: target.url.href,
          evidence: { identity: identity.name, aud: audiences, resource },
        });
      }
    }
    return checkFromFindings(this.id, this.title, `${tried} forged token(s) sent, ${findings.filter((finding) => finding.severity === 'error').length} accepted${resource === undefined ? '' : `; resource ${resource}`}`, findings);
  },
};

/** The forged variants of a token: tampered signature, alg none, another audience (JWTs), or a changed opaque token. */
export function forgeries(token: string): Array<[description: string, token: string]> {
  const parts = token.split('.');
  if (parts.length !== 3) return [['with a character changed', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`]];
  const [header, payload, signature] = parts as [string, string, string];
  const decoded = claims(token) ?? {};
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const flipped = `${signature.slice(0, 4)}${signature[4] === 'A' ? 'B' : 'A'}${signature.slice(5)}`;
  return [
    ['with its signature tampered', `${header}.${payload}.${flipped}`],
    ['re-issued as alg none', `${encode({ alg: 'none', typ: 'JWT' })}.${payload}.`],
    ['with its audience rewritten to another resource', `${header}.${encode({ ...decoded, aud: 'https://other-resource.example/mcp' })}.${signature}`],
  ];
}

function claims(token: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The `resource` of the protected resource metadata the 401 challenge points to (RFC 9728 §2). */
async function announcedResource(challenge: string | null, url: URL): Promise<string | undefined> {
  const metadataUrl = /resource_metadata="([^"]+)"/i.exec(challenge ?? '')?.[1] ?? new URL(`/.well-known/oauth-protected-resource${url.pathname}`, url).href;
  try {
    const response = await fetch(metadataUrl, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) return undefined;
    const metadata = (await response.json()) as { resource?: unknown };
    return typeof metadata.resource === 'string' ? metadata.resource : undefined;
  } catch {
    return undefined;
  }
}
