// URL-mode confirmations (client/elicitation, "URL Mode Elicitation
// Requests"): the question is asked on a page this server serves, at
// /confirmations/<id>, so the user's answer never passes through the MCP
// client. The registry holds each open confirmation until the user answers
// on the page or it expires; a waiting tool call hears the answer at once.
// In memory, so a confirmation is answered on the replica that opened it.

import { randomUUID } from 'node:crypto';

export type ConfirmationDecision = 'confirmed' | 'declined';

/** The path prefix of confirmation pages; /confirmations/<id>. */
export const CONFIRMATION_PATH_PREFIX = '/confirmations/';

interface OpenConfirmation {
  question: string;
  tool: string;
  /** The caller the confirmation was opened for: a later call by someone else cannot use it. */
  subject: string;
  fingerprint: string;
  decision: ConfirmationDecision | undefined;
  expiresAt: number;
  readonly waiters: Set<(decision: ConfirmationDecision) => void>;
}

export interface ConfirmationPagesOptions {
  /** How long an unanswered confirmation stays open; 10 minutes by default (the sealed round state lives as long). */
  ttlMs?: number;
  now?: () => number;
}

export class ConfirmationPages {
  readonly #open = new Map<string, OpenConfirmation>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: ConfirmationPagesOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 600_000;
    this.#now = options.now ?? Date.now;
  }

  /** Opens a confirmation; its id is unguessable (a UUID), and doubles as the 2025-11-25 `elicitationId`. */
  open(facts: { question: string; tool: string; subject: string; fingerprint: string }): string {
    this.#sweep();
    const id = randomUUID();
    this.#open.set(id, { ...facts, decision: undefined, expiresAt: this.#now() + this.#ttlMs, waiters: new Set() });
    return id;
  }

  /** The answer so far for a confirmation opened for this very call; undefined when it is unknown, expired or someone else's. */
  decisionFor(id: string, call: { tool: string; subject: string; fingerprint: string }): ConfirmationDecision | 'pending' | undefined {
    const entry = this.#live(id);
    if (entry === undefined || entry.tool !== call.tool || entry.subject !== call.subject || entry.fingerprint !== call.fingerprint) return undefined;
    return entry.decision ?? 'pending';
  }

  /** Resolves with the user's answer, or 'pending' when `timeoutMs` passes (or `signal` aborts) first. */
  async wait(id: string, timeoutMs: number, signal: AbortSignal): Promise<ConfirmationDecision | 'pending'> {
    const entry = this.#live(id);
    if (entry === undefined) return 'pending';
    if (entry.decision !== undefined) return entry.decision;
    return new Promise((resolve) => {
      const done = (decision: ConfirmationDecision | 'pending') => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        entry.waiters.delete(done);
        resolve(decision);
      };
      const onAbort = () => done('pending');
      const timer = setTimeout(() => done('pending'), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      entry.waiters.add(done);
    });
  }

  /** Records the user's answer; the first answer stands. */
  decide(id: string, decision: ConfirmationDecision): boolean {
    const entry = this.#live(id);
    if (entry === undefined || entry.decision !== undefined) return false;
    entry.decision = decision;
    for (const waiter of [...entry.waiters]) waiter(decision);
    return true;
  }

  /** The page: GET shows the question with Confirm and Decline; POST records the answer. Undefined for other paths. */
  async answer(request: Request): Promise<Response | undefined> {
    const path = new URL(request.url).pathname;
    if (!path.startsWith(CONFIRMATION_PATH_PREFIX)) return undefined;
    const id = path.slice(CONFIRMATION_PATH_PREFIX.length);
    const entry = this.#live(id);
    if (entry === undefined) return page(404, 'This confirmation is unknown or has expired. Ask the assistant to try again.');
    if (request.method === 'GET') {
      if (entry.decision !== undefined) return page(200, `Already answered: ${entry.decision}.`);
      return page(
        200,
        `<p>${escapeHtml(entry.question)}</p><form method="post"><button name="decision" value="confirm">Confirm</button> <button name="decision" value="decline">Decline</button></form>`,
        true,
      );
    }
    if (request.method !== 'POST') return page(405, 'Use GET to see the question and POST to answer it.');
    const choice = new URLSearchParams(await request.text()).get('decision');
    if (choice !== 'confirm' && choice !== 'decline') return page(400, 'Answer with decision=confirm or decision=decline.');
    const decision: ConfirmationDecision = choice === 'confirm' ? 'confirmed' : 'declined';
    if (!this.decide(id, decision)) return page(409, `Already answered: ${entry.decision}.`);
    return page(200, decision === 'confirmed' ? 'Confirmed. You can return to the assistant.' : 'Declined. Nothing will be done.');
  }

  #live(id: string): OpenConfirmation | undefined {
    const entry = this.#open.get(id);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#open.delete(id);
      return undefined;
    }
    return entry;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, entry] of this.#open) if (entry.expiresAt <= now) this.#open.delete(id);
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function page(status: number, body: string, isHtml = false): Response {
  const content = isHtml ? body : `<p>${escapeHtml(body)}</p>`;
  return new Response(`<!doctype html><meta charset="utf-8"><title>Confirm</title>${content}`, {
    status,
    // The page is an answer to one user; never cache it, never frame it (clickjacking a Confirm button).
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY', 'content-security-policy': "frame-ancestors 'none'" },
  });
}
