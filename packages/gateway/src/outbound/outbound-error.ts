// The refusal of the outbound guard: a URL a caller or a discovered record
// supplied points somewhere the gateway does not go on their behalf. Permanent
// for that URL (retrying does not help); the operator can open it in
// `outbound.allow`.

import type { AddressClass } from './address-class.ts';

const BRAND = Symbol.for('gatehouse.OutboundRefusedError');

export type OutboundRefusalCode =
  | 'outbound_address_refused'
  | 'outbound_scheme_refused'
  | 'outbound_too_many_redirects'
  | 'outbound_response_too_large';

export class OutboundRefusedError extends Error {
  readonly [BRAND] = true;
  readonly code: OutboundRefusalCode;
  /** The address class that was refused (address refusals only). */
  readonly addressClass: AddressClass | undefined;
  readonly isTransient = false;
  constructor(code: OutboundRefusalCode, message: string, addressClass?: AddressClass) {
    super(message);
    this.name = 'OutboundRefusedError';
    this.code = code;
    this.addressClass = addressClass;
  }
}

function isOutboundRefusedError(value: unknown): value is OutboundRefusedError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** The refusal anywhere in a chain of causes (fetch wraps connect errors in a TypeError). */
export function findOutboundRefusal(error: unknown): OutboundRefusedError | undefined {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (isOutboundRefusedError(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function addressRefused(target: string, address: string, kind: AddressClass): OutboundRefusedError {
  const shown = address === target ? address : `${target} (${address})`;
  return new OutboundRefusedError('outbound_address_refused',
    `Refused to connect to ${shown}: a ${kind.replace('_', '-')} address. The gateway does not reach internal addresses for URLs that callers or discovered records supply; if this destination is yours, add it to outbound.allow in the config`,
    kind);
}
