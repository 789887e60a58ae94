// Reading the fields every revision's handshake result shares (serverInfo,
// capabilities, instructions) without trusting the backend's JSON.

import type { Implementation } from './backend.ts';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asImplementation(value: unknown): Implementation | undefined {
  return isRecord(value) && typeof value.name === 'string' && typeof value.version === 'string' ? (value as Implementation) : undefined;
}
