// A node:http listener for a web-standard `(Request) => Response` handler:
// each IncomingMessage becomes a Request (aborted when the client goes away
// first) and the Response is streamed back, so SSE frames reach the client
// as they are produced. The kit's own HTTP entry serves on it, and so do the
// demo servers and test backends of this repository.

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** The largest request body read; a larger one is answered 413. */
export const maxBodyBytes = 4 * 1024 * 1024;

/** Reads the whole body; undefined when it is larger than maxBodyBytes. */
export async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function writeJsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }));
}

/**
 * A node:http listener that serves a web-standard handler, streaming the
 * body. The request is aborted when the client goes away first.
 */
export function fetchListener(fetch: (request: Request) => Promise<Response>): RequestListener {
  return (req, res) => {
    void (async () => {
      const abort = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (Array.isArray(value)) for (const item of value) headers.append(name, item);
        else if (value !== undefined) headers.set(name, value);
      }
      const method = req.method ?? 'GET';
      const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
      if (body === undefined && method !== 'GET' && method !== 'HEAD') {
        writeJsonRpcError(res, 413, -32600, `Request body larger than ${maxBodyBytes} bytes`);
        return;
      }
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      const response = await fetch(new Request(url, { method, headers, body, signal: abort.signal }));
      await writeWebResponse(response, res);
    })().catch((error: unknown) => {
      if (!res.headersSent) writeJsonRpcError(res, 500, -32603, `Internal error: ${String(error)}`);
      else res.destroy();
    });
  };
}

async function writeWebResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  res.writeHead(response.status, headers);
  // Send the headers now: an SSE stream may not produce its first event for a while.
  res.flushHeaders();
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.once('close', () => void reader.cancel().catch(() => undefined));
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!res.write(value)) {
      await new Promise<void>((resolve) => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
    }
    if (res.destroyed) return;
  }
  res.end();
}
