#!/usr/bin/env node
// The gateway as the client under test of the official suite's client
// scenarios (`conformance client --command`): the suite starts its test
// server and runs this with the server's URL; this starts a gateway with
// that server as its only backend, so the gateway's upstream side (its
// initialize or server/discover, its requests, reconnections and relays) is
// what the suite observes, and drives it through the gateway's per-backend
// endpoint with an official SDK client, doing what each scenario expects a
// client to do. MCP_CONFORMANCE_SCENARIO names the scenario; a scenario that
// needs particular arguments passes them in MCP_CONFORMANCE_CONTEXT
// (`toolCalls`), and a few ask for a step of their own (clientPlans below).

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { parseConfig, silentLogger, startGateway } from '@gatehouse/gateway';
import { MemoryOAuthClientStateStore } from '../../../gateway/src/upstream/oauth-client/client-state-store.ts';
import { autoApprovingAuthorizer, oauthAuthFor, parseContext } from './auth-scenario-config.ts';

type Schema = { properties?: Record<string, { default?: unknown }> };

/** What a person accepting the form with its defaults sends back (SEP-1034). */
function defaultsOf(schema: Schema | undefined): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema?.properties ?? {})) if (property.default !== undefined) content[name] = property.default;
  return content;
}

/** Arguments for a tool call: numbers for numbers, text for strings, from the tool's input schema. */
function argumentsFor(schema: { properties?: Record<string, { type?: string }> } | undefined): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  let number = 2;
  for (const [name, property] of Object.entries(schema?.properties ?? {})) args[name] = property.type === 'number' || property.type === 'integer' ? number++ : property.type === 'boolean' ? true : 'conformance';
  return args;
}

/** What the suite passes a client in MCP_CONFORMANCE_CONTEXT: the scenario's name and, for some, the exact calls to make. */
interface ScenarioContext {
  name?: string;
  toolCalls?: Array<{ name: string; arguments?: Record<string, unknown> }>;
}

function scenarioContext(): ScenarioContext {
  const text = process.env.MCP_CONFORMANCE_CONTEXT;
  return text === undefined || text === '' ? {} : (JSON.parse(text) as ScenarioContext);
}

type Tools = Awaited<ReturnType<Client['listTools']>>['tools'];

/**
 * What the client does after listing tools, for scenarios that ask for more
 * than calling each tool: SEP-2106's preservation scenario wants the focal
 * tool's inputSchema, as the client received it through the gateway, echoed
 * back; the network-`$ref` scenario only wants the schema listed (its tool
 * has no call handler), so that a gateway fetching the `$ref` would show.
 */
const clientPlans: Record<string, (client: Client, tools: Tools) => Promise<void>> = {
  'json-schema-2020-12-preservation': async (client, tools) => {
    const focal = tools.find((tool) => tool.name === 'json_schema_2020_12_tool');
    if (focal === undefined) throw new Error('the gateway did not list json_schema_2020_12_tool');
    await client.callTool({ name: 'json_schema_echo', arguments: { schema: focal.inputSchema } });
  },
  'json-schema-ref-no-deref': async () => undefined,
};

async function callEveryTool(client: Client, tools: Tools): Promise<void> {
  for (const tool of tools) await client.callTool({ name: tool.name, arguments: argumentsFor(tool.inputSchema as never) });
}

const serverUrl = process.argv[2];
if (serverUrl === undefined) {
  process.stderr.write('usage: gateway-as-client.ts SERVER_URL (the suite passes it; MCP_CONFORMANCE_SCENARIO names the scenario)\n');
  process.exit(2);
}
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
const isAuthScenario = scenario.startsWith('auth/');
const yaml = `gateway: { port: 0, admin_port: 0 }
authentication: { allow_anonymous: true }
${isAuthScenario ? "outbound: { allow: ['127.0.0.0/8', '::1/128', 'localhost'] }" : ''}
backends:
  - name: upstream
    url: ${JSON.stringify(serverUrl)}
    timeout_ms: 20000
    circuit_breaker: false
    retry: { max_attempts: 1 }
    health_check: { interval_seconds: 0 }
${isAuthScenario ? `    auth: ${JSON.stringify(oauthAuthFor(scenario, parseContext()))}` : ''}
`;
const gateway = await startGateway(parseConfig(yaml, 'gatehouse.yaml', {}).config, {
  logger: silentLogger,
  ...(isAuthScenario ? { oauthClientStore: new MemoryOAuthClientStateStore(), backendAuthorizer: autoApprovingAuthorizer } : {}),
});
const client = new Client({ name: 'gatehouse-conformance-driver', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
client.setRequestHandler(ElicitRequestSchema, async (request) => ({ action: 'accept', content: defaultsOf((request.params as { requestedSchema?: Schema }).requestedSchema) as never }));
let exitCode = 0;
try {
  await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url.replace(/\/mcp$/, '/servers/upstream/mcp'))));
  const { tools } = await client.listTools();
  const context = scenarioContext();
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? context.name ?? '';
  if (context.toolCalls !== undefined) {
    for (const call of context.toolCalls) await client.callTool({ name: call.name, arguments: call.arguments ?? {} });
  } else {
    await (clientPlans[scenario] ?? callEveryTool)(client, tools);
  }
} catch (error) {
  process.stderr.write(`the driver failed: ${(error as Error).message}\n`);
  exitCode = 1;
} finally {
  await client.close().catch(() => undefined);
  await gateway.close();
}
process.exit(exitCode);
