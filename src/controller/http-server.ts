/**
 * The operator's one HTTP server: `/metrics` (Prometheus text format), `/healthz` (the process
 * is serving) and `/readyz`. Ready means that the informer has synced and, on the leader, that a
 * complete sweep has finished and the last sweep did not fail with Vobiz rejecting the credentials.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  /** Undefined when ready, or why not, for example "no complete sweep yet". */
  notReadyReason(): string | undefined;
}

export interface HttpServer {
  /** Base URL, for example `http://127.0.0.1:8080`. */
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(options: { host: string; port: number; registry: Registry; readiness: ReadinessCheck }): Promise<HttpServer> {
  const { registry, readiness } = options;

  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];

    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }

    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }

    if (path === '/readyz') {
      const reason = readiness.notReadyReason();
      if (reason === undefined) {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else {
        response.writeHead(503, { 'content-type': 'text/plain' }).end(`not ready: ${reason}\n`);
      }
      return;
    }

    if (path === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`collecting metrics failed: ${String(error)}\n`),
      );
      return;
    }

    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics, /healthz or /readyz\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
