// Who is signed in: the backend-for-frontend's session (/console/auth/session
// on the admin listener), read once and shared. Signed out shows the
// sign-in page; the API checks every request again whatever this says.

import { createContext, useContext, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, setCsrfToken } from './api.ts';

export interface ConsoleSession {
  signed_in: true;
  subject: string;
  name: string | null;
  client_id: string | null;
  scopes: string[];
  csrf: string;
  expires_at: string;
}

const SessionContext = createContext<ConsoleSession | undefined>(undefined);

export function useSession(): ConsoleSession {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession outside a signed-in console');
  return session;
}

export function SessionGate({ signedIn, signedOut, failed }: { signedIn: ReactNode; signedOut: ReactNode; failed: (error: Error) => ReactNode }) {
  const query = useQuery({
    queryKey: ['console-session'],
    queryFn: async () => {
      const session = await api<ConsoleSession | { signed_in: false }>('/console/auth/session');
      setCsrfToken(session.signed_in ? session.csrf : undefined);
      return session;
    },
    retry: false,
    staleTime: 60_000,
  });
  if (query.isPending) return <p className="loading" role="status">Loading…</p>;
  if (query.error !== null) return <>{failed(query.error)}</>;
  if (!query.data.signed_in) return <>{signedOut}</>;
  return <SessionContext.Provider value={query.data}>{signedIn}</SessionContext.Provider>;
}
