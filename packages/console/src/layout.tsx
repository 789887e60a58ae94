// The frame of every signed-in page: a skip link, the navigation (a bar on
// wide screens, a menu button on a phone) listing the pages the caller's
// role allows, who is signed in with their roles, and sign-out
// (a POST with the CSRF header, then back to the sign-in page).

import { useEffect, useRef, useState } from 'react';
import { Navigate, NavLink, Outlet, useLocation } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { api } from './api.ts';
import { useMe, visiblePages } from './permissions.ts';
import { useSession } from './session.tsx';


export function Layout() {
  const session = useSession();
  const queryClient = useQueryClient();
  const location = useLocation();
  const [isMenuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  // Who the API says the caller is (tenant, permissions); the navigation lists the pages its role allows, and the API checks every request again.
  const { me, isKnown, hasNoRole } = useMe();
  const tenant = me?.tenant ?? undefined;
  // No admin role at all: no page to list (each would be refused); the page shown says so.
  const pages = isKnown && !hasNoRole ? visiblePages(me?.permissions) : [];

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

  // The overview is the start page; a role without it (an approver, a reviewer) starts on its first page instead.
  if (location.pathname === '/' && isKnown && me !== undefined && pages.length > 0 && !pages.some((page) => page.to === '/')) return <Navigate to={pages[0]!.to} replace />;

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
          <span data-testid="signed-in-as">Signed in as <strong>{session.name ?? session.subject}</strong> <span className="muted">({session.subject}{tenant === undefined ? '' : `, tenant ${tenant}`})</span>{me === undefined || me.roles.length === 0 ? null : <span className="muted" data-testid="roles"> · {me.roles.length === 1 ? 'role' : 'roles'} {me.roles.join(', ')}</span>}</span>
          <button type="button" className="button-quiet" onClick={() => void signOut()}>Sign out</button>
        </div>
      </header>
      <nav id="navigation" aria-label="Console pages" className={isMenuOpen ? 'nav nav-open' : 'nav'}>
        <ul>
          {pages.map((page) => (
            <li key={page.to}>
              <NavLink to={page.to} end={page.to === '/'}>{page.label}</NavLink>
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
