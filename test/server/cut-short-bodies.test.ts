/**
 * A request whose body ends before its Content-Length (the client closed the connection part way)
 * stores nothing and is answered, and logged, as the caller's fault: 400 `USAGE` saying the body
 * ended early, never a 500 `INTERNAL` reported as a server fault (which any caller with a token
 * could raise at will, paging whoever watches the server's errors), nor the evidence called
 * malformed. Over a raw loopback socket to `tollgate serve`, since only a socket can lie.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, fakeDigest } from '../support/cli.js';
import { sqliteBackend } from '../support/stores.js';
import { CHECKOUT, type ServedOverHttp, serveOverHttp } from './support.js';

let served: ServedOverHttp | undefined;
afterEach(async () => {
  await served?.dispose();
  served = undefined;
});

const D = fakeDigest('cut-short');
const fixture = (path: string) => readFileSync(join(FIXTURES, path));

/** Sends the head and `body`, then closes its side of the connection; resolves once the server closed its. */
function sendCutShort(port: number, head: string, body: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(head);
      socket.end(body);
    });
    socket.resume();
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
}

describe('a request body cut short of its Content-Length, over a socket', () => {
  it('is refused as the caller s fault, reported as no server fault, and stores nothing', async () => {
    const lines: Array<{ route: string; status: number; error?: string }> = [];
    const internal: unknown[] = [];
    let answered: () => void = () => {};
    served = await serveOverHttp(sqliteBackend, {
      log: (line) => {
        lines.push(JSON.parse(line));
        answered();
      },
      onInternalError: (error) => internal.push(error),
    });
    const { server, port, handle } = served;
    const { token } = await served.token({ role: 'admin', pipelines: ['*'], principal: 'root' });
    const registered = await fetch(`${server.url}/api/v1/pipelines/checkout/artifacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ digest: D }),
    });
    expect(registered.status).toBe(201);
    const head = await handle.store.head('checkout');
    const artifact = `/api/v1/pipelines/checkout/artifacts/${D}`;

    // Each body is whole and valid: only its length lies, 100 bytes more than is sent.
    const cases: Array<[string, string, Buffer]> = [
      [
        '/api/v1/pipelines/checkout/artifacts',
        'application/json',
        Buffer.from(JSON.stringify({ digest: fakeDigest('never-registered') })),
      ],
      [
        `${artifact}/tests?suite=unit`,
        'application/xml',
        fixture('junit/tests__utils__TEST-action.surefire.report.calc.AllOkTest.xml'),
      ],
      [
        `${artifact}/evidence`,
        'application/vnd.cyclonedx+json',
        fixture('sbom/cyclonedx/dropwizard-1.3.15__bom.json'),
      ],
      ['/api/v1/pipelines/checkout/contract', 'application/yaml', Buffer.from(CHECKOUT.text)],
    ];
    for (const [path, type, body] of cases) {
      const logged = new Promise<void>((resolve) => {
        answered = resolve;
      });
      const method = path.endsWith('/contract') ? 'PUT' : 'POST';
      await sendCutShort(
        port,
        `${method} ${path} HTTP/1.1\r\nHost: tollgate\r\nAuthorization: Bearer ${token}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length + 100}\r\n\r\n`,
        body,
      );
      // The server finishes the request after the socket closed: its log line says how.
      await logged;
      const line = lines.at(-1)!;
      expect({ path, status: line.status, error: line.error }).toEqual({ path, status: 400, error: 'USAGE' });
    }
    expect(internal).toEqual([]);
    expect(await handle.store.head('checkout')).toBe(head);
    expect(await handle.store.getArtifact('checkout', fakeDigest('never-registered'))).toBeUndefined();
  });
});
