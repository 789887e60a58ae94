// Usage and cost per tenant, team, agent, user, backend or tool over a period
// (GET /admin/usage, the figures of `gatehouse usage`), as bar charts and a table.

import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, queryString } from '../api.ts';
import { BarChart } from '../components/bar-chart.tsx';
import { Empty, ErrorState, Loading, formatTime } from '../components/states.tsx';

interface UsageRow {
  key: string;
  calls: number;
  failed: number;
  cost_usd: number;
}

interface Usage {
  by: string;
  since: string;
  until: string;
  rows: UsageRow[];
  total: { calls: number; failed: number; cost_usd: number; priced_from_config: number };
}

const DIMENSIONS = ['tenant', 'team', 'agent', 'user', 'backend', 'tool'] as const;
const PERIODS = [['this-month', 'This month'], ['last-7d', 'Last 7 days'], ['last-month', 'Last month']] as const;

const dollars = (value: number) => `$${value < 1 ? value.toFixed(3) : value.toFixed(2)}`;

export function UsagePage() {
  const [by, setBy] = useState<(typeof DIMENSIONS)[number]>('agent');
  const [period, setPeriod] = useState<string>('this-month');
  const query = useQuery({ queryKey: ['usage', by, period], queryFn: () => api<Usage>(`/admin/usage${queryString({ by, period })}`), refetchInterval: 30_000 });
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Usage</h1>
      <div className="toolbar">
        <label>
          Per
          <select value={by} onChange={(event) => setBy(event.target.value as (typeof DIMENSIONS)[number])}>
            {DIMENSIONS.map((dimension) => <option key={dimension} value={dimension}>{dimension}</option>)}
          </select>
        </label>
        <label>
          Period
          <select value={period} onChange={(event) => setPeriod(event.target.value)}>
            {PERIODS.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </label>
      </div>
      {query.isPending ? <Loading what="usage" /> : query.isError ? <ErrorState error={query.error} what="Usage" hint="Usage is read from the audit store." /> : (
        <>
          <p className="muted">From {formatTime(query.data.since)} to {formatTime(query.data.until)}: {query.data.total.calls} {query.data.total.calls === 1 ? 'call' : 'calls'}, {query.data.total.failed} failed, {dollars(query.data.total.cost_usd)}.</p>
          {query.data.rows.length === 0 ? <Empty>No call in this period.</Empty> : (
            <>
              <div className="charts">
                <BarChart title={`Cost per ${by}`} bars={query.data.rows.map((row) => ({ label: row.key, value: row.cost_usd }))} format={dollars} />
                <BarChart title={`Calls per ${by}`} bars={query.data.rows.map((row) => ({ label: row.key, value: row.calls }))} format={(value) => String(value)} />
              </div>
              <div className="table-wrap">
                <table>
                  <thead><tr><th scope="col">{by}</th><th scope="col" className="number">Calls</th><th scope="col" className="number">Failed</th><th scope="col" className="number">Cost</th></tr></thead>
                  <tbody>
                    {query.data.rows.map((row) => (
                      <tr key={row.key}><th scope="row">{row.key}</th><td className="number">{row.calls}</td><td className="number">{row.failed}</td><td className="number">{dollars(row.cost_usd)}</td></tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </>
      )}
    </section>
  );
}
