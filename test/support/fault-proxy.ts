/**
 * A loopback HTTP proxy in front of a real registry that injects the faults a network gives: a 5xx,
 * a 429 with Retry-After, a connection that never answers, a reset. Each request takes the next
 * fault from the plan; when the plan is spent (or for `pass`) it is forwarded unchanged.
 */
import http from 'node:http';
import type { Socket } from 'node:net';

export type Fault = 'pass' | 503 | 500 | { status: 429; retryAfter: string } | 'hang' | 'reset';

export interface FaultProxy {
  host: string;
  /** Faults still to give, in order; push more at any time. */
  plan: Fault[];
  /** When set, every request gets this fault (after the plan). */
  always?: Fault;
  /** Requests seen, as `METHOD path`. */
  seen: string[];
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = {
    host: '',
    plan: [],
    seen: [],
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((request, response) => {
    proxy.seen.push(`${request.method} ${request.url}`);
    const fault = proxy.plan.shift() ?? proxy.always ?? 'pass';
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
        headers: { ...request.headers, host: target },
      },
      (answer) => {
        const headers = { ...answer.headers };
        // Locations the registry hands out must lead back through the proxy.
        if (typeof headers.location === 'string')
          headers.location = headers.location.replace(target, proxy.host);
        response.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(response);
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
