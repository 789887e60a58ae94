// Parsers for CLI option values, each failing with a message that names the
// flag's expectation (commander prints it with the flag name).

import { InvalidArgumentError } from 'commander';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65535) throw new InvalidArgumentError(`expected a port number 0-65535, got "${value}"`);
  return port;
}

/** `memory` or a redis:// / rediss:// URL, as `session_store` accepts. */
export function parseSessionStore(value: string): string {
  if (value === 'memory') return value;
  if (URL.canParse(value) && ['redis:', 'rediss:'].includes(new URL(value).protocol)) return value;
  throw new InvalidArgumentError(`expected "memory" or a URL like redis://HOST:PORT/DB, got "${value.replace(/\/\/[^@/]*@/, '//***@')}"`);
}
