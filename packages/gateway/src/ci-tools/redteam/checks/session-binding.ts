// A session belongs to the caller that opened it: another identity presenting
// its Mcp-Session-Id must be refused (2025-11-25 basic/security_best_practices,
// "Session Hijacking": bind session ids to user information). Tested on a
// 2025 session opened with raw HTTP, since 2026-07-28 has no sessions.

import { checkFromFindings, skippedCheck, type Finding } from '../../ci-report.ts';
import { initializeRequest, LEGACY_REVISION, postJsonRpc } from '../raw-http.ts';
import type { RedteamCheck } from '../redteam-check.ts';

export const sessionBindingCheck: RedteamCheck = {
  id: 'session-binding',
  title: "another identity cannot use a caller's session",
  async run(context) {
    const { target } = context.options;
    if (target.kind !== 'http') return skippedCheck(this.id, this.title, 'stdio has one client per process: there is no session to steal');
    const [owner, intruder] = context.options.identities.filter((identity) => identity.token !== undefined);
    if (owner === undefined || intruder === undefined) return skippedCheck(this.id, this.title, 'needs tokens of two identities (--token a=... --token b=...)');
    const { authorization: _none, ...headers } = target.headers;
    const opened = await postJsonRpc(target.url, initializeRequest(), { ...headers, authorization: `Bearer ${owner.token}` });
    const sessionId = opened.headers.get('mcp-session-id');
    if (sessionId === null) return skippedCheck(this.id, this.title, `the server opened no 2025 session for ${owner.name} (HTTP ${opened.status}); a stateless server has nothing to bind`);
    const sessionHeaders = { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': LEGACY_REVISION };
    await postJsonRpc(target.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...sessionHeaders, authorization: `Bearer ${owner.token}` });
    const stolen = await postJsonRpc(target.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { ...sessionHeaders, authorization: `Bearer ${intruder.token}` });
    const findings: Finding[] = [];
    if (stolen.status < 400 && stolen.message?.result !== undefined) {
      findings.push({
        ruleId: 'session_not_bound',
        severity: 'error',
        message: `${intruder.name} listed tools in ${owner.name}'s session by presenting its Mcp-Session-Id; bind sessions to the identity that opened them`,
        location: target.url.href,
        evidence: { owner: owner.name, intruder: intruder.name, status: stolen.status, method: 'tools/list' },
      });
    }
    return checkFromFindings(this.id, this.title, `${intruder.name} using ${owner.name}'s session got HTTP ${stolen.status}${stolen.message?.error ? ` (${stolen.message.error.message})` : ''}`, findings);
  },
};
