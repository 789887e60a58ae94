// A call held for human approval, for a 2026-07-28 client (multi round-trip
// requests, basic/patterns/mrtr): instead of keeping the HTTP request open,
// the gateway answers `input_required` with a URL-mode elicitation of the
// approval page and a sealed `requestState` naming the approval, bound to the
// caller, endpoint, tool, the hash of the arguments and the approval's expiry.
// The client's retry presents that state; the approval policy then waits for
// the decision (client/elicitation "URL Mode Flow": the server "may need to
// block until the request is fulfilled") and lets the call through, reports
// the denial, or says the wait timed out. Nothing is held between the two
// requests, so the retry may land on any replica sharing the approval store.

import type { Exchange } from '../exchange/exchange.ts';
import type { ApprovalHold } from '../policy/policy.ts';
import type { Approvals } from '../policy/approval-service.ts';
import { canonicalHash } from '../policy/canonical-hash.ts';
import { argumentsOf } from '../policy/tool-selector.ts';
import { rpcErrors } from '../protocol/errors.ts';
import type { BridgeContext } from './interactive-call.ts';
import { callerKey } from './interactive-call.ts';
import type { RequestStatePayload } from './request-state.ts';

/** The `inputRequests` key of the approval page; the client answers it with `{action: "accept"}` once the user saw the link. */
const APPROVAL_INPUT_KEY = 'approval';

/**
 * After the approval request's own expiry the sealed state stays readable a
 * little longer, so a late retry hears "the approval expired" from the policy
 * (a tool error the agent can act on) rather than a bare invalid-params error.
 */
const STATE_GRACE_MS = 5 * 60_000;

/** What ties a held call's state to one request: the same fields the bridge seals for backend states. */
export interface ApprovalBinding {
  endpoint: string;
  backend: string;
  method: string;
  /** The client-visible tool name. */
  target: string;
}

function bindingFor(exchange: Exchange, binding: ApprovalBinding): Omit<RequestStatePayload, 'kind' | 'expiresAt'> {
  return { ...binding, caller: callerKey(exchange) };
}

/** The `input_required` result that stands for a held call: the approval page as a URL elicitation, and the sealed state. */
export function approvalInputRequired(bridge: BridgeContext, exchange: Exchange, hold: ApprovalHold, binding: ApprovalBinding): Record<string, unknown> {
  // 2026-07-28 URL elicitation has no elicitationId (changelog, minor change 11): the requestState names the approval.
  const { elicitationId: _dropped, ...elicitation } = hold.elicitation;
  return {
    resultType: 'input_required',
    inputRequests: { [APPROVAL_INPUT_KEY]: { method: 'elicitation/create', params: elicitation } },
    requestState: bridge.sealer.seal({
      kind: 'approval',
      ...bindingFor(exchange, binding),
      expiresAt: hold.expiresAt + STATE_GRACE_MS,
      approvalId: hold.approvalId,
      argumentsHash: canonicalHash(argumentsOf(exchange)),
    }),
  };
}

/**
 * A 2026-07-28 retry that carries the sealed state of an approval hold:
 * presents the approval to the policy and removes `requestState` and
 * `inputResponses` from `params` (the backend never issued them). Returns
 * false, changing nothing, when the state is not an approval's (the bridge
 * handles backends' states); throws -32602 when it is not usable here.
 */
export function claimApprovalState(bridge: BridgeContext, approvals: Approvals | undefined, exchange: Exchange, params: Record<string, unknown>, binding: ApprovalBinding): boolean {
  if (exchange.client.era !== 'modern' || typeof params.requestState !== 'string') return false;
  const state = bridge.sealer.open(params.requestState, { ...bindingFor(exchange, binding), now: Date.now() });
  if (state.kind !== 'approval') return false;
  if (approvals === undefined || state.approvalId === undefined) {
    throw rpcErrors.invalidParams('this requestState names an approval this gateway no longer asks for (its policies changed); send the request again without requestState and inputResponses');
  }
  if (state.backend !== binding.backend || state.argumentsHash !== canonicalHash(argumentsOf(exchange))) {
    throw rpcErrors.invalidParams('this requestState was issued for the same tool with other arguments; an approval covers exactly one call, so send the request again without requestState and inputResponses');
  }
  approvals.present(exchange, state.approvalId);
  delete params.requestState;
  delete params.inputResponses;
  return true;
}
