/**
 * Real Chromium signs in to a Tollgate served over https (a self-signed certificate made with
 * openssl for the test, the server app behind node's TLS): it accepts the `__Host-` session cookie
 * the server sets (Secure, Path=/, no Domain, host-only) and the person is signed in with it.
 * A browser drops a `__Host-` cookie that breaks those rules, so this is the proof they hold.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { openLoginServer, type TestServer } from '../server/support.js';
import { type OpenIdProvider, startOpenIdProvider } from '../support/openid-provider.js';
import { chromiumAvailable, launchChromium } from './support.js';

let browser: Browser | undefined;
let provider: OpenIdProvider | undefined;
let tollgate: TestServer | undefined;
let tls: Server | undefined;
const dir = mkdtempSync(join(tmpdir(), 'tollgate-host-cookie-'));

afterAll(async () => {
  await browser?.close();
  tls?.closeAllConnections();
  await new Promise((resolve) => (tls ? tls.close(resolve) : resolve(undefined)));
  await tollgate?.dispose();
  await provider?.close();
  rmSync(dir, { recursive: true, force: true });
});

it.skipIf(!chromiumAvailable())(
  'Chromium keeps the __Host- session cookie of an https server and is signed in',
  async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    tls = createServer({ key: readFileSync(key), cert: readFileSync(cert) });
    await new Promise<void>((resolve) => tls!.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    provider = await startOpenIdProvider(`${url}/auth/callback`, {
      erin: { email: 'erin@example.com', groups: ['release-managers'] },
    });
    tollgate = await openLoginServer(provider.issuer, `${url}/auth/callback`);
    tls.on('request', getRequestListener(tollgate.app.fetch));

    browser = await launchChromium('--ignore-certificate-errors');
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    await page.goto(`${url}/auth/login?return=/api/v1/whoami`);
    await page.locator('input[name="login"]').fill('erin');
    await page.locator('input[name="password"]').fill('any');
    await page.locator('button[type="submit"]').click();
    await page.waitForLoadState('networkidle');
    if (page.url().startsWith(provider.issuer)) await page.locator('button[type="submit"]').click();
    await page.waitForURL(`${url}/api/v1/whoami`, { timeout: 30_000 });
    expect(JSON.parse((await page.locator('body').innerText()).trim())).toMatchObject({
      principal: 'erin@example.com',
      via: 'session',
    });
    const cookies = (await context.cookies(url)).filter((c) => c.name.includes('tollgate_'));
    expect(cookies.map((c) => c.name)).toEqual(['__Host-tollgate_session']);
    expect(cookies[0]).toMatchObject({
      domain: '127.0.0.1',
      path: '/',
      secure: true,
      httpOnly: true,
      sameSite: 'Lax',
    });
  },
);
