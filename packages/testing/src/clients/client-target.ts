// What an interactive test client connects to, for either SDK: an MCP URL
// over Streamable HTTP (the gateway, or a backend), or a backend command run
// as a child process over stdio. And the name the clients give themselves.

/** A backend started as a child process over stdio (launch.ts `stdioCommand` gives one). */
export interface StdioTarget {
  command: string;
  args: string[];
}

export type ClientTarget = string | URL | StdioTarget;

export const interactiveClientInfo = { name: 'gatehouse-interactive-test-client', version: '1.0.0' } as const;

export function isStdioTarget(target: ClientTarget): target is StdioTarget {
  return typeof target === 'object' && !(target instanceof URL);
}
