/**
 * Look-alike digests in the dashboard, in Chromium: two artifacts whose digests share their first
 * 16 hex digits wait at prod's door. The inbox shows each in full and flags it with the other, the
 * two items have ids of their own, and approving one approves that one. With
 * TOLLGATE_UPDATE_SCREENSHOTS=1 the flagged page replaces docs/screenshots/lookalike.png and the
 * confirm step docs/screenshots/lookalike-confirm.png.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import {
  approvalEntries,
  chromiumAvailable,
  launchChromium,
  openSignedIn,
  openWorld,
  type World,
} from './support.js';

const available = chromiumAvailable();
const SHOTS =
  process.env.TOLLGATE_UPDATE_SCREENSHOTS === '1'
    ? join(ROOT, 'docs', 'screenshots')
    : mkdtempSync(join(tmpdir(), 'tollgate-screenshots-'));
const SHARED = '0123456789abcdef';
const GENUINE = `sha256:${SHARED}${'a'.repeat(48)}`;
const IMPOSTOR = `sha256:${SHARED}${'b'.repeat(48)}`;

let world: World;
let browser: Browser;

describe.skipIf(!available)('look-alike digests in the dashboard', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    world = await openWorld();
    await world.cli(['register', '--digest', GENUINE, '--label', 'version=2.0.0']);
    await world.cli(['register', '--digest', IMPOSTOR, '--label', 'version=2.0.0'], 'mallory-ci');
    // The genuine build waits in staging, the impostor in perf: both at prod's door.
    await world.cli(['promote', 'dev', '--artifact', GENUINE]);
    await world.cli(['promote', 'staging', '--artifact', GENUINE]);
    await world.cli(['promote', 'dev', '--artifact', IMPOSTOR]);
    await world.cli(['promote', 'perf', '--artifact', IMPOSTOR]);
    await world.startServer();
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await world?.dispose();
    if (!SHOTS.startsWith(ROOT)) rmSync(SHOTS, { recursive: true, force: true });
  });

  const signIn = (page: Page, hash: string) => openSignedIn(world, page, hash);

  const approvalsOf = async () =>
    (await approvalEntries(world, [GENUINE, IMPOSTOR])).map((e) => [e.artifact, e.actor]);

  it('shows both in full, flags each with the other, asks to confirm, and approves the one clicked', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await signIn(page, '#/inbox');
    await page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
    const cards = page.locator('ul.inbox > li.card');
    await cards.nth(1).waitFor();
    expect(await cards.count()).toBe(2);
    // Each item is named by its own full digest (its heading and the digest it asks a word on).
    const genuine = page.getByRole('listitem', { name: GENUINE });
    const impostor = page.getByRole('listitem', { name: IMPOSTOR });
    await expect(genuine.locator(':scope > p > code.digest').innerText()).resolves.toBe(GENUINE);
    await expect(impostor.locator(':scope > p > code.digest').innerText()).resolves.toBe(IMPOSTOR);
    await expect(genuine.getByRole('note').innerText()).resolves.toContain(
      `look-alike of ${IMPOSTOR}, registered by mallory-ci at`,
    );
    await expect(impostor.getByRole('note').innerText()).resolves.toContain(
      `look-alike of ${GENUINE}, registered by ci-bot at`,
    );
    // Every id in the page is unique, and each item's accessible name is its own.
    const ids = await page.evaluate(() => [...document.querySelectorAll('[id]')].map((e) => e.id));
    expect(new Set(ids).size).toBe(ids.length);
    await page.screenshot({ path: join(SHOTS, 'lookalike.png'), fullPage: true });

    // Approve the genuine one, found by its full digest: the click asks first, naming both digests
    // in full and the digit where they part, and records nothing until confirmed.
    await genuine.getByRole('button', { name: 'Approve', exact: true }).click();
    const confirm = genuine.getByRole('alertdialog');
    await confirm.waitFor();
    const marked = await confirm.locator('code.digest').allInnerTexts();
    expect(marked).toEqual([GENUINE, IMPOSTOR]);
    expect(await confirm.locator('mark').allInnerTexts()).toEqual(['a'.repeat(48), 'b'.repeat(48)]);
    await expect(confirm.innerText()).resolves.toContain(
      'The two share their first 16 hex digits and differ from digit 17: yours continues aaaaaaaa…, the look-alike bbbbbbbb…',
    );
    await confirm.screenshot({ path: join(SHOTS, 'lookalike-confirm.png') });
    expect(await approvalsOf()).toEqual([]);
    // Cancel leaves nothing behind; Approve again, then the confirm button that names the digest.
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await genuine.getByRole('alertdialog').count()).toBe(0);
    await genuine.getByRole('button', { name: 'Approve', exact: true }).click();
    await genuine
      .getByRole('alertdialog')
      .getByRole('button', { name: `Approve ${GENUINE}` })
      .click();
    await page.getByText(`erin@example.com approved ${GENUINE} for prod`).waitFor();
    await expect(page.locator('p.notice').innerText()).resolves.toMatch(/^WARNING: /);
    expect(await approvalsOf()).toEqual([[GENUINE, 'erin@example.com']]);
    await context.close();
  });

  it('names look-alikes in full in the timeline, the graph, the passport and the page titles', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await signIn(page, '#/p/shop');
    const rows = page.locator('ol.timeline li');
    await rows.first().waitFor();
    const texts = await rows.allInnerTexts();
    // Every row about either artifact names it in full with a badge; none shows only the 12 digits.
    const about = texts.filter((t) => t.includes(`sha256:${SHARED.slice(0, 12)}`));
    expect(about.length).toBeGreaterThan(0);
    for (const text of about) {
      expect(text.includes(GENUINE) || text.includes(IMPOSTOR), text).toBe(true);
      expect(text).toContain('look-alike');
    }
    await expect(page.locator('svg').first().innerHTML()).resolves.toContain('⚠ look-alike: open to compare');
    await page.goto(`${world.url}/#/p/shop/a/${IMPOSTOR}`);
    await page.getByRole('heading', { name: /Passport of/ }).waitFor();
    await expect(page.getByRole('heading', { name: /Passport of/ }).innerText()).resolves.toContain(
      `${IMPOSTOR} look-alike`,
    );
    await page.waitForFunction(() => document.title.startsWith('Passport ⚠'));
    expect(await page.title()).toBe(`Passport ⚠ look-alike ${IMPOSTOR} · Tollgate`);
    await page.goto(`${world.url}/#/p/shop/s/prod/a/${GENUINE}`);
    await page.waitForFunction(() => document.title.startsWith('prod · ⚠'));
    expect(await page.title()).toBe(`prod · ⚠ look-alike ${GENUINE} · Tollgate`);
    await context.close();
  });
});
