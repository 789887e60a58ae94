// The approvals queue, live: a held call appears within a second without a
// reload (the API's event stream, GET /admin/approvals/events, or a poll each
// second where the gateway has no stream). Arguments are shown as the API
// gives them, already redacted; approve or deny with a reason. Separation of
// duties is the API's: its refusal (self_approval, wrong role) is shown as is.

import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.ts';
import { isServed, useApiPaths } from '../capabilities.ts';
import { useCan } from '../permissions.ts';
import { Empty, ErrorState, Loading, Refusal, formatTime } from '../components/states.tsx';

interface Party {
  agent: string;
  user: string | null;
  principal?: string;
}

export interface Approval {
  id: string;
  status: 'pending' | 'approved' | 'denied' | 'expired' | 'closed';
  policy: string;
  backend: string;
  tool: string;
  reason: string;
  preview: string;
  requested_by: Party;
  requester_parties: string[];
  approvers_required: number;
  approver_role: string | null;
  approvals: Array<{ by: Party; at: string; reason: string | null }>;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  decided_by: Party | null;
  decision_reason: string | null;
}

const STATUSES = ['pending', 'approved', 'denied', 'expired', 'closed', 'all'] as const;

const partyName = (party: Party) => (party.user === null ? `agent ${party.agent}` : `${party.user} via ${party.agent}`);

/** True while the event stream is open; the queue polls each second otherwise (and on a gateway without the stream). */
function useApprovalEvents(): boolean {
  const queryClient = useQueryClient();
  const { paths } = useApiPaths();
  const hasStream = isServed(paths, '/admin/approvals/events');
  const [isStreaming, setStreaming] = useState(false);
  useEffect(() => {
    if (!hasStream || typeof EventSource === 'undefined') return;
    const source = new EventSource('/admin/approvals/events', { withCredentials: true });
    const refresh = () => void queryClient.invalidateQueries({ queryKey: ['approvals'] });
    source.onopen = () => setStreaming(true);
    source.onmessage = refresh;
    for (const type of ['approval', 'approval_requested', 'approval_decided', 'created', 'decided']) source.addEventListener(type, refresh);
    // EventSource reconnects by itself; meanwhile the queue polls.
    source.onerror = () => setStreaming(false);
    return () => source.close();
  }, [queryClient, hasStream]);
  return isStreaming;
}

export function ApprovalsPage() {
  const [status, setStatus] = useState<(typeof STATUSES)[number]>('pending');
  const isStreaming = useApprovalEvents();
  const query = useQuery({
    queryKey: ['approvals', status],
    queryFn: () => api<{ approvals: Approval[] }>(`/admin/approvals?status=${status}`),
    refetchInterval: isStreaming ? 15_000 : 1_000,
  });
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Approvals</h1>
      <div className="toolbar">
        <label>
          Show
          <select value={status} onChange={(event) => setStatus(event.target.value as (typeof STATUSES)[number])}>
            {STATUSES.map((value) => <option key={value} value={value}>{value}</option>)}
          </select>
        </label>
        <span className="muted" aria-live="polite">{isStreaming ? 'Live (event stream)' : 'Live (checked every second)'}</span>
      </div>
      {query.isPending ? <Loading what="the approval queue" /> : query.isError ? <ErrorState error={query.error} what="The approval queue" hint="Approvals exist when the config has an approval policy." /> : query.data.approvals.length === 0 ? (
        <Empty>{status === 'pending' ? 'No call is waiting for approval.' : `No ${status === 'all' ? '' : `${status} `}approval requests.`}</Empty>
      ) : (
        <ul className="cards" aria-label="Approval requests">
          {query.data.approvals.map((approval) => <li key={approval.id}><ApprovalCard approval={approval} /></li>)}
        </ul>
      )}
    </section>
  );
}

function ApprovalCard({ approval }: { approval: Approval }) {
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const decide = useMutation({
    mutationFn: (decision: 'approve' | 'deny') => api<{ approval: Approval }>(`/admin/approvals/${encodeURIComponent(approval.id)}/${decision}`, { method: 'POST', body: reason.trim() === '' ? {} : { reason: reason.trim() } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['approvals'] }),
  });
  const reasonId = `reason-${approval.id}`;
  // Reading the queue without deciding (approvals.read alone) shows the requests, not the decision form.
  const canDecide = useCan('approvals.decide');
  return (
    <article className="card" aria-labelledby={`title-${approval.id}`} data-testid="approval" data-approval-id={approval.id}>
      <header className="card-header">
        <h2 id={`title-${approval.id}`}>{approval.backend} / {approval.tool}</h2>
        <span className={`badge badge-${approval.status}`}>{approval.status}</span>
      </header>
      <dl className="facts">
        <dt>Requested by</dt><dd>{partyName(approval.requested_by)}</dd>
        <dt>Why held</dt><dd>{approval.reason}</dd>
        <dt>Approvals</dt><dd>{approval.approvals.length} of {approval.approvers_required}{approval.approver_role === null ? '' : ` (role ${approval.approver_role})`}</dd>
        <dt>Held since</dt><dd>{formatTime(approval.created_at)}</dd>
        <dt>{approval.status === 'pending' ? 'Expires' : 'Decided'}</dt>
        <dd>{approval.status === 'pending' ? formatTime(approval.expires_at) : `${formatTime(approval.decided_at)}${approval.decided_by === null ? '' : ` by ${partyName(approval.decided_by)}`}${approval.decision_reason === null ? '' : `: ${approval.decision_reason}`}`}</dd>
        <dt>Cannot approve</dt><dd>{approval.requester_parties.map(partyOf).join(', ') || '—'}</dd>
      </dl>
      <h3 className="small-heading">Arguments (redacted)</h3>
      <pre className="preview" tabIndex={0} aria-label="Arguments, redacted">{pretty(approval.preview)}</pre>
      {approval.status !== 'pending' || !canDecide ? null : (
        <form className="decision" onSubmit={(event) => event.preventDefault()}>
          <label htmlFor={reasonId}>Reason (recorded with your decision)</label>
          <textarea id={reasonId} value={reason} maxLength={1000} rows={2} onChange={(event) => setReason(event.target.value)} />
          <div className="actions">
            <button type="button" className="button" disabled={decide.isPending} onClick={() => decide.mutate('approve')}>Approve</button>
            <button type="button" className="button button-danger" disabled={decide.isPending} onClick={() => decide.mutate('deny')}>Deny</button>
          </div>
        </form>
      )}
      {decide.isError ? <Refusal error={decide.error} /> : null}
      {decide.isSuccess ? <p className="notice notice-ok" role="status">Recorded: the request is now {decide.data.approval.status}.</p> : null}
    </article>
  );
}

/** A requester party as the API keys it (`["issuer","subject"]` or a principal): the subject is what an approver recognises. */
function partyOf(party: string): string {
  try {
    const parsed: unknown = JSON.parse(party);
    if (Array.isArray(parsed) && typeof parsed.at(-1) === 'string') return parsed.at(-1) as string;
  } catch {
    // not JSON: a principal such as agent:admin
  }
  return party;
}

function pretty(preview: string): string {
  try {
    return JSON.stringify(JSON.parse(preview), null, 2);
  } catch {
    return preview;
  }
}
