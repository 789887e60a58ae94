// The `outbound` section of gatehouse.yaml: what the outbound guard
// (src/outbound/) lets through although it is internal, and its limits. The
// guard applies to URLs that callers or discovered records supply; URLs the
// operator writes in this file are reached as written (docs/security.md).

import { z } from 'zod';
import { absentWhenNull, list, text, wholeNumber } from './fields.ts';
import { allowEntryProblem } from '../outbound/allow-list.ts';

export interface OutboundConfig {
  /** CIDRs, IP addresses, host names and `*.suffix` patterns opened to the guard. */
  allow: string[];
  timeoutMs: number;
  maxResponseBytes: number;
}

const OUTBOUND_DEFAULTS: OutboundConfig = { allow: [], timeoutMs: 10_000, maxResponseBytes: 1_048_576 };

const allowEntry = text('expected a CIDR (10.0.0.0/8), an IP address, a host name or *.suffix').superRefine((entry, context) => {
  const problem = allowEntryProblem(entry);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
});

export const outboundShape = {
  allow: absentWhenNull(list(allowEntry).default([])),
  timeout_ms: wholeNumber(100, 120_000).default(OUTBOUND_DEFAULTS.timeoutMs),
  max_response_bytes: wholeNumber(1024, 67_108_864).default(OUTBOUND_DEFAULTS.maxResponseBytes),
};

export const outboundSchema = z.strictObject(outboundShape, { error: 'expected a mapping with allow, timeout_ms or max_response_bytes' }).optional();

export function toOutboundConfig(section: z.output<typeof outboundSchema>): OutboundConfig {
  if (section === undefined) return { ...OUTBOUND_DEFAULTS, allow: [] };
  return { allow: [...section.allow], timeoutMs: section.timeout_ms, maxResponseBytes: section.max_response_bytes };
}
