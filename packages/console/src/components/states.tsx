// The states every page shows the same way: loading, empty, an API refusal
// (its code and message as the API gave them), "your role does not include"
// for a 403 insufficient_scope (the caller's role lacks the route's
// permission: a normal state for an approver or auditor, not an error), and
// "not available" for a route this gateway does not serve (404: its feature
// is off or not merged).

import type { ReactNode } from 'react';
import { ApiError } from '../api.ts';
import { describePermission, permissionOfRefusal, useMe } from '../permissions.ts';

export function Loading({ what }: { what: string }) {
  return <p className="loading" role="status">Loading {what}…</p>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function NotAvailable({ what, hint }: { what: string; hint?: string }) {
  return (
    <div className="notice notice-info" role="status" data-testid="not-available">
      <strong>{what} is not available on this gateway.</strong>
      {hint === undefined ? null : <> {hint}</>}
    </div>
  );
}

/** An error of a query or an action: "not available" on 404, "your role does not include" on a role refusal, else the API's code and message. */
export function ErrorState({ error, what, hint }: { error: unknown; what: string; hint?: string }) {
  if (error instanceof ApiError && error.isNotAvailable) return <NotAvailable what={what} {...(hint === undefined ? {} : { hint })} />;
  if (isRoleRefusal(error)) return <RoleLacks permission={permissionOfRefusal(error.message)} />;
  return <Refusal error={error} />;
}

/** The API refused because the caller's roles lack the route's permission (not a missing or bad sign-in, which is 401). */
function isRoleRefusal(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 403 && error.code === 'insufficient_scope';
}

/** What a person whose role lacks a permission sees instead of a page's content or action. */
function RoleLacks({ permission }: { permission: string | undefined }) {
  const { me } = useMe();
  const roles = me === undefined || me.roles.length === 0 ? 'Your role does' : me.roles.length === 1 ? `Your role (${me.roles[0]}) does` : `Your roles (${me.roles.join(', ')}) do`;
  return (
    <div className="notice notice-info" role="status" data-testid="role-lacks">
      <strong>{roles} not include {permission === undefined ? 'this page' : describePermission(permission)}</strong>
      {permission === undefined ? null : <span className="muted"> (permission <code>{permission}</code>)</span>}
      <span>. The admin API refuses it to you; an administrator can grant a role that includes it.</span>
    </div>
  );
}

export function Refusal({ error }: { error: unknown }) {
  const status = error instanceof ApiError ? error.status : undefined;
  const code = error instanceof ApiError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="notice notice-error" role="alert" data-testid="refusal">
      <strong>{status === 403 ? 'Refused' : 'Failed'}{code === undefined ? '' : `: ${code}`}</strong>
      <span> {message}</span>
      {status === undefined ? null : <span className="muted"> (HTTP {status})</span>}
    </div>
  );
}

export function formatTime(value: string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}
