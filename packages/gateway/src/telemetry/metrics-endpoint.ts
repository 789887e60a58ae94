// `GET /metrics` on the admin listener: the Prometheus text exposition of one
// GatewayMetrics. Mounted on the operators' port only, never where agents
// connect, since series name backends, tools, users and session ids.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayMetrics } from './metrics.ts';

export const METRICS_PATH = '/metrics';

/** Writes the exposition (HEAD: headers only); a failure to collect answers 500 and is handed to `onError`. */
export function serveMetrics(metrics: GatewayMetrics, request: IncomingMessage, response: ServerResponse, onError?: (error: unknown) => void): void {
  metrics.render().then(
    ({ contentType, body }) => {
      response.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    },
    (error: unknown) => {
      onError?.(error);
      response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('collecting metrics failed; the gateway log has the cause\n');
    },
  );
}

/** A request listener serving only `/metrics`, for a listener of its own or a test. */
export function createMetricsHandler(metrics: GatewayMetrics, onError?: (error: unknown) => void): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path !== METRICS_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`no route ${path}; metrics are at ${METRICS_PATH}\n`);
      return;
    }
    serveMetrics(metrics, request, response, onError);
  };
}
