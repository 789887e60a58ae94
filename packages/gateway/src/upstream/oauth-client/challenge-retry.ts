// The one place a POST to a backend meets a 401 or 403 challenge: the
// backend's credentials answer it (discovery, a token, a refresh, more
// scope) and the request goes again, until they have nothing more to try.
// A 401 means the request was not processed (RFC 6750 section 3.1), so
// sending it again cannot repeat an effect.

import { isBackendCredentialError, type BackendCredentials } from '../../identity/backend-credentials.ts';
import { BackendError, isBackendError } from '../backend.ts';
import type { PostOutcome } from '../http-post.ts';

export async function sendAnsweringChallenges(credentials: BackendCredentials, backend: string, send: () => Promise<PostOutcome>): Promise<PostOutcome> {
  let outcome = await send();
  for (let attempt = 0; outcome.status === 401 || outcome.status === 403; attempt++) {
    let isAnswered: boolean;
    try {
      isAnswered = await credentials.answerChallenge!({ status: outcome.status, wwwAuthenticate: outcome.wwwAuthenticate, dpopNonce: outcome.dpopNonce, attempt });
    } catch (error) {
      if (isBackendError(error)) throw error;
      // A refused authorization (resource or issuer mismatch, no consent yet) is not the network's fault: not transient.
      const isTransient = isBackendCredentialError(error) ? error.isTransient : false;
      throw new BackendError(isTransient ? 'backend_unavailable' : 'backend_protocol_error', backend,
        `Backend "${backend}" asked the gateway to authorize (HTTP ${outcome.status}) and it could not: ${(error as Error).message}`, { cause: error });
    }
    if (!isAnswered) break;
    outcome = await send();
  }
  return outcome;
}
