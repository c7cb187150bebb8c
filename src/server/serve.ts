/**
 * `tollgate serve`: the API on a socket. One process holds the services (store, contracts, clock)
 * and answers every caller; any number of replicas can share one PostgreSQL, since nothing a
 * decision depends on lives in a replica's memory (promotions are serialised by the database's
 * lock). SIGTERM stops accepting connections, lets requests in flight finish (a promotion commits
 * or rolls back as a whole), closes the store and exits.
 */
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { AppServices } from '../app/services.js';
import { TollgateError } from '../errors.js';
import { createServerApp, type ServerAppOptions } from './app.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_LISTEN = '127.0.0.1:8080';

/**
 * Parses `--listen`: `HOST:PORT`, `:PORT` (every interface), `PORT`, or `[IPv6]:PORT`.
 * @throws TollgateError USAGE
 */
export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*))?:?(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || !(port >= 0 && port <= 65535)) {
    throw new TollgateError(
      'USAGE',
      `--listen "${text}": expected HOST:PORT, :PORT or PORT (e.g. 127.0.0.1:8080, 0.0.0.0:8080)`,
    );
  }
  const host =
    match[1] ??
    (match[2] === undefined || match[2] === '' ? (text.includes(':') ? '0.0.0.0' : '127.0.0.1') : match[2]);
  return { host, port };
}

export interface RunningServer {
  /** The address actually bound (port 0 picks a free one). */
  address: ListenAddress;
  url: string;
  /** Stops accepting, waits for requests in flight (at most `graceMs`), closes the store. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartServerOptions extends ServerAppOptions {
  listen: ListenAddress;
  services: AppServices;
}

/** Starts the API on `options.listen`. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { app, shutdown } = createServerApp(options);
  const server = createAdaptorServer({
    fetch: app.fetch,
    hostname: options.listen.host,
    port: options.listen.port,
  });
  // Requests that arrive in one turn of the event loop share one look at whether another process
  // committed (src/ledger/read-memo.ts): the first read of the turn asks, after all of them
  // arrived. Here, at the socket, not in the app: a test calling app.request() in one turn
  // means each call to see every change made before it.
  let batchReads: (() => void) | undefined;
  let waiting = false;
  const awaitStore = () => {
    if (waiting) return;
    waiting = true;
    options.services.store().then(
      (store) => {
        batchReads = () => store.batchReads?.();
      },
      // The store's failure to open is answered by the requests that need it (and /readyz); it is
      // opened again later (createServices), and looked for again at the next request.
      () => {
        waiting = false;
      },
    );
  };
  awaitStore();
  server.prependListener('request', () => (batchReads ? batchReads() : awaitStore()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new TollgateError(
          'USAGE',
          `cannot listen on ${options.listen.host}:${options.listen.port}: ${error.code ?? error.message}`,
          { cause: error },
        ),
      ),
    );
    server.listen(options.listen.port, options.listen.host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const address = { host: bound.address, port: bound.port };
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  let stopping: Promise<void> | undefined;
  return {
    address,
    url: `http://${host}:${bound.port}`,
    stop(graceMs = 30_000) {
      stopping ??= (async () => {
        const http = server as import('node:http').Server;
        shutdown();
        const closed = new Promise<void>((resolve) => http.close(() => resolve()));
        // Keep-alive connections with no request in flight close now, busy ones as soon as their
        // answer is out; whatever is still open after the grace period is cut.
        http.closeIdleConnections();
        const sweep = setInterval(() => http.closeIdleConnections(), 50);
        const timer = setTimeout(() => http.closeAllConnections(), graceMs);
        await closed;
        clearInterval(sweep);
        clearTimeout(timer);
        await options.services.close();
      })();
      return stopping;
    },
  };
}
