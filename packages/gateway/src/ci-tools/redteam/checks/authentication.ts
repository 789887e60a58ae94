// Is a token required at all? An unauthenticated initialize must get 401
// with a WWW-Authenticate challenge that names the protected resource
// metadata (2025-11-25 basic/authorization, RFC 9728 §5.1): without auth a
// server is not fit for production (docs/ci-tools.md, `gatehouse vet`).

import { checkFromFindings, skippedCheck, type Finding } from '../../ci-report.ts';
import { initializeRequest, postJsonRpc } from '../raw-http.ts';
import type { RedteamCheck } from '../redteam-check.ts';

export const authenticationCheck: RedteamCheck = {
  id: 'authentication',
  title: 'an unauthenticated client is refused',
  async run(context) {
    const { target } = context.options;
    if (target.kind !== 'http') return skippedCheck(this.id, this.title, 'a stdio server runs as the client user; there is no HTTP authentication to test');
    const { authorization: _none, ...headers } = target.headers;
    const answer = await postJsonRpc(target.url, initializeRequest(), headers);
    const challenge = answer.headers.get('www-authenticate');
    const findings: Finding[] = [];
    if (answer.status !== 401 && answer.status !== 403) {
      findings.push({
        ruleId: 'no_authentication',
        severity: 'error',
        message: `the server opened a session for a client with no token (HTTP ${answer.status}); require OAuth bearer tokens before production`,
        location: target.url.href,
        evidence: { request: 'initialize without Authorization', status: answer.status, serverInfo: (answer.message?.result as { serverInfo?: unknown } | undefined)?.serverInfo },
      });
    } else if (challenge === null || !/resource_metadata=/i.test(challenge)) {
      findings.push({
        ruleId: 'challenge_without_metadata',
        severity: 'warning',
        message: 'the 401 has no WWW-Authenticate resource_metadata, so a client cannot discover where to get a token (RFC 9728 §5.1)',
        location: target.url.href,
        evidence: { status: answer.status, 'www-authenticate': challenge },
      });
    }
    return checkFromFindings(this.id, this.title, findings.length === 0 ? `refused with ${answer.status} and a challenge naming the resource metadata` : `answered ${answer.status} to a client with no token`, findings);
  },
};
