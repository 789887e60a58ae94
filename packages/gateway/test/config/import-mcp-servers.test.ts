import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { isConfigError } from '../../src/config/errors.ts';
import { importMcpServers, normalizeBackendName, parseJsonWithComments, renderBackendsYaml } from '../../src/config/import-mcp-servers.ts';
import { parseConfig } from '../../src/config/load.ts';
import { renderStarterConfig } from '../../src/config/starter.ts';

const CLAUDE_DESKTOP = {
  mcpServers: {
    filesystem: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/Users/me/Desktop'] },
    'GitHub Server': { command: 'docker', args: ['run', '-i', '--rm', 'ghcr.io/github/github-mcp-server'], env: { GITHUB_PERSONAL_ACCESS_TOKEN: '${GITHUB_TOKEN}' } },
    remote: { url: 'https://mcp.example.com/mcp' },
  },
};

const VS_CODE = `{
  // VS Code writes comments and trailing commas in mcp.json
  "inputs": [{ "type": "promptString", "id": "api-key", "description": "API key", "password": true }],
  "servers": {
    "memory": { "type": "stdio", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"], "envFile": "\${workspaceFolder}/.env" },
    "docs": { "type": "http", "url": "https://docs.example.com/mcp", "headers": { "Authorization": "Bearer \${input:api-key}" } },
    "legacy": { "type": "sse", "url": "https://legacy.example.com/sse" },
    /* paths are VS Code variables */
    "local": { "type": "stdio", "command": "node", "args": ["\${workspaceFolder}/server.js"], "env": { "HOME_DIR": "\${env:HOME}" } },
  },
}`;

describe('importMcpServers', () => {
  it('imports a Claude Desktop config: stdio servers, url servers and their env', () => {
    const imported = importMcpServers(CLAUDE_DESKTOP, 'claude_desktop_config.json');
    assert.deepEqual(imported.backends, [
      { name: 'filesystem', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/Users/me/Desktop'] },
      { name: 'github-server', command: 'docker', args: ['run', '-i', '--rm', 'ghcr.io/github/github-mcp-server'], env: { GITHUB_PERSONAL_ACCESS_TOKEN: '${GITHUB_TOKEN}' } },
      { name: 'remote', url: 'https://mcp.example.com/mcp' },
    ]);
    assert.deepEqual(imported.renames, [{ from: 'GitHub Server', to: 'github-server' }]);
    assert.deepEqual(imported.skipped, []);
    assert.deepEqual(imported.variables, ['GITHUB_TOKEN']);
  });

  it('imports a VS Code mcp.json with comments, translating its variables and skipping sse servers', () => {
    const imported = importMcpServers(parseJsonWithComments(VS_CODE), '.vscode/mcp.json');
    assert.deepEqual(imported.backends, [
      { name: 'memory', command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] },
      { name: 'docs', url: 'https://docs.example.com/mcp', headers: { Authorization: 'Bearer ${API_KEY}' } },
      { name: 'local', command: 'node', args: ['${WORKSPACE_FOLDER}/server.js'], env: { HOME_DIR: '${HOME}' } },
    ]);
    assert.equal(imported.skipped.length, 1);
    assert.equal(imported.skipped[0]?.name, 'legacy');
    assert.match(imported.skipped[0]?.reason ?? '', /HTTP\+SSE transport .* add it with that url/);
    assert.deepEqual(imported.variables, ['API_KEY', 'WORKSPACE_FOLDER', 'HOME']);
    assert.ok(imported.warnings.some((warning) => warning.startsWith('memory: not imported: envFile')));
    assert.ok(imported.warnings.includes('docs: VS Code prompts for input "api-key"; Gatehouse reads environment variable API_KEY instead'));
  });

  it('warns about a secret copied as plain text, without repeating the secret', () => {
    const imported = importMcpServers({ mcpServers: { gh: { command: 'gh-mcp', env: { GITHUB_TOKEN: 'ghp_abcdef' } } } });
    assert.equal(imported.warnings.length, 1);
    assert.doesNotMatch(imported.warnings[0] ?? '', /ghp_abcdef/);
  });

  it('escapes a literal ${ that is no variable reference, so it stays literal', () => {
    const imported = importMcpServers({ mcpServers: { a: { command: 'echo', args: ['${not a variable}'] } } });
    assert.deepEqual(imported.backends[0]?.args, ['$${not a variable}']);
  });

  it('keeps a disabled server as a disabled backend', () => {
    assert.equal(importMcpServers({ mcpServers: { a: { command: 'a', disabled: true } } }).backends[0]?.enabled, false);
  });

  it('gives two servers that normalise alike distinct names', () => {
    const imported = importMcpServers({ mcpServers: { 'My_Server': { command: 'a' }, 'my server': { command: 'b' } } });
    assert.deepEqual(imported.backends.map((backend) => backend.name), ['my-server', 'my-server-2']);
  });

  const skipTable: Array<[entry: unknown, reason: RegExp]> = [
    [{ args: ['x'] }, /neither "command" nor "url"/],
    [{ url: 'ftp://x' }, /expected an http\(s\) URL/],
    [{ type: 'websocket', url: 'ws://x' }, /has type "websocket"/],
    [{ command: 'a', url: 'http://a' }, /both "command" and "url"/],
    ['npx server', /expected an object/],
  ];
  for (const [entry, reason] of skipTable) {
    it(`skips ${JSON.stringify(entry)} with a reason`, () => {
      const imported = importMcpServers({ mcpServers: { a: entry } });
      assert.deepEqual(imported.backends, []);
      assert.match(imported.skipped[0]?.reason ?? '', reason);
    });
  }

  it('refuses a document without servers', () => {
    assert.throws(
      () => importMcpServers({ something: {} }, 'x.json'),
      (error) => isConfigError(error) && error.code === 'config_invalid' && error.message.startsWith('x.json: has no servers'),
    );
  });
});

describe('normalizeBackendName', () => {
  const table: Array<[name: string, normalized: string]> = [
    ['crm', 'crm'],
    ['GitHub', 'github'],
    ['my_server', 'my-server'],
    ['My Server (v2)', 'my-server-v2'],
    ['@scope/pkg.name', 'scope-pkg-name'],
    ['__', 'server'],
    ['a'.repeat(40), 'a'.repeat(32)],
  ];
  for (const [name, normalized] of table) {
    it(`turns "${name}" into "${normalized}"`, () => assert.equal(normalizeBackendName(name), normalized));
  }
});

describe('renderBackendsYaml', () => {
  it('writes YAML that parses back to the same backends and validates inside the starter', () => {
    const imported = importMcpServers(CLAUDE_DESKTOP);
    const yaml = renderBackendsYaml(imported.backends);
    assert.deepEqual(parseYaml(yaml), imported.backends);
    const indented = yaml.trimEnd().split('\n').map((line) => `  ${line}`).join('\n');
    const config = parseConfig(renderStarterConfig({ backends: `${indented}\n` }), 'gatehouse.yaml', { GITHUB_TOKEN: 'x' }).config;
    assert.deepEqual(config.backends.map((backend) => backend.name), ['filesystem', 'github-server', 'remote']);
  });
});

describe('parseJsonWithComments', () => {
  const table: Array<[text: string, value: unknown]> = [
    ['{"a": 1}', { a: 1 }],
    ['{"a": 1, // one\n "b": [2, 3,],}', { a: 1, b: [2, 3] }],
    ['/* c */ {"url": "http://x//y", "s": "a,}"}', { url: 'http://x//y', s: 'a,}' }],
    ['{"q": "say \\"hi\\" // not a comment"}', { q: 'say "hi" // not a comment' }],
  ];
  for (const [text, value] of table) {
    it(`reads ${JSON.stringify(text)}`, () => assert.deepEqual(parseJsonWithComments(text), value));
  }
});
