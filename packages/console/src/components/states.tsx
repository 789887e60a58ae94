// The states every page shows the same way: loading, empty, an API refusal
// (its code and message as the API gave them), and "not available" for a
// route this gateway does not serve (404: its feature is off or not merged).

import type { ReactNode } from 'react';
import { ApiError } from '../api.ts';

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

/** An error of a query or an action: "not available" on 404, else the API's code and message. */
export function ErrorState({ error, what, hint }: { error: unknown; what: string; hint?: string }) {
  if (error instanceof ApiError && error.isNotAvailable) return <NotAvailable what={what} {...(hint === undefined ? {} : { hint })} />;
  return <Refusal error={error} />;
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
