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
    ...(gateway.adminUrl === undefined ? [] : [`Web console: ${gateway.adminUrl}/console/${gateway.authentication.isEnforced ? '  (demo users: admin, approver, alice)' : '  (needs authentication on)'}`]),
    'Backends:',
    backends,
    '',
    ...(gateway.authentication.isEnforced
      ? [
          `Authentication is on (issuer ${gateway.authentication.issuer}). Demo agents: research (read-only), support (reads, updates, single emails), admin.`,
          `  Get a token:     npm run gatehouse -- token --agent support --gateway ${gateway.url.replace(/\/mcp$/, '')}`,
          '  then send it as  Authorization: Bearer <token>   (clients that speak MCP OAuth find the provider by themselves)',
          '  Experiments without tokens: npm start -- --allow-anonymous',
          '',
        ]
      : ['Authentication is OFF: every caller is anonymous.', '']),
    'Connect a client:',
    `  Claude Code:     claude mcp add --transport http gatehouse ${gateway.url}`,
    `  VS Code (.vscode/mcp.json):`,
    indent(vscode, 4),
    '  Claude Desktop (claude_desktop_config.json, through the mcp-remote bridge):',
    indent(claude, 4),
    `  Inspector:       npx @modelcontextprotocol/inspector --cli ${gateway.url} --transport http${gateway.authentication.isEnforced ? ' --header "Authorization: Bearer <token>"' : ''} --method tools/list`,
    '',
    'Per-backend endpoints (one server, its own tool names): ' + gateway.backends.map((backend) => gateway.url.replace(/\/mcp$/, `/servers/${backend.name}/mcp`)).join('  '),
    '',
  ].join('\n');
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text.split('\n').map((line) => pad + line).join('\n');
}
