// The identities a red-team run acts as: `--token NAME=TOKEN`, repeatable
// (scope escalation, red-team pattern 2, needs an identity with limited
// scopes beside a broader one; docs/ci-tools.md). With none, the run is anonymous.

import { CiToolError } from '../ci-tool-error.ts';

export interface Identity {
  name: string;
  /** Undefined for the anonymous caller. */
  token: string | undefined;
}

export const ANONYMOUS: Identity = { name: 'anonymous', token: undefined };

export function parseIdentity(text: string): Identity {
  const equals = text.indexOf('=');
  if (equals <= 0 || equals === text.length - 1) {
    throw new CiToolError('identity_invalid', `--token expects NAME=TOKEN (e.g. --token support=$SUPPORT_TOKEN), got "${text.slice(0, 12)}…"`);
  }
  return { name: text.slice(0, equals), token: text.slice(equals + 1) };
}
