// A small node:http server for the metrics and probe endpoints: GET/HEAD on exact paths, JSON or
// text answers, 404/405 otherwise. No framework: three routes do not need one.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.ts';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpServerOptions {
  /** For log lines: "metrics", "probes". */
  name: string;
  port: number;
  /** Default: every interface (the kubelet probes the pod IP). */
  host?: string;
  routes: Readonly<Record<string, RouteHandler>>;
  logger: Logger;
}

export interface RunningHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Thrown when the port cannot be bound, naming the server and the port. */
export class HttpServerStartError extends Error {
  override readonly name = 'HttpServerStartError';
}

export function routeRequest(routes: Readonly<Record<string, RouteHandler>>, logger: Logger): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = routes[path];
    if (!handler) {
      sendText(res, 404, `not found: ${path}\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendText(res, 405, 'method not allowed\n');
      return;
    }
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        logger.error({ err: error, path }, 'HTTP handler failed');
        if (!res.headersSent) sendText(res, 500, 'internal error\n');
        else res.destroy();
      });
  };
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const server: Server = createServer(routeRequest(options.routes, options.logger));
  // A scrape or probe never needs long: a stuck client must not hold a socket forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new HttpServerStartError(`${options.name} server cannot listen on port ${options.port}: ${error.message}`, { cause: error })));
    server.listen({ port: options.port, host: options.host }, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  options.logger.info({ port, paths: Object.keys(options.routes) }, `${options.name} server listening`);
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Scrapers keep connections alive; without this, close() would wait for them to time out.
      server.closeAllConnections();
    }),
  };
}

export function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, head = false): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(head ? undefined : `${JSON.stringify(body)}\n`);
}
