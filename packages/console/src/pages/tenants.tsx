// The gateway's tenants (GET /admin/tenants, docs/tenants.md): each one's own
// and shared backends with their state, its admins, its own policies, its
// live MCP sessions and this month's calls and cost, with a chart of the cost
// per tenant. A platform admin sees every tenant; a tenant admin the API
// narrows to its own, and the page says which it is.

import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api.ts';
import { isServed, useApiPaths } from '../capabilities.ts';
import { BarChart } from '../components/bar-chart.tsx';
import { Empty, ErrorState, Loading, NotAvailable, formatTime } from '../components/states.tsx';

interface TenantBackend {
  name: string;
  ownership: 'own' | 'shared';
  state: string | null;
}

interface Tenant {
  name: string;
  description: string | null;
  backends: TenantBackend[];
  admins: string[];
  policies: Array<{ name: string; type: string }>;
  sessions: number | null;
  usage: { calls: number; failed: number; cost_usd: number } | null;
}

export interface Tenants {
  tenants_enabled: boolean;
  tenant: string | null;
  is_platform_admin: boolean;
  claim: string | null;
  unassigned: string | null;
  period: { name: string; since: string; until: string };
  sessions_complete: boolean;
  tenants: Tenant[];
}

const dollars = (value: number) => `$${value < 1 ? value.toFixed(3) : value.toFixed(2)}`;

export function TenantsPage() {
  const { paths, error } = useApiPaths();
  const isAvailable = isServed(paths, '/admin/tenants');
  const query = useQuery({ queryKey: ['tenants'], queryFn: () => api<Tenants>('/admin/tenants'), enabled: isAvailable, refetchInterval: 10_000 });
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Tenants</h1>
      {error !== null ? <ErrorState error={error} what="The admin API" /> : paths === undefined ? <Loading what="tenants" /> : !isAvailable ? <NotAvailable what="The tenant list (GET /admin/tenants)" hint="This gateway's admin API predates it." /> : query.isPending ? <Loading what="tenants" /> : query.isError ? <ErrorState error={query.error} what="The tenant list" /> : <TenantsView data={query.data} />}
    </section>
  );
}

function TenantsView({ data }: { data: Tenants }) {
  if (!data.tenants_enabled) {
    return <Empty>This gateway has no tenants: every caller sees every backend. A <code>tenants:</code> section in the config adds them (docs/tenants.md).</Empty>;
  }
  const withUsage = data.tenants.filter((tenant) => tenant.usage !== null);
  return (
    <>
      <p className="muted" data-testid="tenant-scope">
        {data.is_platform_admin ? `You are a platform admin: all ${data.tenants.length} tenants.` : `You administer tenant ${data.tenant ?? '—'} only; the API shows you no other tenant.`}
        {' '}Tenant claim <code>{data.claim}</code>{data.unassigned === null ? '' : `; a token naming no tenant: ${data.unassigned === 'refuse' ? 'refused' : `placed in ${data.unassigned}`}`}.
        {' '}Calls and cost from {formatTime(data.period.since)} (this month); more per team or agent on <Link to="/usage">Usage</Link>.
      </p>
      {data.tenants.length === 0 ? <Empty>No tenant is yours to administer.</Empty> : (
        <>
          {withUsage.length < 2 ? null : (
            <div className="charts">
              <BarChart title="Cost per tenant this month" bars={withUsage.map((tenant) => ({ label: tenant.name, value: tenant.usage!.cost_usd }))} format={dollars} />
              <BarChart title="Calls per tenant this month" bars={withUsage.map((tenant) => ({ label: tenant.name, value: tenant.usage!.calls }))} format={(value) => String(value)} />
            </div>
          )}
          <ul className="cards" aria-label="Tenants">
            {data.tenants.map((tenant) => <li key={tenant.name}><TenantCard tenant={tenant} isCountComplete={data.sessions_complete} /></li>)}
          </ul>
        </>
      )}
    </>
  );
}

function TenantCard({ tenant, isCountComplete }: { tenant: Tenant; isCountComplete: boolean }) {
  const id = `tenant-${tenant.name}`;
  return (
    <article className="card" aria-labelledby={id} data-testid="tenant">
      <header className="card-header">
        <h2 id={id}>{tenant.name}</h2>
        {tenant.sessions === null ? null : <span className="badge">{tenant.sessions}{isCountComplete ? '' : '+'} {tenant.sessions === 1 ? 'session' : 'sessions'}</span>}
      </header>
      {tenant.description === null ? null : <p>{tenant.description}</p>}
      <dl className="facts">
        <dt>Backends</dt>
        <dd>
          {tenant.backends.length === 0 ? 'none' : (
            <ul className="inline-list" aria-label={`Backends of ${tenant.name}`}>
              {tenant.backends.map((backend) => (
                <li key={backend.name}>
                  <strong>{backend.name}</strong> <span className="muted">({backend.ownership})</span>{' '}
                  <span className={`badge badge-${backend.state ?? 'none'}`}>{backend.state ?? 'not running'}</span>
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Admins</dt><dd>{tenant.admins.length === 0 ? <span className="muted">by token claim only</span> : tenant.admins.join(', ')}</dd>
        <dt>Own policies</dt><dd>{tenant.policies.length === 0 ? <span className="muted">none (the global chain only)</span> : tenant.policies.map((policy) => `${policy.name} (${policy.type})`).join(', ')}</dd>
        <dt>This month</dt>
        <dd data-testid="tenant-usage">{tenant.usage === null ? <span className="muted">no audit store</span> : `${tenant.usage.calls} ${tenant.usage.calls === 1 ? 'call' : 'calls'}, ${tenant.usage.failed} failed, ${dollars(tenant.usage.cost_usd)}`}</dd>
      </dl>
    </article>
  );
}
