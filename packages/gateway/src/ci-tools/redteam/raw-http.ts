// Bare JSON-RPC over HTTP for the checks an SDK client would hide: what a
// server answers without a token, to a forged token, or to another caller's
// session id. Answers in either Streamable HTTP form (JSON or an SSE stream)
// are read to their first JSON-RPC message.

export interface RawAnswer {
  status: number;
  headers: Headers;
  /** The first JSON-RPC message of the body, when there is one. */
  message: { result?: unknown; error?: { code: number; message: string } } | undefined;
}

export const LEGACY_REVISION = '2025-11-25';

export async function postJsonRpc(url: URL, body: unknown, headers: Readonly<Record<string, string>>, timeoutMs = 15_000): Promise<RawAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, message: firstMessage(text, response.headers.get('content-type') ?? '') };
}

export function initializeRequest(id: number | string = 1): unknown {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: LEGACY_REVISION, capabilities: {}, clientInfo: { name: 'gatehouse-redteam', version: '1' } },
  };
}

function firstMessage(text: string, contentType: string): RawAnswer['message'] {
  const candidates = contentType.includes('text/event-stream')
    ? text.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim())
    : [text];
  for (const candidate of candidates) {
    try {
      const parsed = JSON.parse(candidate) as RawAnswer['message'] & { jsonrpc?: string };
      if (parsed !== null && typeof parsed === 'object' && ('result' in parsed || 'error' in parsed)) return parsed;
    } catch {
      // Not JSON (an empty body, a priming event): try the next one.
    }
  }
  return undefined;
}
