// Span names and attributes for MCP messages, per the OpenTelemetry semantic
// conventions for MCP (semantic-conventions-genai docs/gen-ai/mcp.md): span
// name `{mcp.method.name} {target}`, `error.type` = the JSON-RPC code or
// `tool_error`, `rpc.response.status_code` = the JSON-RPC code. Names come
// from `@opentelemetry/semantic-conventions/incubating`; only tracing-on loads
// this file.

import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCP_SESSION_ID,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
} from '@opentelemetry/semantic-conventions/incubating';
import type { Attributes } from '@opentelemetry/api';
import type { ExchangeStatus } from './exchange-outcome.ts';

/** Gateway attributes with no convention of their own. */
export const GATEHOUSE_ATTRIBUTES = {
  backend: 'gatehouse.backend',
  exchangeId: 'gatehouse.exchange.id',
  status: 'gatehouse.status',
  policyName: 'gatehouse.policy.name',
  policyDecision: 'gatehouse.policy.decision',
  deniedBy: 'gatehouse.policy.denied_by',
} as const;

/** `{method} {target}`: the tool or prompt name where there is one (resource URIs are too many, per the convention). */
export function mcpSpanName(method: string, params: Record<string, unknown> | undefined): string {
  if (method === 'tools/call' || method === 'prompts/get') {
    const name = params?.name;
    if (typeof name === 'string') return `${method} ${name}`;
  }
  return method;
}

/** Attributes of a message span (server side) or a backend call span (client side). */
export function mcpRequestAttributes(
  method: string,
  params: Record<string, unknown> | undefined,
  requestId: string | number | null | undefined,
  protocolVersion: string | undefined,
  sessionId: string | undefined,
  transport: 'http' | 'stdio',
): Attributes {
  // Streamable HTTP runs over TCP; stdio over a pipe (network.transport values).
  const attributes: Attributes = { [ATTR_MCP_METHOD_NAME]: method, [ATTR_NETWORK_TRANSPORT]: transport === 'http' ? 'tcp' : 'pipe' };
  if (transport === 'http') attributes[ATTR_NETWORK_PROTOCOL_NAME] = 'http';
  if (requestId !== undefined && requestId !== null) attributes[ATTR_JSONRPC_REQUEST_ID] = String(requestId);
  if (protocolVersion !== undefined) attributes[ATTR_MCP_PROTOCOL_VERSION] = protocolVersion;
  if (sessionId !== undefined) attributes[ATTR_MCP_SESSION_ID] = sessionId;
  const name = params?.name;
  if (method === 'tools/call' && typeof name === 'string') {
    attributes[ATTR_GEN_AI_TOOL_NAME] = name;
    attributes[ATTR_GEN_AI_OPERATION_NAME] = GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL;
  } else if (method === 'prompts/get' && typeof name === 'string') {
    attributes[ATTR_GEN_AI_PROMPT_NAME] = name;
  }
  const uri = params?.uri;
  if (typeof uri === 'string') attributes[ATTR_MCP_RESOURCE_URI] = uri;
  return attributes;
}

/** `error.type` for a failed answer (a JSON-RPC code, a BackendError code, `tool_error`), `undefined` for a success. */
export function errorTypeOf(status: ExchangeStatus, errorCode: number | string | undefined): string | undefined {
  if (errorCode !== undefined) return String(errorCode);
  if (status === 'error') return 'tool_error';
  if (status === 'cancelled') return 'cancelled';
  return undefined;
}

export const ERROR_ATTRIBUTES = { errorType: ATTR_ERROR_TYPE, rpcStatusCode: ATTR_RPC_RESPONSE_STATUS_CODE } as const;
