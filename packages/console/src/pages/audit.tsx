// Audit search: the filters of `gatehouse audit query` (GET
// /admin/audit/records), newest first, a page at a time by cursor; a record's
// detail with its chain position when the API gives one; CSV export of the
// search; and "verify", which runs the chain verifier (POST /admin/audit/verify)
// and shows its result.

import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api, queryString } from '../api.ts';
import { isServed, useApiPaths } from '../capabilities.ts';
import { Empty, ErrorState, Loading, NotAvailable, Refusal, formatTime } from '../components/states.tsx';
import { useCan } from '../permissions.ts';
import { recordsToCsv } from './audit-csv.ts';
import { OPERATION_TYPES, type AuditRecord } from './audit-record.ts';

const TEXT_FILTERS = [
  ['identity', 'Identity (user or agent)'],
  ['agent', 'Agent (client id)'],
  ['server', 'Backend'],
  ['tool', 'Tool (pattern, e.g. crm__send_*)'],
  ['target', 'Target (e.g. a customer id)'],
  ['session', 'MCP session id'],
  ['since', 'Since (24h, 7d, ISO date)'],
  ['until', 'Until'],
] as const;
const TYPES = ['', ...OPERATION_TYPES];
const STATUSES = ['', 'success', 'error', 'denied', 'timeout', 'cancelled', 'attempted'];
const DECISIONS = ['', 'allow', 'rewrite', 'deny'];
const PERIODS = ['', 'today', 'yesterday', 'this-week', 'last-week', 'this-month', 'last-month'];
const PAGE_SIZE = 25;

type Filters = Record<string, string>;

export function AuditPage() {
  const { paths } = useApiPaths();
  const [draft, setDraft] = useState<Filters>({});
  const [filters, setFilters] = useState<Filters>({});
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [selected, setSelected] = useState<AuditRecord | undefined>(undefined);
  const cursor = cursors.at(-1);
  const query = useQuery({
    queryKey: ['audit', filters, cursor],
    queryFn: () => api<{ records: AuditRecord[]; next_cursor: string | null }>(`/admin/audit/records${queryString({ ...filters, limit: PAGE_SIZE, cursor })}`),
    placeholderData: (previous) => previous,
  });
  const canVerify = useCan('audit.verify');
  const verify = useMutation({ mutationFn: () => api<Record<string, unknown>>('/admin/audit/verify', { method: 'POST', body: {} }) });
  const exportCsv = useMutation({ mutationFn: () => downloadCsv(filters) });
  const csvRoute = [...(paths ?? [])].find((path) => path.startsWith('/admin/audit/') && (path.endsWith('.csv') || path.endsWith('/export')));

  function search(event: FormEvent): void {
    event.preventDefault();
    setFilters(Object.fromEntries(Object.entries(draft).filter(([, value]) => value.trim() !== '').map(([key, value]) => [key, value.trim()])));
    setCursors([undefined]);
    setSelected(undefined);
  }

  const field = (name: string) => ({ id: `filter-${name}`, name, value: draft[name] ?? '', onChange: (event: { target: { value: string } }) => setDraft({ ...draft, [name]: event.target.value }) });

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Audit</h1>
      <form className="filters" onSubmit={search} aria-label="Audit filters">
        {TEXT_FILTERS.map(([name, label]) => (
          <div className="field" key={name}>
            <label htmlFor={`filter-${name}`}>{label}</label>
            <input type="text" autoComplete="off" {...field(name)} />
          </div>
        ))}
        {([['type', 'Operation type', TYPES], ['status', 'Result status', STATUSES], ['decision', 'Policy decision', DECISIONS], ['period', 'Period', PERIODS]] as const).map(([name, label, options]) => (
          <div className="field" key={name}>
            <label htmlFor={`filter-${name}`}>{label}</label>
            <select {...field(name)}>
              {options.map((option) => <option key={option} value={option}>{option === '' ? 'any' : option}</option>)}
            </select>
          </div>
        ))}
        <div className="actions filters-actions">
          <button type="submit" className="button">Search</button>
          {csvRoute === undefined
            ? <button type="button" className="button-quiet" disabled={exportCsv.isPending} onClick={() => exportCsv.mutate()}>Export CSV</button>
            : <a className="button-quiet" href={`${csvRoute}${queryString(filters)}`} download>Export CSV</a>}
          {isServed(paths, '/admin/audit/verify') && canVerify ? <button type="button" className="button-quiet" disabled={verify.isPending} onClick={() => verify.mutate()}>Verify chain</button> : null}
        </div>
      </form>
      {exportCsv.isError ? <Refusal error={exportCsv.error} /> : null}
      {paths !== undefined && !isServed(paths, '/admin/audit/verify') ? <NotAvailable what="Chain verification from the console (POST /admin/audit/verify)" hint="Run `gatehouse audit verify` on the gateway's host meanwhile." /> : null}
      {verify.isPending ? <Loading what="the verifier's result" /> : null}
      {verify.isError ? <ErrorState error={verify.error} what="Chain verification" /> : null}
      {verify.isSuccess ? <VerifyResult result={verify.data} /> : null}

      {query.isPending ? <Loading what="audit records" /> : query.isError ? <ErrorState error={query.error} what="The audit log" hint="Audit search needs an `audit` section in the config." /> : (
        <>
          {query.data.records.length === 0 ? <Empty>No audit record matches these filters.</Empty> : (
            <div className="table-wrap">
              <table data-testid="audit-records">
                <caption className="visually-hidden">Audit records, newest first</caption>
                <thead>
                  <tr><th scope="col">Time</th><th scope="col">Type</th><th scope="col">Caller</th><th scope="col">Operation</th><th scope="col">Status</th><th scope="col">Decisions</th><th scope="col"><span className="visually-hidden">Detail</span></th></tr>
                </thead>
                <tbody>
                  {query.data.records.map((record) => (
                    <tr key={record.audit_id} aria-selected={selected?.audit_id === record.audit_id}>
                      <td>{formatTime(record.timestamp)}</td>
                      <td>{record.operation.type}</td>
                      <td>{record.caller.identity ?? '—'}{record.caller.agent !== null && record.caller.agent !== record.caller.identity ? <span className="muted"> via {record.caller.agent}</span> : null}</td>
                      <td>{[record.operation.server, record.operation.name].filter((part) => part !== null).join(' / ') || '—'}</td>
                      <td><span className={`badge badge-${record.result.status}`}>{record.result.status}</span></td>
                      <td>{record.context.policy_decisions.filter((decision) => decision.decision !== 'allow').map((decision) => `${decision.policy}: ${decision.decision}`).join(', ') || 'allow'}</td>
                      <td><button type="button" className="button-quiet" onClick={() => setSelected(record)} aria-label={`Show record ${record.audit_id}`}>Detail</button></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <nav className="pager" aria-label="Audit pages">
            <button type="button" className="button-quiet" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>Newer</button>
            <span className="muted">Page {cursors.length}</span>
            <button type="button" className="button-quiet" disabled={query.data.next_cursor === null} onClick={() => setCursors([...cursors, query.data.next_cursor ?? undefined])}>Older</button>
          </nav>
        </>
      )}
      {selected === undefined ? null : <RecordDetail record={selected} onClose={() => setSelected(undefined)} />}
    </section>
  );
}

const CHAIN_FIELDS = ['sequence', 'seq', 'position', 'chain_position', 'chain', 'prev_hash', 'previous_hash', 'hash', 'record_hash'];

function RecordDetail({ record, onClose }: { record: AuditRecord; onClose: () => void }) {
  const chain = Object.entries(record).filter(([key]) => CHAIN_FIELDS.includes(key));
  return (
    <section className="card detail" aria-labelledby="record-title" data-testid="audit-detail">
      <header className="card-header">
        <h2 id="record-title">Record {record.audit_id}</h2>
        <button type="button" className="button-quiet" onClick={onClose}>Close</button>
      </header>
      <dl className="facts">
        <dt>Chain position</dt>
        <dd>{chain.length === 0 ? 'not given by this gateway\'s API (the verifier checks the whole chain)' : chain.map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`).join('; ')}</dd>
        <dt>Session</dt><dd>{record.caller.session_id ?? '—'}</dd>
        <dt>Scope used</dt><dd>{record.operation.scope_used ?? '—'}</dd>
        <dt>Duration</dt><dd>{record.result.duration_ms} ms</dd>
        <dt>Error</dt><dd>{record.result.error === null ? '—' : `${record.result.error.code}: ${record.result.error.message}`}</dd>
      </dl>
      <pre className="preview" tabIndex={0} aria-label="The whole record">{JSON.stringify(record, null, 2)}</pre>
    </section>
  );
}

function VerifyResult({ result }: { result: Record<string, unknown> }) {
  const verdict = [result.ok, result.valid, result.intact, result.isIntact, result.verified].find((value) => typeof value === 'boolean') as boolean | undefined;
  const isIntact = verdict ?? (result.status === 'ok' || result.status === 'intact' || result.status === 'valid');
  return (
    <div className={`notice ${isIntact ? 'notice-ok' : 'notice-error'}`} role="status" data-testid="verify-result">
      <strong>{isIntact ? 'The audit chain verifies.' : 'The audit chain does NOT verify.'}</strong>
      <pre className="preview">{JSON.stringify(result, null, 2)}</pre>
    </div>
  );
}

/** Every record of the search (up to 10,000), as CSV, handed to the browser as a download. */
async function downloadCsv(filters: Filters): Promise<void> {
  const records: AuditRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await api<{ records: AuditRecord[]; next_cursor: string | null }>(`/admin/audit/records${queryString({ ...filters, limit: 1000, cursor })}`);
    records.push(...page.records);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined && records.length < 10_000);
  const url = URL.createObjectURL(new Blob([recordsToCsv(records)], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `gatehouse-audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
