// Chapter 13's questions a running server answers: does it support auth,
// which protocol revision does it speak, does it work with both client
// generations (SDK v1 on 2025-11-25, SDK v2 negotiating the newest), and are
// its errors agent-actionable (they say what went wrong and what to do).

import { checkFromFindings, skippedCheck, type CheckResult, type Finding } from '../ci-report.ts';
import { initializeRequest, postJsonRpc } from '../redteam/raw-http.ts';
import { isReadOnly } from '../redteam/redteam-context.ts';
import { connectToServer, type JsonObject, type ServerConnection, type ToolCallOutcome } from '../server-connection.ts';
import type { ServerTarget } from '../server-target.ts';
import { LATEST_LEGACY, LATEST_MODERN } from '../../protocol/revisions.ts';

export async function authSupportCheck(target: ServerTarget): Promise<CheckResult> {
  const id = 'auth-support';
  const title = 'the server supports authentication';
  if (target.kind === 'stdio') {
    return checkFromFindings(id, title, 'stdio only: it runs as the local user', [
      { ruleId: 'stdio_only', severity: 'warning', message: 'a stdio server has no authentication of its own: share it only behind a gateway that authenticates callers' },
    ]);
  }
  const { authorization: _none, ...headers } = target.headers;
  const answer = await postJsonRpc(target.url, initializeRequest(), headers);
  const challenge = answer.headers.get('www-authenticate');
  if (answer.status === 401) {
    const findings: Finding[] = /resource_metadata=/i.test(challenge ?? '') ? [] : [{ ruleId: 'challenge_without_metadata', severity: 'warning', message: 'the 401 does not name its protected resource metadata (RFC 9728), so MCP clients cannot find the authorization server', evidence: { 'www-authenticate': challenge } }];
    return checkFromFindings(id, title, `refuses unauthenticated clients (401, ${challenge ?? 'no challenge'})`, findings);
  }
  return checkFromFindings(id, title, `serves unauthenticated clients (HTTP ${answer.status})`, [
    { ruleId: 'no_authentication', severity: 'error', message: 'the server opened a session without any token: not suitable for production without a gateway in front (chapter 13)', evidence: { status: answer.status } },
  ]);
}

export interface GenerationProbe {
  generation: 'v1' | 'auto';
  connection?: ServerConnection;
  error?: string;
  tools: string[];
}

export async function probeGeneration(target: ServerTarget, generation: 'v1' | 'auto'): Promise<GenerationProbe> {
  try {
    const connection = await connectToServer(target, generation);
    return { generation, connection, tools: (await connection.listTools()).map((tool) => String(tool.name)).sort() };
  } catch (error) {
    return { generation, error: (error as Error).message, tools: [] };
  }
}

export function protocolRevisionCheck(newest: GenerationProbe): CheckResult {
  const id = 'protocol-revision';
  const title = `the server speaks a current revision (${LATEST_MODERN} or ${LATEST_LEGACY})`;
  const version = newest.connection?.protocolVersion;
  if (newest.connection === undefined) return checkFromFindings(id, title, `no session: ${newest.error}`, [{ ruleId: 'no_session', severity: 'error', message: `the newest client could not open a session: ${newest.error}` }]);
  if (version === LATEST_MODERN) return checkFromFindings(id, title, `speaks ${version}`, []);
  if (version === LATEST_LEGACY) return checkFromFindings(id, title, `speaks ${version}`, [{ ruleId: 'no_modern_revision', severity: 'note', message: `speaks ${version}, not ${LATEST_MODERN}: 2026 clients fall back to the initialize handshake` }]);
  return checkFromFindings(id, title, `speaks ${version ?? 'an unknown revision'}`, [{ ruleId: 'outdated_revision', severity: 'warning', message: `speaks ${version ?? 'an unknown revision'}, older than ${LATEST_LEGACY}: expect missing features with current clients` }]);
}

export function clientGenerationsCheck(legacy: GenerationProbe, newest: GenerationProbe): CheckResult {
  const id = 'client-generations';
  const title = 'the server works with both client generations';
  const findings: Finding[] = [];
  for (const probe of [legacy, newest]) {
    const client = probe.generation === 'v1' ? 'the SDK v1 client (2025-11-25)' : 'the SDK v2 client (newest revision)';
    if (probe.connection === undefined) findings.push({ ruleId: 'client_incompatible', severity: 'error', message: `${client} could not open a session: ${probe.error}`, evidence: { generation: probe.generation } });
  }
  if (findings.length === 0 && legacy.tools.join() !== newest.tools.join()) {
    findings.push({ ruleId: 'tools_differ_by_client', severity: 'warning', message: 'the two client generations see different tools', evidence: { v1: legacy.tools, newest: newest.tools } });
  }
  return checkFromFindings(id, title, `SDK v1: ${legacy.connection?.protocolVersion ?? 'failed'}; SDK v2: ${newest.connection?.protocolVersion ?? 'failed'}`, findings);
}

/**
 * Calls an unknown tool and a read-only tool without its required
 * arguments. An actionable error names the problem and a way forward; a
 * bare "Error", a stack trace or an empty message leaves an agent guessing
 * (docs/ci-tools.md, "Vetting a community server": structured errors).
 */
export async function errorQualityCheck(connection: ServerConnection | undefined): Promise<CheckResult> {
  const id = 'error-quality';
  const title = 'errors are agent-actionable';
  if (connection === undefined) return skippedCheck(id, title, 'no session to provoke errors on');
  const tools = await connection.listTools();
  const probes: Array<{ what: string; outcome: ToolCallOutcome; field?: string }> = [{ what: 'an unknown tool', outcome: await connection.callTool('gatehouse_vet_no_such_tool', {}) }];
  const withRequired = tools.filter(isReadOnly).find((tool) => Array.isArray((tool.inputSchema as JsonObject | undefined)?.required) && ((tool.inputSchema as JsonObject).required as unknown[]).length > 0);
  if (withRequired !== undefined) {
    const field = String(((withRequired.inputSchema as JsonObject).required as unknown[])[0]);
    probes.push({ what: `${String(withRequired.name)} without its required "${field}"`, outcome: await connection.callTool(String(withRequired.name), {}), field });
  }
  const findings: Finding[] = [];
  for (const probe of probes) {
    const verdict = judgeErrorMessage(probe.outcome, probe.field);
    if (verdict !== undefined) findings.push({ ruleId: 'error_not_actionable', severity: 'warning', message: `calling ${probe.what}: ${verdict}`, evidence: { answer: probe.outcome.text.slice(0, 300) } });
  }
  return checkFromFindings(id, title, `${probes.length} error(s) provoked`, findings);
}

/** Pure: why an error message would not help an agent, or undefined when it would. */
export function judgeErrorMessage(outcome: ToolCallOutcome, field?: string): string | undefined {
  if (!outcome.isError) return 'the call succeeded instead of failing';
  const text = outcome.text.trim();
  if (/\n\s+at [\w.<>]+ \(|^\w*Error: .*\n\s+at /m.test(text)) return 'the error is a stack trace';
  if (text.length < 20) return `the error says too little ("${text}")`;
  if (/^(internal( server)? error|error|unknown error|something went wrong)\.?$/i.test(text)) return `the error is generic ("${text}")`;
  if (field !== undefined && !text.includes(field)) return `the error does not name the missing argument "${field}"`;
  return undefined;
}
