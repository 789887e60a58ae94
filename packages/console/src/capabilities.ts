// Which admin routes this gateway serves, read once from its own OpenAPI
// document (GET /admin/openapi.json): a page whose route the gateway predates
// shows "not available" without asking for it (no 404 in the browser's log).
// A route the document lists but the config leaves off (the registry without
// a `registry:` section) still answers 404, which the pages show the same way.

import { useQuery } from '@tanstack/react-query';
import { api } from './api.ts';

export function useApiPaths(): { paths: ReadonlySet<string> | undefined; error: unknown } {
  const query = useQuery({
    queryKey: ['api-document'],
    queryFn: async () => new Set(Object.keys((await api<{ paths?: Record<string, unknown> }>('/admin/openapi.json')).paths ?? {})),
    staleTime: Infinity,
    // A refusal (a person without an admin role) stays one: a component that mounts to show it must not ask again, or the two would loop.
    retryOnMount: false,
  });
  return { paths: query.data, error: query.error };
}

/** Whether the gateway's document lists `path` (an OpenAPI template such as /admin/sessions/{id}). */
export function isServed(paths: ReadonlySet<string> | undefined, path: string): boolean {
  return paths?.has(path) === true;
}
