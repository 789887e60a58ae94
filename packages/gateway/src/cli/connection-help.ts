// What `gatehouse start` prints once listening: the endpoint, the backends
// and their state, and ready-to-paste client configuration snippets.

import type { RunningGateway } from '../gateway.ts';

export function connectionHelp(gateway: RunningGateway, source: string): string {
  const backends = gateway.backends
    .map((backend) => `    - ${backend.name} (${backend.kind}, ${backend.state}${backend.handshake ? `, MCP ${backend.handshake.protocolVersion}` : ''})`)
    .join('\n');
  const vscode = JSON.stringify({ servers: { gatehouse: { type: 'http', url: gateway.url } } }, null, 2);
  const claude = JSON.stringify({ mcpServers: { gatehouse: { command: 'npx', args: ['-y', 'mcp-remote', gateway.url] } } }, null, 2);
  return [
    '',
    `Gatehouse is listening on ${gateway.url}  (config: ${source})`,
    gateway.adminUrl === undefined ? '' : `Admin (health, readiness): ${gateway.adminUrl}/healthz  ${gateway.adminUrl}/readyz`,
    'Backends:',
    backends,
    '',
    'Connect a client:',
    `  Claude Code:     claude mcp add --transport http gatehouse ${gateway.url}`,
    `  VS Code (.vscode/mcp.json):`,
    indent(vscode, 4),
    '  Claude Desktop (claude_desktop_config.json, through the mcp-remote bridge):',
    indent(claude, 4),
    `  Inspector:       npx @modelcontextprotocol/inspector --cli ${gateway.url} --transport http --method tools/list`,
    '',
    'Per-backend endpoints (one server, its own tool names): ' + gateway.backends.map((backend) => gateway.url.replace(/\/mcp$/, `/servers/${backend.name}/mcp`)).join('  '),
    '',
  ].join('\n');
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text.split('\n').map((line) => pad + line).join('\n');
}
