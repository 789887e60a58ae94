// The gateway's MCP sessions (GET /admin/sessions) and ending one
// (DELETE /admin/sessions/{id}): the agent's next request is answered 404
// and its client starts a new session, as the transport spec asks.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.ts';
import { isServed, useApiPaths } from '../capabilities.ts';
import { useCan } from '../permissions.ts';
import { Empty, ErrorState, Loading, NotAvailable, Refusal, formatTime } from '../components/states.tsx';

type Loose = Record<string, unknown>;

interface McpSession {
  id: string;
  caller: string;
  client: string;
  tenant: string | null;
  createdAt: string | null;
  lastSeenAt: string | null;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

function fromBody(body: Loose): McpSession[] {
  const sessions = (Array.isArray(body.sessions) ? body.sessions : []) as Loose[];
  return sessions.map((session) => ({
    id: String(session.id ?? session.session_id),
    caller: text(session.subject) ?? text(session.identity) ?? text(session.user) ?? '—',
    client: text(session.client_id) ?? text(session.agent) ?? '—',
    tenant: text(session.tenant),
    createdAt: text(session.created_at) ?? text(session.createdAt),
    lastSeenAt: text(session.last_seen_at) ?? text(session.last_active_at) ?? text(session.lastSeenAt),
  }));
}

export function SessionsPage() {
  const { paths, error } = useApiPaths();
  const isAvailable = isServed(paths, '/admin/sessions');
  const queryClient = useQueryClient();
  // An auditor reads the list; ending a session is the admin's (sessions.manage), and the API refuses it to others anyway.
  const canEnd = useCan('sessions.manage');
  const query = useQuery({ queryKey: ['sessions'], queryFn: async () => fromBody(await api<Loose>('/admin/sessions')), enabled: isAvailable, refetchInterval: 5_000 });
  const end = useMutation({
    mutationFn: (id: string) => api(`/admin/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['sessions'] }),
  });
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Sessions</h1>
      {error !== null ? <ErrorState error={error} what="The admin API" /> : paths === undefined ? <Loading what="sessions" /> : !isAvailable ? <NotAvailable what="The session list (GET /admin/sessions)" hint="This gateway's admin API predates it." /> : query.isPending ? <Loading what="sessions" /> : query.isError ? <ErrorState error={query.error} what="The session list" /> : query.data.length === 0 ? <Empty>No MCP session is open.</Empty> : (
        <div className="table-wrap">
          <table>
            <thead><tr><th scope="col">Session</th><th scope="col">Caller</th><th scope="col">Client</th><th scope="col">Tenant</th><th scope="col">Started</th><th scope="col">Last seen</th>{canEnd ? <th scope="col"><span className="visually-hidden">Action</span></th> : null}</tr></thead>
            <tbody>
              {query.data.map((session) => (
                <tr key={session.id}>
                  <th scope="row"><code>{session.id.length > 14 ? `${session.id.slice(0, 13)}…` : session.id}</code></th>
                  <td>{session.caller}</td><td>{session.client}</td><td>{session.tenant ?? '—'}</td>
                  <td>{formatTime(session.createdAt)}</td><td>{formatTime(session.lastSeenAt)}</td>
                  {canEnd ? <td><button type="button" className="button-quiet button-danger-quiet" disabled={end.isPending} onClick={() => end.mutate(session.id)} aria-label={`End session ${session.id}`}>End</button></td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {end.isError ? <Refusal error={end.error} /> : null}
    </section>
  );
}
