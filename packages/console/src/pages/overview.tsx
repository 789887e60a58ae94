// The backends at a glance, live: state, circuit breaker and health, and
// calls per minute, error rate and p95 from the gateway's own metrics
// (GET /admin/overview). A gateway without that route still shows the
// backends' state from /readyz, the probe every replica answers.

import { useQuery } from '@tanstack/react-query';
import { api } from '../api.ts';
import { isServed, useApiPaths } from '../capabilities.ts';
import { ErrorState, Loading, Empty, NotAvailable, formatTime } from '../components/states.tsx';

interface OverviewBackend {
  name: string;
  kind?: string;
  state: string;
  breaker: string | undefined;
  health: string | undefined;
  callsPerMinute: number | undefined;
  errorRate: number | undefined;
  p95Ms: number | undefined;
}

interface Overview {
  backends: OverviewBackend[];
  status: string | undefined;
  hasMetrics: boolean;
}

type Loose = Record<string, unknown>;

const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

function breakerOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as Loose).state === 'string') return (value as Loose).state as string;
  return undefined;
}

function healthOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const report = value as Loose;
  if (typeof report.status === 'string') return report.status;
  if (report.isHealthy === true) return 'healthy';
  if (report.isHealthy === false) return typeof report.error === 'string' ? `unhealthy: ${report.error}` : 'unhealthy';
  return 'not checked yet';
}

/** Reads /admin/overview's backends leniently (field names as the API documents them, or close to them). */
function fromOverview(body: Loose): Overview {
  const backends = Array.isArray(body.backends) ? (body.backends as Loose[]) : [];
  return {
    status: typeof body.status === 'string' ? body.status : undefined,
    hasMetrics: true,
    backends: backends.map((backend) => {
      const metrics = (typeof backend.metrics === 'object' && backend.metrics !== null ? backend.metrics : backend) as Loose;
      return {
        name: String(backend.name),
        state: String(backend.state ?? 'unknown'),
        breaker: breakerOf(backend.breaker ?? backend.circuit),
        health: healthOf(backend.health),
        callsPerMinute: number(metrics.calls_per_minute ?? metrics.callsPerMinute),
        errorRate: number(metrics.error_rate ?? metrics.errorRate),
        p95Ms: number(metrics.p95_ms ?? metrics.p95Ms ?? metrics.latency_p95_ms),
      };
    }),
  };
}

/** The gateway's readiness from /readyz (ready, starting, draining, ...), which /admin/overview does not repeat; undefined when unreadable. */
async function readiness(): Promise<string | undefined> {
  try {
    const body = (await (await fetch('/readyz', { headers: { accept: 'application/json' } })).json()) as Loose;
    return typeof body.status === 'string' ? body.status : undefined;
  } catch {
    return undefined;
  }
}

async function readOverview(hasOverview: boolean): Promise<Overview> {
  if (hasOverview) {
    const [body, status] = await Promise.all([api<Loose>('/admin/overview'), readiness()]);
    return { ...fromOverview(body), status: status ?? (typeof body.status === 'string' ? body.status : undefined) };
  }
  // /readyz answers 503 while not ready, with the same body: read it either way.
  const response = await fetch('/readyz', { headers: { accept: 'application/json' } });
  const body = (await response.json()) as Loose;
  return { ...fromOverview(body), hasMetrics: false };
}

const percent = (value: number | undefined) => (value === undefined ? '—' : `${(value * 100).toFixed(1)} %`);
const fixed = (value: number | undefined, unit: string) => (value === undefined ? '—' : `${value.toFixed(value < 10 ? 1 : 0)} ${unit}`);

export function OverviewPage() {
  const { paths, error } = useApiPaths();
  const hasOverview = isServed(paths, '/admin/overview');
  const query = useQuery({ queryKey: ['overview', hasOverview], queryFn: () => readOverview(hasOverview), enabled: paths !== undefined, refetchInterval: 5_000 });
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Overview</h1>
      {error !== null ? <ErrorState error={error} what="The admin API" /> : query.isPending ? <Loading what="the backends" /> : query.isError ? <ErrorState error={query.error} what="The overview" /> : (
        <>
          <p className="muted">
            Gateway status: <strong data-testid="gateway-status">{query.data.status ?? 'unknown'}</strong>. Refreshed every 5 seconds; last at {formatTime(new Date(query.dataUpdatedAt).toISOString())}.
          </p>
          {query.data.hasMetrics ? null : <NotAvailable what="Traffic figures (GET /admin/overview)" hint="Backends below come from /readyz; calls per minute, error rate and p95 appear once the gateway serves the overview route." />}
          {query.data.backends.length === 0 ? <Empty>No backends are configured.</Empty> : (
            <div className="table-wrap">
              <table data-testid="backends">
                <caption className="visually-hidden">Backends</caption>
                <thead>
                  <tr><th scope="col">Backend</th><th scope="col">State</th><th scope="col">Breaker</th><th scope="col">Health</th><th scope="col" className="number">Calls/min</th><th scope="col" className="number">Error rate</th><th scope="col" className="number">p95</th></tr>
                </thead>
                <tbody>
                  {query.data.backends.map((backend) => (
                    <tr key={backend.name}>
                      <th scope="row">{backend.name}</th>
                      <td><span className={`badge badge-${backend.state}`}>{backend.state}</span></td>
                      <td>{backend.breaker === undefined ? '—' : <span className={`badge badge-${backend.breaker}`}>{backend.breaker.replace('_', '-')}</span>}</td>
                      <td>{backend.health ?? '—'}</td>
                      <td className="number">{fixed(backend.callsPerMinute, '')}</td>
                      <td className="number">{percent(backend.errorRate)}</td>
                      <td className="number">{fixed(backend.p95Ms, 'ms')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
