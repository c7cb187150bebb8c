/**
 * What the socket accepts, on a real port: a client that sends its headers a byte at a time (a
 * slowloris) or nothing at all is cut once the headers timeout passes, and connections open at
 * once are capped, in all and per client, so one client cannot hold every connection.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app/create-services.js';
import { contractSource } from '../../src/app/services.js';
import { parseServerConfig } from '../../src/server/config.js';
import { connectionLimits, type RunningServer, startServer } from '../../src/server/serve.js';
import { type StoreHandle, sqliteBackend } from '../support/stores.js';
import { CHECKOUT } from './support.js';

let running: RunningServer | undefined;
let handle: StoreHandle | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await running?.stop(0);
  await handle?.dispose();
  running = undefined;
  handle = undefined;
});

async function serve(configText: string): Promise<RunningServer> {
  handle = await sqliteBackend.open();
  const config = parseServerConfig(configText, 'server.yaml');
  running = await startServer({
    listen: { host: '127.0.0.1', port: 0 },
    services: createServices({ contracts: contractSource([CHECKOUT]), store: handle.store }),
    authenticators: [],
    connections: connectionLimits(config.connections),
  });
  return running;
}

/** A connected socket, and a promise of everything it received once the server closed it. */
async function open(server: RunningServer): Promise<{ socket: Socket; closed: Promise<string> }> {
  const socket = connect(server.address.port, '127.0.0.1');
  sockets.push(socket);
  let received = '';
  socket.on('data', (chunk) => {
    received += chunk.toString('latin1');
  });
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, closed };
}

/** Answers `GET /healthz` on a fresh connection: its status line, or undefined when it is closed unanswered. */
async function healthz(server: RunningServer): Promise<string | undefined> {
  const { socket, closed } = await open(server);
  socket.write('GET /healthz HTTP/1.1\r\nHost: tollgate\r\nConnection: close\r\n\r\n');
  const text = await closed;
  return text === '' ? undefined : text.split('\r\n')[0];
}

describe('the server socket', () => {
  it('cuts a client that sends its headers a byte at a time once the headers timeout passes', async () => {
    const server = await serve('connections: { headersTimeout: 1s }\n');
    const { socket, closed } = await open(server);
    const request = `GET /healthz HTTP/1.1\r\nHost: tollgate\r\nX-Pad: ${'a'.repeat(4000)}\r\n\r\n`;
    let sent = 0;
    let cut = false;
    closed.then(() => {
      cut = true;
    });
    // Each byte well within any idle timeout: only a deadline on the headers as a whole stops it.
    while (!cut && sent < request.length) {
      socket.write(request[sent]!);
      sent++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const received = await closed;
    expect(sent).toBeLessThan(request.length);
    expect(received === '' || received.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('cuts a connection that never sends a request', async () => {
    const server = await serve('connections: { headersTimeout: 1s }\n');
    const { closed } = await open(server);
    expect(await closed).not.toContain('200 OK');
  });

  it('caps the connections one client holds, and serves it again once one closes', async () => {
    const server = await serve('connections: { perClient: 2 }\n');
    const held = [await open(server), await open(server)];
    // The third is closed unanswered.
    expect(await healthz(server)).toBeUndefined();
    held[0]!.socket.destroy();
    await held[0]!.closed;
    expect(await healthz(server)).toBe('HTTP/1.1 200 OK');
  });

  it('caps the connections open at once', async () => {
    const server = await serve('connections: { max: 2 }\n');
    const held = [await open(server), await open(server)];
    expect(await healthz(server)).toBeUndefined();
    held[1]!.socket.destroy();
    await held[1]!.closed;
    expect(await healthz(server)).toBe('HTTP/1.1 200 OK');
  });
});

describe('connections in the server configuration', () => {
  it('has defaults that cap connections and give headers 10 seconds', () => {
    expect(connectionLimits(parseServerConfig('{}\n', 'server.yaml').connections)).toEqual({
      max: 4096,
      perClient: 256,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 300_000,
      keepAliveTimeoutMs: 5_000,
    });
  });

  it('refuses a headers timeout longer than the request timeout, naming the line', () => {
    expect(() =>
      parseServerConfig(
        'rateLimit: {}\nconnections:\n  headersTimeout: 10m\n  requestTimeout: 1m\n',
        'server.yaml',
      ),
    ).toThrow(/server\.yaml:3:.*connections\.headersTimeout: at most requestTimeout/);
    expect(() => parseServerConfig('connections: { max: 0 }\n', 'server.yaml')).toThrow(
      /server\.yaml:1:.*connections\.max/,
    );
  });
});
