// The catalog: every tool with its pinned hash and pin state; a quarantined
// change shown as a diff of the pinned and the new definition (when the API
// gives both, else the fields that changed), accepted (POST
// /admin/tools/{backend}/{tool}/accept) or rejected where the API has a
// reject route. GET /admin/catalog when the gateway serves it; the tool pins
// routes otherwise.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.ts';
import { isServed, useApiPaths } from '../capabilities.ts';
import { DefinitionDiff } from '../components/definition-diff.tsx';
import { Empty, ErrorState, Loading, Refusal, formatTime } from '../components/states.tsx';
import { useCan } from '../permissions.ts';

interface CatalogTool {
  backend: string;
  tool: string;
  state: string;
  pinnedHash: string | null;
  currentHash: string | null;
  pinnedAt: string | null;
  pinnedBy: string | null;
  changes: string[];
  pinnedDefinition: unknown;
  currentDefinition: unknown;
  description: string | undefined;
}

type Loose = Record<string, unknown>;
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function fromCatalog(body: Loose): CatalogTool[] {
  const tools = (Array.isArray(body.tools) ? body.tools : Array.isArray(body.entries) ? body.entries : []) as Loose[];
  return tools.map((tool) => {
    const pin = (typeof tool.pin === 'object' && tool.pin !== null ? tool.pin : tool) as Loose;
    return {
      backend: String(tool.backend),
      tool: String(tool.tool ?? tool.name),
      state: String(pin.state ?? tool.state ?? 'unknown'),
      pinnedHash: text(pin.pinned_hash ?? pin.hash),
      currentHash: text(pin.current_hash ?? tool.current_hash),
      pinnedAt: text(pin.pinned_at),
      pinnedBy: text(pin.pinned_by),
      changes: Array.isArray(pin.changes) ? (pin.changes as string[]) : [],
      pinnedDefinition: tool.pinned_definition ?? pin.pinned_definition,
      currentDefinition: tool.current_definition ?? pin.current_definition ?? tool.definition,
      description: text(tool.description) ?? undefined,
    };
  });
}

async function readCatalog(hasCatalog: boolean): Promise<CatalogTool[]> {
  if (hasCatalog) return fromCatalog(await api<Loose>('/admin/catalog'));
  const [pins, quarantined] = await Promise.all([api<{ pins: Loose[] }>('/admin/tools/pins'), api<{ tools: Loose[] }>('/admin/tools/quarantined')]);
  const tools = new Map<string, CatalogTool>();
  for (const pin of pins.pins) tools.set(`${String(pin.backend)}/${String(pin.tool)}`, fromCatalog({ tools: [{ ...pin, pinned_hash: pin.hash }] })[0]!);
  for (const status of quarantined.tools) {
    const key = `${String(status.backend)}/${String(status.tool)}`;
    tools.set(key, { ...fromCatalog({ tools: [status] })[0]!, pinnedAt: tools.get(key)?.pinnedAt ?? null, pinnedBy: tools.get(key)?.pinnedBy ?? null });
  }
  return [...tools.values()].sort((a, b) => Number(b.state !== 'pinned') - Number(a.state !== 'pinned') || a.backend.localeCompare(b.backend) || a.tool.localeCompare(b.tool));
}

export function CatalogPage() {
  const { paths, error } = useApiPaths();
  const hasCatalog = isServed(paths, '/admin/catalog');
  const hasReject = isServed(paths, '/admin/tools/{backend}/{tool}/reject');
  const query = useQuery({ queryKey: ['catalog', hasCatalog], queryFn: () => readCatalog(hasCatalog), enabled: paths !== undefined, refetchInterval: 15_000 });
  const waiting = query.data?.filter((tool) => tool.state !== 'pinned').length ?? 0;
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Catalog</h1>
      {error !== null ? <ErrorState error={error} what="The admin API" /> : query.isPending ? <Loading what="the catalog" /> : query.isError ? <ErrorState error={query.error} what="The catalog" hint="Tool pins exist when the config has a tool_pinning policy." /> : query.data.length === 0 ? <Empty>No tool is pinned yet: a tool is pinned on its first listing.</Empty> : (
        <>
          <p className="muted">{query.data.length} {query.data.length === 1 ? 'tool' : 'tools'} pinned or waiting; {waiting === 0 ? 'none waits for review.' : `${waiting} wait for review (the gateway refuses them until accepted).`}</p>
          <ul className="cards" aria-label="Tools">
            {query.data.map((tool) => <li key={`${tool.backend}/${tool.tool}`}><ToolCard tool={tool} hasReject={hasReject} /></li>)}
          </ul>
        </>
      )}
    </section>
  );
}

function ToolCard({ tool, hasReject }: { tool: CatalogTool; hasReject: boolean }) {
  const queryClient = useQueryClient();
  const path = `/admin/tools/${encodeURIComponent(tool.backend)}/${encodeURIComponent(tool.tool)}`;
  const decide = useMutation({
    mutationFn: (action: 'accept' | 'reject') => api(`${path}/${action}`, { method: 'POST' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['catalog'] }),
  });
  const isWaiting = tool.state === 'quarantined' || tool.state === 'unreviewed';
  // An approver sees the tools held calls come from; deciding a definition is a reviewer's (pins.decide).
  const canDecide = useCan('pins.decide');
  return (
    <article className={`card${isWaiting ? ' card-attention' : ''}`} aria-label={`${tool.backend} / ${tool.tool}`}>
      <header className="card-header">
        <h2 className="tool-name">{tool.backend} / {tool.tool}</h2>
        <span className={`badge badge-${tool.state}`}>{tool.state}</span>
      </header>
      {tool.description === undefined ? null : <p>{tool.description}</p>}
      <dl className="facts">
        <dt>Pinned hash</dt><dd><code>{tool.pinnedHash ?? '—'}</code></dd>
        {isWaiting ? <><dt>New hash</dt><dd><code>{tool.currentHash ?? '—'}</code></dd></> : null}
        {tool.pinnedAt === null ? null : <><dt>Pinned</dt><dd>{formatTime(tool.pinnedAt)}{tool.pinnedBy === null ? '' : ` by ${tool.pinnedBy}`}</dd></>}
        {tool.changes.length === 0 ? null : <><dt>Changed fields</dt><dd>{tool.changes.join(', ')}</dd></>}
      </dl>
      {isWaiting && tool.pinnedDefinition !== undefined && tool.currentDefinition !== undefined ? <DefinitionDiff before={tool.pinnedDefinition} after={tool.currentDefinition} /> : null}
      {!isWaiting || !canDecide ? null : (
        <div className="actions">
          <button type="button" className="button" disabled={decide.isPending} onClick={() => decide.mutate('accept')}>Accept new definition</button>
          {hasReject ? <button type="button" className="button button-danger" disabled={decide.isPending} onClick={() => decide.mutate('reject')}>Reject</button> : <span className="muted">Not accepting keeps it refused.</span>}
        </div>
      )}
      {decide.isError ? <Refusal error={decide.error} /> : null}
    </article>
  );
}
