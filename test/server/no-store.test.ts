/**
 * An API answer is one caller's: what their grant lets them read, made with their token or their
 * session. Without `Cache-Control: no-store` a cache in front (a proxy, a CDN) or the browser may
 * keep it and hand it to the next person who asks, one who signed in with another grant or not at
 * all. Checked called as a function and over a real socket (@hono/node-server), where the header
 * is written another way; the dashboard's own files are not personal and stay cacheable.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteBackend } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

let server: TestServer | undefined;
let socket: Server | undefined;
const dirs: string[] = [];
afterEach(async () => {
  socket?.closeAllConnections();
  await new Promise((resolve) => (socket ? socket.close(resolve) : resolve(undefined)));
  socket = undefined;
  await server?.dispose();
  server = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('answers made for one caller are never cached', () => {
  it('says no-store on API answers, errors included, called as a function and over a socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-no-store-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title><!--snapshot-->');
    server = await openTestServer(sqliteBackend, { dashboardDir: dir });
    const reader = await server.token({ role: 'reader', pipelines: ['checkout'], principal: 'rita' });
    const bearer = { authorization: `Bearer ${reader}` };
    const scraper = await server.token({ role: 'reader', pipelines: ['*'], principal: 'prometheus' });
    const asked: Array<[string, Record<string, string>]> = [
      ['/api/v1/whoami', bearer],
      // The series name every pipeline: for a caller granted them all, not the next one asking.
      ['/metrics', { authorization: `Bearer ${scraper}` }],
      ['/metrics', {}],
      ['/api/v1/pipelines/checkout/status', bearer],
      ['/api/v1/pipelines/billing/status', bearer],
      ['/api/v1/whoami', {}],
    ];
    for (const [path, headers] of asked) {
      const res = await server.app.request(path, { headers });
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    const page = await server.app.request('/');
    expect(page.headers.get('cache-control')).toBe('no-cache');

    socket = createServer(getRequestListener(server.app.fetch));
    await new Promise<void>((resolve) => socket!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(socket.address() as AddressInfo).port}`;
    for (const [path, headers] of asked) {
      const res = await fetch(`${base}${path}`, { headers });
      await res.arrayBuffer();
      expect(res.headers.get('cache-control'), `${path} over a socket`).toBe('no-store');
    }
    const overSocket = await fetch(`${base}/`);
    await overSocket.arrayBuffer();
    expect(overSocket.headers.get('cache-control')).toBe('no-cache');
  });
});
