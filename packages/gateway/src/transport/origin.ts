// DNS-rebinding protection (2025-11-25 and 2026-07-28 transports, "Security"):
// a request whose Origin header is present and not allowed gets 403. Patterns
// are origins with an optional `:*` port wildcard.

export interface OriginPolicy {
  isAllowed(origin: string | undefined): boolean;
}

export function createOriginPolicy(patterns: readonly string[]): OriginPolicy {
  const exact = new Set<string>();
  const anyPort: string[] = [];
  let allowsAll = false;
  for (const pattern of patterns) {
    if (pattern === '*') allowsAll = true;
    else if (pattern.endsWith(':*')) anyPort.push(pattern.slice(0, -2).toLowerCase());
    else exact.add(pattern.toLowerCase().replace(/\/$/, ''));
  }
  return {
    isAllowed(origin) {
      if (origin === undefined || allowsAll) return true;
      const normalized = origin.toLowerCase();
      if (exact.has(normalized)) return true;
      for (const base of anyPort) {
        if (normalized === base) return true;
        if (normalized.startsWith(`${base}:`) && /^\d{1,5}$/.test(normalized.slice(base.length + 1))) return true;
      }
      return false;
    },
  };
}
