// The frame of every signed-in page: a skip link, the navigation (a bar on
// wide screens, a menu button on a phone), who is signed in, and sign-out
// (a POST with the CSRF header, then back to the sign-in page).

import { useEffect, useRef, useState } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api.ts';
import { isServed, useApiPaths } from './capabilities.ts';
import { useSession } from './session.tsx';

const PAGES = [
  { to: '/', label: 'Overview', end: true },
  { to: '/approvals', label: 'Approvals' },
  { to: '/registry', label: 'Registry' },
  { to: '/catalog', label: 'Catalog' },
  { to: '/audit', label: 'Audit' },
  { to: '/sessions', label: 'Sessions' },
  { to: '/usage', label: 'Usage' },
  { to: '/tenants', label: 'Tenants' },
] as const;

export function Layout() {
  const session = useSession();
  const queryClient = useQueryClient();
  const location = useLocation();
  const [isMenuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const { paths } = useApiPaths();
  // Who the API says the caller is (tenant, permissions), where the gateway serves /admin/me; the pages' own requests are checked again.
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<{ tenant?: string | null }>('/admin/me'), enabled: isServed(paths, '/admin/me'), staleTime: 60_000 });
  const tenant = me.data?.tenant ?? undefined;

  const isFirstPage = useRef(true);
  // A new page moves focus to its content, for keyboard and screen reader users; the first page keeps the browser's start (the skip link first).
  useEffect(() => {
    setMenuOpen(false);
    if (isFirstPage.current) {
      isFirstPage.current = false;
      return;
    }
    main.current?.focus();
  }, [location.pathname]);

  async function signOut(): Promise<void> {
    await api('/console/auth/logout', { method: 'POST' }).catch(() => undefined);
    queryClient.clear();
    window.location.assign('/console/');
  }

  return (
    <div className="frame">
      <a className="skip-link" href="#content">Skip to content</a>
      <header className="topbar">
        <span className="brand">Gatehouse <span className="brand-sub">console</span></span>
        <button type="button" className="menu-button" aria-expanded={isMenuOpen} aria-controls="navigation" onClick={() => setMenuOpen(!isMenuOpen)}>
          Menu
        </button>
        <div className="who">
          <span data-testid="signed-in-as">Signed in as <strong>{session.name ?? session.subject}</strong> <span className="muted">({session.subject}{tenant === undefined ? '' : `, tenant ${tenant}`})</span></span>
          <button type="button" className="button-quiet" onClick={() => void signOut()}>Sign out</button>
        </div>
      </header>
      <nav id="navigation" aria-label="Console pages" className={isMenuOpen ? 'nav nav-open' : 'nav'}>
        <ul>
          {PAGES.map((page) => (
            <li key={page.to}>
              <NavLink to={page.to} end={'end' in page ? page.end : false}>{page.label}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="content" ref={main} tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
