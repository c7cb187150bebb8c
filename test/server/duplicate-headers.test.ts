/**
 * A request that sends a header twice is one a proxy and the server could read differently (Node
 * keeps the first Authorization, the app sees both joined with a comma, a proxy may keep the last):
 * two Authorization headers are refused 401 whichever token comes first, on a read the store keeps
 * (answered on the socket, src/server/kept-reads.ts) as on a write, and nothing is recorded; two
 * Idempotency-Key headers are refused 400, two Content-Types 415. Over a raw loopback socket, the
 * only way to send a header twice.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteBackend } from '../support/stores.js';
import { type ServedOverHttp, serveOverHttp } from './support.js';

let served: ServedOverHttp | undefined;
afterEach(async () => {
  await served?.dispose();
  served = undefined;
});

/** One request written as it is, on its own connection; the status and body of the answer. */
function send(port: number, head: string[], body = ''): Promise<{ status: number; body: string }> {
  const text = `${head.join('\r\n')}\r\nHost: tollgate\r\nConnection: close\r\n${body === '' ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\n`}\r\n${body}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
    });
    socket.on('error', reject);
    socket.on('close', () =>
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0),
        body: answer.slice(answer.indexOf('\r\n\r\n') + 4),
      }),
    );
  });
}

describe('a header sent twice, over a socket', () => {
  it('is refused, whichever value comes first, on kept reads and writes alike', async () => {
    served = await serveOverHttp(sqliteBackend, {
      rateLimit: { perMinute: 1_000_000, burst: 100_000, authFailures: 1_000_000 },
    });
    const { port, handle } = served;
    const made = served;
    const token = async (role: string, pipelines: string[], principal: string) =>
      (await made.token({ role, pipelines, principal })).token;
    const reader = await token('reader', ['checkout'], 'rita');
    const admin = await token('admin', ['*'], 'root');
    const outsider = await token('reader', ['billing'], 'bill');
    const status = 'GET /api/v1/pipelines/checkout/status HTTP/1.1';

    // The status read is answered twice, so the store keeps it and the socket answers it next.
    for (let i = 0; i < 3; i++)
      expect((await send(port, [status, `Authorization: Bearer ${reader}`])).status).toBe(200);
    for (const [first, second] of [
      [reader, admin],
      [admin, reader],
      [outsider, reader],
      [reader, 'tg_0000000000000000_forged'],
    ]) {
      const answer = await send(port, [
        status,
        `Authorization: Bearer ${first}`,
        `Authorization: Bearer ${second}`,
      ]);
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body).error.code).toBe('UNAUTHENTICATED');
    }

    const head = await handle.store.head('checkout');
    const register = 'POST /api/v1/pipelines/checkout/artifacts HTTP/1.1';
    const json = 'Content-Type: application/json';
    const body = JSON.stringify({ digest: `sha256:${'ab'.repeat(32)}` });
    const twice = await send(
      port,
      [register, `Authorization: Bearer ${admin}`, `Authorization: Bearer ${reader}`, json],
      body,
    );
    expect(twice.status).toBe(401);
    const keys = await send(
      port,
      [register, `Authorization: Bearer ${admin}`, json, 'Idempotency-Key: k1', 'Idempotency-Key: k2'],
      body,
    );
    expect(keys.status).toBe(400);
    expect(JSON.parse(keys.body).error.message).toMatch(/^Idempotency-Key: expected 1 to 200 visible ASCII/);
    const types = await send(
      port,
      [register, `Authorization: Bearer ${admin}`, json, 'Content-Type: text/plain'],
      body,
    );
    expect(types.status).toBe(415);
    expect(await handle.store.head('checkout')).toBe(head);
  });
});
