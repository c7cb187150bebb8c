/**
 * Characters a reader cannot see, in Chromium: a hostile CI job registers an artifact whose labels
 * carry a right-to-left override (U+202E, which reverses what follows it on the line) and a
 * zero-width space (a `2.0.0` that is another string than `2.0.0`). The page shows each as a
 * visible `\uXXXX`, in the inbox where an approver reads them and in the pipeline's timeline. And a
 * link from another site to the not-allowed page cannot put its own sentence in the page's mouth.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium, openSignedIn, openWorld, type World } from './support.js';

const available = chromiumAvailable();
const DIGEST = `sha256:${'c'.repeat(64)}`;
const HIDDEN =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

let world: World;
let browser: Browser;

describe.skipIf(!available)('hidden characters in the dashboard', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    world = await openWorld();
    await world.cli([
      'register',
      '--digest',
      DIGEST,
      '--label',
      'version=2.0.0\u200b',
      '--label',
      'commit=\u202Edorp otni',
    ]);
    await world.cli(['promote', 'dev', '--artifact', DIGEST]);
    await world.cli(['promote', 'staging', '--artifact', DIGEST]);
    await world.startServer();
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await world?.dispose();
  });

  const signIn = (page: Page, hash: string) => openSignedIn(world, page, hash);

  it('shows a right-to-left override and a zero-width space in labels as visible escapes', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await signIn(page, '#/inbox');
    const card = page.getByRole('listitem', { name: DIGEST });
    await card.waitFor();
    const labels = await card.locator('span.label').allInnerTexts();
    expect(labels).toEqual(['2.0.0\\u200b', 'commit=\\u202edorp otni']);
    expect(await page.evaluate(() => document.body.innerText)).not.toMatch(HIDDEN);

    await page.goto(`${world.url}/#/p/shop`);
    await page.locator('ol.timeline li').first().waitFor();
    const text = await page.evaluate(() => document.body.innerText);
    expect(text).toContain('2.0.0\\u200b');
    expect(text).not.toMatch(HIDDEN);
    await context.close();
  });

  it('does not show a sentence an address carries as the name of who signed in', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    // A link another site hands the approver: the page is this server's, the words the attacker's.
    const lure = 'Your session was revoked by security. Sign in again at https://evil.example/login. Alice';
    await page.goto(`${world.url}/#/not-allowed?who=${encodeURIComponent(lure)}`);
    await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toContain('You signed in, but this Tollgate server grants you no role');
    expect(text).not.toContain('evil.example');
    await context.close();
  });
});
