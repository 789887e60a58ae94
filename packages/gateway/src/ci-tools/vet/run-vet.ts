// `gatehouse vet`: the vetting checklist (docs/ci-tools.md) for a community
// server, from whatever is at hand (a clone, a package, a running server),
// with a verdict and its reasons. The report's `data` is the record a
// registry review attaches.

import { checkFromFindings, skippedCheck, type CheckResult, type CiReport } from '../ci-report.ts';
import { parseTarget, type ServerTarget } from '../server-target.ts';
import { dependencyAdvisoriesCheck } from './dependency-advisories.ts';
import { authSupportCheck, clientGenerationsCheck, errorQualityCheck, probeGeneration, protocolRevisionCheck } from './live-checks.ts';
import { repositoryActivityCheck } from './repository-activity.ts';
import { decideVerdict, type VetVerdict } from './vet-verdict.ts';
import { resolveVetSource } from './vet-source.ts';

export interface VetOptions {
  source: string;
  /** A running instance of the package or clone, for the live checks. */
  server?: string;
  advisories?: string;
  /** Headers (a token) for an HTTP server. */
  targetOptions?: { token?: string; headers?: Record<string, string> };
  now?: Date;
  cwd?: string;
}

export interface VetRecord extends VetVerdict {
  source: string;
  package?: { name?: string; version?: string; repository?: unknown };
  checkedAt: string;
}

export async function runVet(options: VetOptions): Promise<CiReport> {
  const now = options.now ?? new Date();
  const source = await resolveVetSource(options.source, { ...(options.server !== undefined && { server: options.server }), ...(options.cwd !== undefined && { cwd: options.cwd }) });
  const checks: CheckResult[] = [await repositoryActivityCheck(source, now), await dependencyAdvisoriesCheck(options.advisories)];

  if (source.server === undefined) {
    const reason = 'no running server: give --server URL or stdio:COMMAND to check it live';
    checks.push(skippedCheck('auth-support', 'the server supports authentication', reason));
    checks.push(skippedCheck('protocol-revision', 'the server speaks a current revision', reason));
    checks.push(skippedCheck('client-generations', 'the server works with both client generations', reason));
    checks.push(skippedCheck('error-quality', 'errors are agent-actionable', reason));
  } else {
    const target: ServerTarget = parseTarget(source.server, options.targetOptions);
    checks.push(await authSupportCheck(target).catch((error: Error) => failed('auth-support', 'the server supports authentication', error)));
    const legacy = await probeGeneration(target, 'v1');
    const newest = await probeGeneration(target, 'auto');
    try {
      checks.push(protocolRevisionCheck(newest));
      checks.push(clientGenerationsCheck(legacy, newest));
      checks.push(await errorQualityCheck(newest.connection ?? legacy.connection).catch((error: Error) => failed('error-quality', 'errors are agent-actionable', error)));
    } finally {
      await Promise.allSettled([legacy.connection?.close(), newest.connection?.close()]);
    }
  }

  const verdict = decideVerdict(checks);
  const record: VetRecord = {
    ...verdict,
    source: options.source,
    ...(source.manifest !== undefined && { package: { name: source.manifest.name, version: source.manifest.version, repository: source.manifest.repository } }),
    checkedAt: now.toISOString(),
  };
  // The verdict is a check too, so JUnit and SARIF carry it; a rejection fails the run.
  checks.push(
    checkFromFindings('verdict', 'the server may be registered', `${verdict.decision}: ${verdict.reasons.length} reason(s)`, [
      ...(verdict.decision === 'reject' ? [{ ruleId: 'vet_rejected', severity: 'error' as const, message: `rejected: ${verdict.reasons[0] ?? ''}` }] : []),
      ...verdict.reasons.map((reason) => ({ ruleId: 'vet_reason', severity: 'note' as const, message: reason })),
    ]),
  );
  return { tool: 'vet', subject: options.source, generatedAt: now.toISOString(), checks, data: record };
}

function failed(id: string, title: string, error: Error): CheckResult {
  return checkFromFindings(id, title, `could not run: ${error.message}`, [{ ruleId: 'check_failed', severity: 'error', message: `${id} could not run: ${error.message}` }]);
}
