/**
 * What an approver approves is what the page showed them, in Chromium: the inbox shows build A
 * waiting at prod's door; before the click, a CI job promotes build B into staging (prod's
 * candidate is B now, and the page has not reloaded). Approve on A's card records an approval of
 * A's full digest for prod, and none of B.
 */
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
const SHOWN = `sha256:${'1'.repeat(64)}`;
const NEWER = `sha256:${'2'.repeat(64)}`;

let world: World;
let browser: Browser;

describe.skipIf(!available)('approving while the candidate changes', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    world = await openWorld();
    await world.cli(['register', '--digest', SHOWN, '--label', 'version=1.0.0']);
    await world.cli(['promote', 'dev', '--artifact', SHOWN]);
    await world.cli(['promote', 'staging', '--artifact', SHOWN]);
    await world.startServer();
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await world?.dispose();
  });

  const signIn = (page: Page, hash: string) => openSignedIn(world, page, hash);

  const approvals = async () =>
    (await approvalEntries(world, [SHOWN, NEWER])).map((e) => [e.artifact, e.stage]);

  it('records an approval of the digest and stage the page showed, not the stage candidate at click time', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await signIn(page, '#/inbox');
    const card = page.getByRole('listitem', { name: SHOWN });
    await card.waitFor();
    expect(await page.locator('ul.inbox > li.card').count()).toBe(1);

    // Between render and click: B replaces A as staging's build, so prod's candidate is B.
    await world.cli(['register', '--digest', NEWER, '--label', 'version=1.0.1']);
    await world.cli(['promote', 'dev', '--artifact', NEWER]);
    await world.cli(['promote', 'staging', '--artifact', NEWER]);

    await card.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.locator('p.notice').waitFor();
    await expect(page.locator('p.notice').innerText()).resolves.toContain(SHOWN);
    expect(await approvals()).toEqual([[SHOWN, 'prod']]);
    await context.close();
  });
});
