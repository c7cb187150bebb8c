/**
 * A hostile page the signed-in approver also visits, in Chromium: served from another port of the
 * same host (another origin, but the same site, so SameSite=Lax does not keep the session cookie
 * from its requests). It tries to approve through the approver's browser with a credentialed
 * `fetch` of a text/plain body, with a form that posts text/plain shaped as JSON, and to frame the
 * dashboard under a decoy button. None of it records an approval, and the frame stays empty.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  approvalEntries,
  chromiumAvailable,
  launchChromium,
  openSignedIn,
  openWorld,
  type World,
} from './support.js';

const available = chromiumAvailable();
const DIGEST = `sha256:${'e'.repeat(64)}`;

let world: World;
let browser: Browser;
let attacker: Server;
let evil: string;

function attackerPage(target: string): string {
  const approvals = `${target}/api/v1/pipelines/shop/stages/prod/approvals`;
  const body = JSON.stringify({ artifact: DIGEST, decision: 'approve' });
  // A text/plain form sends `name=value`: the name opens a JSON object, the value closes it.
  const name = body.slice(0, -1).concat(',"x":"');
  return `<!doctype html><title>Free stickers</title>
<form id="f" method="post" enctype="text/plain" action="${approvals}" target="sink">
<input type="hidden" name='${name}' value='"}'></form>
<iframe name="sink"></iframe>
<iframe id="framed" src="${target}/#/inbox"></iframe>`;
}

describe.skipIf(!available)('a hostile page of another origin', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    world = await openWorld();
    await world.cli(['register', '--digest', DIGEST, '--label', 'version=3.0.0']);
    await world.cli(['promote', 'dev', '--artifact', DIGEST]);
    await world.cli(['promote', 'staging', '--artifact', DIGEST]);
    await world.startServer();
    attacker = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(attackerPage(world.url));
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    evil = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await world?.dispose();
  });

  const signIn = (page: Page, hash: string) => openSignedIn(world, page, hash);

  const approvals = async () => (await approvalEntries(world, [DIGEST])).length;

  it('cannot approve through the signed-in approver nor frame the dashboard', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await signIn(page, '#/inbox');
    await page.getByRole('listitem', { name: DIGEST }).waitFor();

    const hostile = await context.newPage();
    await hostile.goto(evil);
    await hostile.waitForLoadState('load');
    // A credentialed fetch with a body a browser sends without asking first (text/plain).
    const fetched = await hostile.evaluate(
      async ([url, body]) => {
        const res = await fetch(url, {
          method: 'POST',
          credentials: 'include',
          headers: { 'content-type': 'text/plain' },
          body,
        }).catch((error: Error) => error.message);
        return typeof res === 'string' ? res : res.status;
      },
      [
        `${world.url}/api/v1/pipelines/shop/stages/prod/approvals`,
        JSON.stringify({ artifact: DIGEST, decision: 'approve' }),
      ] as const,
    );
    // Without CORS the page cannot read the answer; what counts is that nothing was recorded.
    expect(fetched).not.toBe(200);
    const posted = hostile.waitForResponse((r) => r.url().endsWith('/approvals'));
    await hostile.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit());
    expect((await posted).status()).toBe(403);
    expect(await approvals()).toBe(0);

    // The framed dashboard is refused (frame-ancestors 'none'): no frame shows the inbox.
    let shown = 0;
    for (const frame of hostile.frames().slice(1))
      shown += await frame
        .locator('ul.inbox')
        .count()
        .catch(() => 0);
    expect(shown).toBe(0);
    await context.close();
  });

  it('sends a policy that forbids inline script and framing, to browsers that know only X-Frame-Options too', async () => {
    for (const path of ['/', '/assets/app.css', '/auth/callback']) {
      const res = await fetch(`${world.url}${path}`, { headers: { accept: 'text/html' } });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
    }
    const page = await fetch(`${world.url}/`);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
  });
});
