/**
 * A loopback HTTP proxy in front of a real registry that injects the faults a network gives: a 5xx,
 * a 429 with Retry-After, a connection that never answers, a reset; and the ones a hostile or
 * broken path gives: a body with one byte changed, a body cut off halfway, a redirect elsewhere (as
 * registries send blob reads to their storage). Each request takes the fault of the first rule
 * that matches it, else the next fault from the plan; when the plan is spent (or for `pass`) it is
 * forwarded unchanged.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { Transform } from 'node:stream';

export type Fault =
  | 'pass'
  | 503
  | 500
  | { status: 429; retryAfter: string }
  | 'hang'
  | 'reset'
  /** Forwarded, with the byte in the middle of the body changed (same length). */
  | 'corrupt'
  /** Forwarded with the upstream's Content-Length, then the connection is closed halfway. */
  | 'truncate'
  /** Answered 307 to the same path on another host (a storage origin). */
  | { redirect: string };

export interface FaultProxyOptions {
  /** Headers added to each forwarded request (a storage origin's own signature, say). */
  upstreamHeaders?: Record<string, string>;
}

export interface FaultProxy {
  host: string;
  /** Faults still to give, in order; push more at any time. */
  plan: Fault[];
  /** When set, every request gets this fault (after the plan). */
  always?: Fault;
  /** Faults for requests matching a pattern (tested against `METHOD path`), before the plan. */
  rules: Array<{ when: RegExp; fault: Fault }>;
  /** Requests seen, as `METHOD path`. */
  seen: string[];
  /** The headers of each request seen, as the client sent them. */
  headers: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

export async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = {
    host: '',
    plan: [],
    rules: [],
    seen: [],
    headers: [],
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((request, response) => {
    const line = `${request.method} ${request.url}`;
    proxy.seen.push(line);
    proxy.headers.push({ ...request.headers });
    const fault =
      proxy.rules.find((rule) => rule.when.test(line))?.fault ?? proxy.plan.shift() ?? proxy.always ?? 'pass';
    if (fault === 'hang') return; // never answers; the client's timeout must act
    if (fault === 'reset') {
      request.socket.destroy();
      return;
    }
    if (typeof fault === 'number') {
      request.resume();
      response.writeHead(fault, { 'content-type': 'text/plain' }).end('injected fault');
      return;
    }
    if (typeof fault === 'object' && 'redirect' in fault) {
      request.resume();
      response.writeHead(307, { location: `http://${fault.redirect}${request.url}` }).end();
      return;
    }
    if (typeof fault === 'object') {
      request.resume();
      response.writeHead(429, { 'retry-after': fault.retryAfter }).end('slow down');
      return;
    }
    const [hostname, port] = target.split(':');
    const upstream = http.request(
      {
        hostname,
        port: Number(port),
        method: request.method,
        path: request.url,
        headers: { ...request.headers, ...options.upstreamHeaders, host: target },
      },
      (answer) => {
        const headers = { ...answer.headers };
        // Locations the registry hands out must lead back through the proxy.
        if (typeof headers.location === 'string')
          headers.location = headers.location.replace(target, proxy.host);
        response.writeHead(answer.statusCode ?? 502, headers);
        const length = Number(answer.headers['content-length'] ?? 0);
        if (fault === 'corrupt' && answer.statusCode === 200 && length > 0) {
          answer.pipe(flipByteAt(Math.floor(length / 2))).pipe(response);
        } else if (fault === 'truncate' && answer.statusCode === 200 && length > 1) {
          let sent = 0;
          answer.on('data', (chunk: Buffer) => {
            const room = Math.floor(length / 2) - sent;
            if (room <= 0) return;
            response.write(chunk.subarray(0, room));
            sent += Math.min(room, chunk.length);
            if (sent >= Math.floor(length / 2)) {
              answer.destroy();
              // Flushed first, so the client sees half a body and then the connection end.
              setTimeout(() => request.socket.destroy(), 50);
            }
          });
        } else {
          answer.pipe(response);
        }
      },
    );
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  proxy.host = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return proxy;
}

/** Passes bytes through, changing the one at `offset`. */
function flipByteAt(offset: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (offset >= seen && offset < seen + chunk.length) {
        const copy = Buffer.from(chunk);
        copy[offset - seen] = (copy[offset - seen]! + 1) % 256;
        chunk = copy;
      }
      seen += chunk.length;
      callback(null, chunk);
    },
  });
}
