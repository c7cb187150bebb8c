/**
 * An approver's and a reader's eyes on one pipeline, in Chromium. Names as long as the API takes (128 characters, no space to break at) on a phone, in
 * Chromium: a pipeline and a stage whose names are one unbroken word must wrap inside the page
 * rather than push it sideways, so an approver still reads the decision and finds Approve without
 * scrolling across. The approver's views are measured at 390 and 1280 px wide; with
 * TOLLGATE_NAMES_SHOTS=DIR each is also saved there as a screenshot, to look at. A reader
 * of the pipeline finds no Approve or Reject (the inbox says their role may not approve, the
 * decision offers only Re-run check), and an approval posted with the reader's session is refused
 * and records nothing. A decision's address opened directly by a reader outside their grant (403)
 * or for a digest never registered (404) leaves the loading line for the "Not found" page
 * docs/dashboard.md promises, saying what to do, with a way back.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import {
  approvalEntries,
  chromiumAvailable,
  launchChromium,
  openSignedIn,
  openWorld,
  type World,
} from './support.js';

const available = chromiumAvailable();
const PIPELINE = `p${'ipeline'.repeat(16)}`.slice(0, 128);
const STAGE = `s${'tage'.repeat(32)}`.slice(0, 128);
const DIGEST = `sha256:${'3'.repeat(64)}`;
const SHOTS = process.env.TOLLGATE_NAMES_SHOTS;

let world: World;
let browser: Browser;

describe.skipIf(!available)('long names and a reader, as people see them', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    world = await openWorld();
    const dir = join(world.dir, 'contracts', PIPELINE);
    mkdirSync(dir, { recursive: true });
    const contract = join(dir, 'tollgate.yaml');
    writeFileSync(
      contract,
      `version: 1\npipeline: ${PIPELINE}\nartifact: { type: file }\nstages:\n  dev: { purpose: fast feedback }\n  ${STAGE}:\n    purpose: live traffic\n    from: dev\n    requires:\n      approvals: { count: 1 }\n`,
    );
    const cli = async (args: string[]) => {
      const result = await runCli([...args, '--contract', contract, '--data-dir', join(world.dir, 'data')], {
        cwd: dir,
        env: { TOLLGATE_ACTOR: 'ci-bot' },
      });
      if (result.code !== 0) throw new Error(`tollgate ${args.join(' ')}: ${result.stderr}`);
    };
    await cli(['register', '--digest', DIGEST, '--label', `version=${'1.0.0-'.repeat(30)}`]);
    await cli(['promote', 'dev', '--artifact', DIGEST]);
    // The server picks its port and writes server.yaml on first start; the long pipeline is then
    // added to the release managers' and the contractors' grants and the server started again on the same address.
    await world.startServer();
    await world.stopServer();
    const config = join(world.dir, 'server.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8')
        .replace('pipelines: [shop, billing]', `pipelines: [shop, billing, ${PIPELINE}]`)
        // mallory (a reader) reads the long pipeline too, and may approve nothing.
        .replace('pipelines: [billing]', `pipelines: [billing, ${PIPELINE}]`),
    );
    await world.startServer();
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await world?.dispose();
  });

  it('wraps a 128 character pipeline and stage name inside the screen on every view an approver opens', async () => {
    const wider: string[] = [];
    for (const viewport of [
      { width: 390, height: 844 },
      { width: 1280, height: 800 },
    ]) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      // Each view with its heading and the long name drawn in it: not the view before it.
      const views: Array<[string, string, RegExp]> = [
        ['#/', 'overview', /^Pipelines$/],
        ['#/inbox', 'inbox', /^Waiting for approval$/],
        [`#/p/${PIPELINE}`, 'pipeline', /^Pipeline p/],
        [`#/p/${PIPELINE}/s/${STAGE}`, 'stage', /^Stage s/],
        [`#/p/${PIPELINE}/s/${STAGE}/a/${DIGEST}`, 'decision', /enter s/],
        [`#/p/${PIPELINE}/a/${DIGEST}`, 'passport', /^Passport of/],
      ];
      for (const [view, name, heading] of views) {
        await openSignedIn(world, page, view);
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        await page.waitForLoadState('networkidle');
        await page.waitForFunction(
          (name) => (document.querySelector('main') as HTMLElement | null)?.innerText.includes(name),
          STAGE.slice(0, 40),
        );
        if (SHOTS)
          await page.screenshot({ path: join(SHOTS, `${name}-${viewport.width}.png`), fullPage: true });
        const over = await page.evaluate(
          () => (document.scrollingElement ?? document.documentElement).scrollWidth - window.innerWidth,
        );
        if (over > 0) wider.push(`${name} at ${viewport.width} px: ${over} px wider than the screen`);
      }
      await context.close();
    }
    expect(wider).toEqual([]);
  });

  it('shows a reader no Approve or Reject anywhere, and refuses an approval sent with their session', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await openSignedIn(world, page, '#/inbox', 'mallory');
    await page.getByRole('heading', { level: 1, name: /^Waiting for approval$/ }).waitFor();
    await page.waitForLoadState('networkidle');
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'reader-inbox.png'), fullPage: true });
    // What waits is shown, with why there is no form: the reader may read, not approve.
    const card = page.getByRole('listitem', { name: DIGEST });
    await card.waitFor();
    await expect(card.innerText()).resolves.toContain(`Your role may not approve in ${STAGE}`);
    expect(await page.locator('main button, main textarea').count()).toBe(0);
    // The decision the reader may read offers only a re-run of the check.
    await openSignedIn(world, page, `#/p/${PIPELINE}/s/${STAGE}/a/${DIGEST}`, 'mallory');
    await page.waitForLoadState('networkidle');
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'reader-decision.png'), fullPage: true });
    await page.getByRole('heading', { level: 1, name: /enter s/ }).waitFor();
    await page.getByRole('button', { name: 'Re-run check' }).waitFor();
    expect(await page.locator('main button').allInnerTexts()).toEqual(['Re-run check']);
    // The page's own origin and the reader's session cookie: the server's grant, not the page, decides.
    const status = await page.evaluate(
      async ([url, body]) =>
        (
          await fetch(url, {
            method: 'POST',
            credentials: 'include',
            headers: { 'content-type': 'application/json' },
            body,
          })
        ).status,
      [
        `${world.url}/api/v1/pipelines/${PIPELINE}/stages/${STAGE}/approvals`,
        JSON.stringify({ artifact: DIGEST, decision: 'approve' }),
      ] as const,
    );
    expect(status).toBe(403);
    expect(await approvalEntries(world, [DIGEST], PIPELINE)).toEqual([]);
    await context.close();
  });

  /** What `login` reads on an address opened directly: the page's heading and text, once it left the loading line. */
  const opened = async (login: string, hash: string) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      await openSignedIn(world, page, hash, login);
      const heading = page.locator('main h1');
      await heading.waitFor();
      await page.locator('main [aria-busy="true"]').waitFor({ state: 'detached' });
      return {
        heading: await heading.innerText(),
        text: await page.locator('main').innerText(),
        back: await page.getByRole('link', { name: 'all pipelines', exact: true }).count(),
      };
    } finally {
      await context.close();
    }
  };

  // Reported as staying on "Loading the decision for …" (the check answers 403); not reproduced at
  // 6cba473, kept so the page never does.
  it('shows a reader who opens a decision outside their grant the not found page that says to ask an admin', async () => {
    const seen = await opened('mallory', `#/p/shop/s/prod/a/${DIGEST}`);
    expect(seen.heading).toBe('Not found');
    expect(seen.text).toContain(
      'There is no pipeline "shop" among those your sign-in covers. If it exists, ask an admin of this Tollgate server for a role that covers it.',
    );
    expect(seen.back).toBe(1);
  });

  it('shows the not found page, naming the digest, for a decision on a digest never registered', async () => {
    const unknown = `sha256:${'5'.repeat(64)}`;
    const seen = await opened('erin', `#/p/${PIPELINE}/s/${STAGE}/a/${unknown}`);
    expect(seen.heading).toBe('Not found');
    expect(seen.text).toContain(`artifact ${unknown} is not registered in pipeline ${PIPELINE}`);
    expect(seen.back).toBe(1);
  });
});
