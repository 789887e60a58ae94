// The console's entry: TanStack Query for every read of the admin API (cache,
// refetch, live polling), React Router for the pages under /console/, and the
// session gate in front of them.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { ApiError } from './api.ts';
import { Layout } from './layout.tsx';
import { SessionGate } from './session.tsx';
import { SignIn } from './pages/sign-in.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { RegistryPage } from './pages/registry.tsx';
import { CatalogPage } from './pages/catalog.tsx';
import { ApprovalsPage } from './pages/approvals.tsx';
import { AuditPage } from './pages/audit.tsx';
import { SessionsPage } from './pages/sessions.tsx';
import { UsagePage } from './pages/usage.tsx';
import { TenantsPage } from './pages/tenants.tsx';
import { NotFoundPage } from './pages/not-found.tsx';
import './styles.css';

/** A 401 from any request means the session ended (expired, or signed out elsewhere): read it again, which shows the sign-in page. */
function onApiError(error: unknown): void {
  if (error instanceof ApiError && error.isSignedOut) void queryClient.refetchQueries({ queryKey: ['console-session'] });
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: onApiError }),
  mutationCache: new MutationCache({ onError: onApiError }),
  defaultOptions: {
    queries: {
      // A refusal or a missing route does not get better by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      refetchOnWindowFocus: true,
    },
  },
});

const router = createBrowserRouter(
  [
    {
      path: '/',
      element: <Layout />,
      children: [
        { index: true, element: <OverviewPage /> },
        { path: 'registry', element: <RegistryPage /> },
        { path: 'catalog', element: <CatalogPage /> },
        { path: 'approvals', element: <ApprovalsPage /> },
        { path: 'audit', element: <AuditPage /> },
        { path: 'sessions', element: <SessionsPage /> },
        { path: 'usage', element: <UsagePage /> },
        { path: 'tenants', element: <TenantsPage /> },
        { path: '*', element: <NotFoundPage /> },
      ],
    },
  ],
  { basename: '/console' },
);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <SessionGate
        signedIn={<RouterProvider router={router} />}
        signedOut={<SignIn />}
        failed={(error) => <SignIn problem={error.message} />}
      />
    </QueryClientProvider>
  </StrictMode>,
);
