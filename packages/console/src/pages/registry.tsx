// The registry: every governed backend with its owner, tenant, risk tier and
// lifecycle state; the review-due list for the quarterly review; lifecycle
// actions through the review gate (POST /admin/registry/{name}/transitions,
// with If-Match so a change made meanwhile is a 409, not a lost write). Who
// may take which step is the API's decision (self_review, not_permitted).

import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.ts';
import { Empty, ErrorState, Loading, Refusal, formatTime } from '../components/states.tsx';
import { useCan } from '../permissions.ts';

const STATES = ['proposed', 'in_review', 'approved', 'active', 'deprecated', 'retired', 'rejected', 'suspended'] as const;

interface RegistryEntry {
  metadata: { resourceVersion: string; generation: number; updatedAt: string };
  spec: { name: string; description: string; owner: string; tenant: string; team?: string; riskTier: string; dataClassification: string };
  status: { state: string; proposedBy: string; nextReviewAt?: string; conditions: Array<{ type: string; status: string; reason: string; message: string }> };
}

interface ReviewDue {
  name: string;
  owner: string;
  tenant: string;
  riskTier: string;
  state: string;
  nextReviewAt: string | null;
}

export function RegistryPage() {
  const [state, setState] = useState('');
  const entries = useQuery({ queryKey: ['registry', state], queryFn: () => api<{ entries: RegistryEntry[] }>(`/admin/registry${state === '' ? '' : `?state=${state}`}`) });
  const due = useQuery({ queryKey: ['registry-due'], queryFn: () => api<{ entries: ReviewDue[]; asOf: string }>('/admin/registry/review-due?within_days=90'), enabled: entries.isSuccess });
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Registry</h1>
      {entries.isError ? <ErrorState error={entries.error} what="The registry" hint="It is mounted when the config has a `registry:` section (docs/registry.md)." /> : (
        <>
          <div className="toolbar">
            <label>
              State
              <select value={state} onChange={(event) => setState(event.target.value)}>
                <option value="">every state</option>
                {STATES.map((value) => <option key={value} value={value}>{value}</option>)}
              </select>
            </label>
          </div>
          {entries.isPending ? <Loading what="registry entries" /> : entries.data.entries.length === 0 ? <Empty>No registry entry{state === '' ? '' : ` is ${state}`}.</Empty> : (
            <ul className="cards" aria-label="Registry entries">
              {entries.data.entries.map((entry) => <li key={entry.spec.name}><EntryCard entry={entry} /></li>)}
            </ul>
          )}
          <h2>Reviews due in the next 90 days</h2>
          {due.isPending ? <Loading what="the review-due list" /> : due.isError ? <ErrorState error={due.error} what="The review-due list" /> : due.data.entries.length === 0 ? <Empty>No review is due by {formatTime(due.data.asOf)}.</Empty> : (
            <div className="table-wrap">
              <table>
                <thead><tr><th scope="col">Backend</th><th scope="col">Owner</th><th scope="col">Tenant</th><th scope="col">Risk</th><th scope="col">State</th><th scope="col">Review due</th></tr></thead>
                <tbody>
                  {due.data.entries.map((entry) => (
                    <tr key={entry.name}>
                      <th scope="row">{entry.name}</th><td>{entry.owner}</td><td>{entry.tenant}</td><td>{entry.riskTier}</td><td>{entry.state}</td>
                      <td className={entry.nextReviewAt !== null && Date.parse(entry.nextReviewAt) < Date.now() ? 'overdue' : ''}>{formatTime(entry.nextReviewAt)}</td>
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

function EntryCard({ entry }: { entry: RegistryEntry }) {
  const queryClient = useQueryClient();
  const [to, setTo] = useState('');
  const [reason, setReason] = useState('');
  const [decision, setDecision] = useState('');
  const [notes, setNotes] = useState('');
  const name = entry.spec.name;
  const transition = useMutation({
    mutationFn: () => api(`/admin/registry/${encodeURIComponent(name)}/transitions`, {
      method: 'POST',
      headers: { 'if-match': `"${entry.metadata.resourceVersion}"` },
      body: { to, reason, ...(decision === '' ? {} : { review: { decision, ...(notes === '' ? {} : { notes }) } }) },
    }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['registry'] }),
  });
  function submit(event: FormEvent): void {
    event.preventDefault();
    transition.mutate();
  }
  const id = (field: string) => `${field}-${name}`;
  // An auditor reads the registry; moving an entry is a reviewer's (registry.review), and the API refuses it to others anyway.
  const canReview = useCan('registry.review');
  return (
    <article className="card" aria-labelledby={id('title')}>
      <header className="card-header">
        <h3 id={id('title')}>{name}</h3>
        <span className={`badge badge-${entry.status.state}`}>{entry.status.state}</span>
      </header>
      <p>{entry.spec.description}</p>
      <dl className="facts">
        <dt>Owner</dt><dd>{entry.spec.owner}</dd>
        <dt>Tenant</dt><dd>{entry.spec.tenant}{entry.spec.team === undefined ? '' : ` (team ${entry.spec.team})`}</dd>
        <dt>Risk tier</dt><dd>{entry.spec.riskTier}</dd>
        <dt>Data</dt><dd>{entry.spec.dataClassification}</dd>
        <dt>Next review</dt><dd>{formatTime(entry.status.nextReviewAt)}</dd>
        <dt>Proposed by</dt><dd>{entry.status.proposedBy}</dd>
      </dl>
      <ul className="conditions">
        {entry.status.conditions.map((condition) => <li key={condition.type}><strong>{condition.type}</strong> {condition.status} ({condition.reason}): {condition.message}</li>)}
      </ul>
      {!canReview ? null : <form className="decision" onSubmit={submit} aria-label={`Lifecycle action for ${name}`}>
        <div className="field-row">
          <div className="field">
            <label htmlFor={id('to')}>Move to</label>
            <select id={id('to')} value={to} required onChange={(event) => setTo(event.target.value)}>
              <option value="">choose…</option>
              {STATES.filter((state) => state !== entry.status.state).map((state) => <option key={state} value={state}>{state}</option>)}
            </select>
          </div>
          <div className="field">
            <label htmlFor={id('review')}>Review decision</label>
            <select id={id('review')} value={decision} onChange={(event) => setDecision(event.target.value)}>
              <option value="">none</option>
              <option value="approve">approve</option>
              <option value="reject">reject</option>
              <option value="request_changes">request changes</option>
            </select>
          </div>
        </div>
        <label htmlFor={id('reason')}>Reason (recorded for audit)</label>
        <input id={id('reason')} type="text" value={reason} required maxLength={1000} onChange={(event) => setReason(event.target.value)} />
        {decision === '' ? null : (
          <>
            <label htmlFor={id('notes')}>Review notes</label>
            <textarea id={id('notes')} rows={2} value={notes} onChange={(event) => setNotes(event.target.value)} />
          </>
        )}
        <div className="actions"><button type="submit" className="button" disabled={transition.isPending}>Apply</button></div>
      </form>}
      {transition.isError ? <Refusal error={transition.error} /> : null}
      {transition.isSuccess ? <p className="notice notice-ok" role="status">Done: {name} moved to {to}.</p> : null}
    </article>
  );
}
