/**
 * `tollgate serve`: the API on a socket. One process holds the services (store, contracts, clock)
 * and answers every caller; any number of replicas can share one PostgreSQL, since nothing a
 * decision depends on lives in a replica's memory (promotions are serialised by the database's
 * lock). SIGTERM stops accepting connections, lets requests in flight finish (a promotion commits
 * or rolls back as a whole), closes the store and exits.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { AppServices } from '../app/services.js';
import { TollgateError } from '../errors.js';
import { parseExactDuration } from '../policy/duration.js';
import { createServerApp, type ServerAppOptions } from './app.js';
import { type ConnectionsConfig, DEFAULT_SERVER_CONFIG } from './config.js';
import { clientKey } from './observe.js';

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

/** What the socket accepts; see `connections` in the server configuration (src/server/config.ts). */
export interface ConnectionLimits {
  /** Connections open at once; one more is closed as it arrives. */
  max: number;
  /** Connections open at once from one client (see clientKey); one more is closed as it arrives. */
  perClient: number;
  /** A request's headers must have arrived this long after it began (a slowloris is cut). */
  headersTimeoutMs: number;
  /** The whole request, body included, must have arrived this long after it began. */
  requestTimeoutMs: number;
  /** A kept-alive connection with no request is closed after this long. */
  keepAliveTimeoutMs: number;
}

/** The configuration's `connections` in milliseconds. */
export function connectionLimits(
  config: ConnectionsConfig = DEFAULT_SERVER_CONFIG.connections,
): ConnectionLimits {
  return {
    max: config.max,
    perClient: config.perClient,
    headersTimeoutMs: parseExactDuration(config.headersTimeout)!,
    requestTimeoutMs: parseExactDuration(config.requestTimeout)!,
    keepAliveTimeoutMs: parseExactDuration(config.keepAliveTimeout)!,
  };
}

export interface StartServerOptions extends ServerAppOptions {
  listen: ListenAddress;
  services: AppServices;
  /** Default: the configuration's defaults (4096 connections, 256 per client, headers within 10 s). */
  connections?: ConnectionLimits;
}

/** Starts the API on `options.listen`. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { app, answerKept, shutdown } = createServerApp(options);
  const limits = options.connections ?? connectionLimits();
  const server = createAdaptorServer({
    fetch: app.fetch,
    hostname: options.listen.host,
    port: options.listen.port,
    // Node's defaults cap nothing and give a request's headers a minute: a client sending them a
    // byte at a time (a slowloris) would hold its connection that long, and enough of them every
    // connection the process can hold. Timeouts are checked every second (Node's default: every 30).
    serverOptions: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
  }) as import('node:http').Server;
  server.maxConnections = limits.max;
  // Per client too: otherwise one client holding `max` connections locks everybody else out.
  const ipv6Prefix = options.rateLimit?.ipv6Prefix ?? DEFAULT_SERVER_CONFIG.rateLimit.ipv6Prefix;
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const client = clientKey(socket.remoteAddress ?? 'unknown', ipv6Prefix);
    const count = (open.get(client) ?? 0) + 1;
    open.set(client, count);
    socket.once('close', () => {
      const left = (open.get(client) ?? 1) - 1;
      if (left <= 0) open.delete(client);
      else open.set(client, left);
    });
    if (count > limits.perClient) socket.destroy();
  });
  // A GET whose answer is kept is answered before the app is asked (src/server/kept-reads.ts).
  const [answer] = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  if (answer === undefined) throw new Error('@hono/node-server made a server without a request listener');
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!answerKept(req, res)) answer(req, res);
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
        const http = server;
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
