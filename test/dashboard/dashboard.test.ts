/**
 * The dashboard end to end: Debian's Chromium (playwright-core) against a real `tollgate serve`
 * with a real SQLite ledger, people signing in through a real local OpenID provider. Every run
 * takes the views' screenshots; with TOLLGATE_UPDATE_SCREENSHOTS=1 they replace docs/screenshots/
 * (README and docs/dashboard.md show them), otherwise they go to a scratch folder so a test run
 * leaves the checkout as it found it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/app/open-ledger.js';
import { ROOT } from '../support/cli.js';
import {
  chromiumAvailable,
  launchChromium,
  openSignedIn,
  openWorld,
  providerSignIn,
  SECRETS,
  type World,
  writeMetrics,
} from './support.js';

const available = chromiumAvailable();
const SHOTS =
  process.env.TOLLGATE_UPDATE_SCREENSHOTS === '1'
    ? join(ROOT, 'docs', 'screenshots')
    : mkdtempSync(join(tmpdir(), 'tollgate-screenshots-'));
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let world: World;
let browser: Browser;
const digests: Record<string, string> = {};

// A shared machine runs this beside the whole suite: a browser, a server and ~25 CLI runs to seed
// need more than the default timeouts there.
describe.skipIf(!available)('the dashboard in Chromium', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    world = await openWorld();
    // History written three hours ago (a demo pipeline's set clock), so prod has a watch period.
    const t0 = Date.now() - 3 * 3_600_000;
    const at = (minutes: number) => new Date(t0 + minutes * 60_000);
    const v0 = await world.register('0.9.0', at(-40));
    for (const [i, stage] of ['dev', 'perf', 'staging'].entries())
      await world.cli(['promote', stage, '--artifact', v0], 'ci-bot', at(-39 + i));
    await world.cli(['approve', 'prod', '--artifact', v0], 'alice@example.com', at(-35));
    await world.cli(['promote', 'prod', '--artifact', v0], 'ci-bot', at(-34));
    const v1 = await world.register('1.0.0', at(0));
    await world.cli(['attest', 'tests', '--artifact', v1, '--suite', 'unit', 'unit.xml'], 'ci-bot', at(0.5));
    for (const [i, stage] of ['dev', 'perf', 'staging'].entries())
      await world.cli(['promote', stage, '--artifact', v1], 'ci-bot', at(1 + i));
    await world.cli(
      ['approve', 'prod', '--artifact', v1, '--comment', 'release 1.0'],
      'alice@example.com',
      at(5),
    );
    await world.cli(['promote', 'prod', '--artifact', v1], 'ci-bot', at(6));
    const v2 = await world.register('1.1.0', at(60));
    for (const [i, stage] of ['dev', 'staging', 'perf'].entries())
      await world.cli(['promote', stage, '--artifact', v2], 'ci-bot', at(61 + i));
    Object.assign(digests, { v0, v1, v2 });
    writeMetrics(world, [0.011, 0.014, 0.012, 0.018, 0.013]);
    await world.startServer();
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await world?.dispose();
    if (!SHOTS.startsWith(ROOT)) rmSync(SHOTS, { recursive: true, force: true });
  });

  /** A browser of its own for `login` (cookies apart), every API answer it reads kept. */
  async function personOf(login: string, options: BrowserContextOptions = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
    const page = await context.newPage();
    const bodies: string[] = [];
    page.on('response', async (res) => {
      if (!res.url().startsWith(world.url)) return;
      try {
        bodies.push(await res.text());
      } catch {
        // A stream or a redirect has no body to read.
      }
    });
    return { context, page, bodies, login };
  }

  /** Goes to `path` (a hash route); signs in through the provider if the page sends us there. */
  const open = (person: { page: Page; login: string }, hash: string) =>
    openSignedIn(world, person.page, hash, person.login);

  async function shoot(page: Page, name: string) {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  /** axe-core in the page (run through the debugger protocol, which the page's CSP does not govern). */
  async function seriousViolations(page: Page): Promise<string[]> {
    await page.evaluate(AXE);
    const found = await page.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: {
            run(): Promise<{
              violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown }> }>;
            }>;
          };
        }
      ).axe;
      const result = await axe.run();
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${JSON.stringify(v.nodes.map((n) => n.target).slice(0, 3))}`);
    });
    return found;
  }

  /** Presses Tab until the focused element's text matches, as a keyboard user would. */
  async function tabTo(page: Page, text: RegExp, max = 40) {
    for (let i = 0; i < max; i += 1) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el) return '';
        // An SVG link (the stage graph's boxes) has no innerText: its text content, marked as such.
        if (el.innerText === undefined) return `svg:${el.textContent ?? ''}`;
        return `${el.innerText} ${el.getAttribute('aria-label') ?? ''} ${el.id}`;
      });
      if (text.test(focused)) return;
    }
    throw new Error(`no element matching ${text} within ${max} Tab presses`);
  }

  let erin: Awaited<ReturnType<typeof personOf>>;

  it('signs a person in through the OpenID provider and brings them back to the page they asked for', async () => {
    erin = await personOf('erin');
    await open(erin, '#/p/shop');
    await erin.page.getByRole('heading', { name: 'Pipeline shop' }).waitFor();
    expect(new URL(erin.page.url()).hash).toBe('#/p/shop');
    await expect(erin.page.locator('header').innerText()).resolves.toContain('erin@example.com');
    // The stage graph from the contract's `from` edges, fan-in included.
    const graph = await erin.page.locator('figure.graph figcaption').textContent();
    expect(graph).toContain('prod from staging and perf');
    expect(await erin.page.locator('figure.graph path[marker-end]').count()).toBe(4);
    await erin.page.getByText('hash chain verified').waitFor();
    await erin.page.getByText('Live', { exact: true }).waitFor();
    await shoot(erin.page, 'pipeline');
  });

  it("keeps each stage box's digest inside the box, whatever version label the registrant chose", async () => {
    const { page } = erin;
    const long = `1.1.0-${'x'.repeat(60)}`;
    const summary = (url: URL) => url.pathname.endsWith('/pipelines/shop/summary');
    await page.route(summary, async (route) => {
      const answer = (await (await route.fetch()).json()) as {
        stages: Array<{ current?: { artifact: { labels: Record<string, string> } } }>;
      };
      for (const stage of answer.stages) if (stage.current) stage.current.artifact.labels.version = long;
      await route.fulfill({ json: answer });
    });
    try {
      await open(erin, '#/p/shop');
      // A fresh page, so the summary is asked for (through the route) rather than kept.
      await page.reload();
      await page.locator('figure.graph').waitFor();
      await expect.poll(() => page.locator('figure.graph svg').innerHTML()).toContain('x'.repeat(10));
      const boxes = await page.evaluate(() =>
        [...document.querySelectorAll('figure.graph svg a')].map((a) => {
          const rect = a.querySelector('rect.node') as SVGRectElement;
          const right = rect.x.baseVal.value + rect.width.baseVal.value;
          return {
            texts: [...a.querySelectorAll('text')].map((t) => t.textContent ?? ''),
            overflow: [...a.querySelectorAll('text')].some((t) => {
              const box = (t as SVGTextElement).getBBox();
              return box.x + box.width > right;
            }),
          };
        }),
      );
      expect(boxes.length).toBe(4);
      for (const box of boxes) {
        expect(box.overflow, box.texts.join(' | ')).toBe(false);
        expect(box.texts[1]).toMatch(/^sha256:[0-9a-f]{12}$/);
      }
    } finally {
      await page.unroute(summary);
    }
  });

  it('shows every pipeline with each stage, its current version and what waits where, and searches', async () => {
    const { page } = erin;
    await open(erin, '#/');
    const shop = page.locator('li.card', { has: page.getByRole('heading', { name: 'shop' }) });
    await shop.waitFor();
    const prodRow = shop.locator('tr', { has: page.getByRole('rowheader', { name: 'prod' }) });
    await expect(prodRow.innerText()).resolves.toMatch(
      /1\.0\.0[\s\S]*promoted[\s\S]*1\.1\.0[\s\S]*pending[\s\S]*approvals/,
    );
    // What waits is named by its digest, not only by labels its registrant chose.
    await expect(prodRow.locator('ul.waiting').innerText()).resolves.toContain(digests.v2!.slice(0, 19));
    await page.getByText('hash chain verified').first().waitFor();
    expect(await page.locator('li.card').count()).toBe(2);
    await shoot(page, 'overview');
    await page.getByLabel('Find a pipeline or stage').fill('bill');
    await page.keyboard.press('Enter');
    await page.getByText('1 pipeline matching "bill"').waitFor();
    expect(await page.locator('li.card h2').allInnerTexts()).toEqual(['billing']);
  });

  it('filters the overview by status with the keyboard, the filter kept in the address', async () => {
    const { page } = erin;
    await open(erin, '#/');
    await page.locator('li.card').first().waitFor();
    // The select, by its keyboard: type-ahead picks "Waiting at a stage"; then the Search button.
    await tabTo(page, /\sstatus$/);
    await page.keyboard.press('w');
    await tabTo(page, /^Search/);
    await page.keyboard.press('Enter');
    await page.getByText('1 pipeline with a digest waiting at a stage').waitFor();
    expect(new URL(page.url()).hash).toBe('#/?status=waiting');
    expect(await page.locator('li.card h2').allInnerTexts()).toEqual(['shop']);
    expect(await page.getByLabel('Status').inputValue()).toBe('waiting');
    expect(await seriousViolations(page)).toEqual([]);
    // The address alone brings the filter back, and one nothing matches says so.
    await open(erin, '#/?status=failed');
    await page.getByText('No pipeline with a failed stage.').waitFor();
    expect(await page.getByLabel('Status').inputValue()).toBe('failed');
    await tabTo(page, /^Show all/);
    await page.keyboard.press('Enter');
    await page.getByText('2 pipelines; page 1 of 1').waitFor();
  });

  it("never words one query's answer with another's while the new answer is on its way", async () => {
    const { page } = erin;
    await open(erin, '#/?q=bill');
    await page.getByText('1 pipeline matching "bill"').waitFor();
    // Hold the filtered answer: until it comes, the page must not call billing (found by the last
    // search, and not waiting anywhere) "1 pipeline with a digest waiting at a stage".
    const held: Array<() => Promise<void>> = [];
    const waiting = (url: URL) =>
      url.pathname.endsWith('/overview') && url.searchParams.get('status') === 'waiting';
    await page.route(waiting, (route) => {
      held.push(() => route.continue());
    });
    await page.evaluate(() => {
      location.hash = '/?status=waiting';
    });
    await expect.poll(() => held.length).toBeGreaterThan(0);
    await page.getByText('Loading the pipelines').waitFor();
    expect(await page.locator('li.card').count()).toBe(0);
    expect(await page.getByText('with a digest waiting at a stage').count()).toBe(0);
    for (const release of held.splice(0)) await release();
    await page.unroute(waiting);
    await page.getByText('1 pipeline with a digest waiting at a stage').waitFor();
    expect(await page.locator('li.card h2').allInnerTexts()).toEqual(['shop']);
  });

  it('tells a person whose approval would not count why, before they give it', async () => {
    const dave = await personOf('dave');
    await open(dave, '#/inbox');
    await dave.page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
    await dave.page.getByText('Your approval would not count').waitFor();
    await expect(dave.page.locator('main').innerText()).resolves.toContain(
      'dave@example.com is not among group:release-managers',
    );
    await dave.context.close();
  });

  it('walks overview → pipeline → stage → decision with the keyboard alone', async () => {
    const { page } = erin;
    await open(erin, '#/');
    await page.locator('li.card').first().waitFor();
    await tabTo(page, /^shop\b/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Pipeline shop' }).waitFor();
    // The stage graph's boxes are links too.
    await tabTo(page, /^svg:prod/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Stage prod' }).waitFor();
    await tabTo(page, /sha256:/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /enter prod\?/ }).waitFor();
    await tabTo(page, /^Re-run check/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /enter prod\?/ }).waitFor();
  });

  it('says first under the question what is required next, with the command for this very digest', async () => {
    const { page } = erin;
    await open(erin, `#/p/shop/s/prod/a/${digests.v2}`);
    await page.getByRole('heading', { name: /enter prod/ }).waitFor();
    await expect(page.locator('p.verdict').innerText()).resolves.toBe(
      'Not yet: the approvals gate is waiting. What is required next: 1 item under Required.',
    );
    // The command a Required item names is this artifact's, whole, ready to copy: no placeholder.
    const required = page.locator('#required + ul');
    await expect(required.locator('code').innerText()).resolves.toBe(
      `tollgate approve prod --artifact ${digests.v2}`,
    );
    expect(await required.innerText()).not.toMatch(/DIGEST|`/);
    await open(erin, '#/inbox');
    const card = page.locator('ul.inbox li.card').first();
    await expect(card.locator('li code').innerText()).resolves.toBe(
      `tollgate approve prod --artifact ${digests.v2}`,
    );
    // Allowed, and in already: yes, and the risks that remain are counted where the eye lands first.
    await open(erin, `#/p/shop/s/prod/a/${digests.v1}`);
    await expect(page.locator('p.verdict').innerText()).resolves.toMatch(
      /^Yes: every gate lets it into prod; nothing more is required\. \d+ remaining risks to weigh under Remaining risk\.$/,
    );
  });

  it('writes every time with its zone, in the page and on the chart', async () => {
    // A reader half an hour off the hour from UTC: a time without its zone would read as anybody's.
    const asha = await personOf('erin', { timezoneId: 'Asia/Kolkata', locale: 'en-US' });
    for (const view of [`#/p/shop/s/prod/a/${digests.v2}`, '#/p/shop', '#/p/shop/s/prod/health']) {
      await open(asha, view);
      await asha.page.locator('main time').first().waitFor();
      const times = await asha.page.locator('main time').allInnerTexts();
      expect(times.length, view).toBeGreaterThan(0);
      for (const time of times) expect(time, view).toMatch(/GMT\+5:30/);
    }
    const axis = await asha.page.locator('svg.chart text.axis').allTextContents();
    expect(axis.filter((t) => /:\d\d/.test(t))).toHaveLength(2);
    for (const t of axis.filter((t) => /:\d\d/.test(t))) expect(t).toMatch(/GMT\+5:30/);
    await asha.context.close();
  });

  it('fits every view in a 390 px phone screen, nothing wider than the page', async () => {
    const { page } = erin;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      const wider: string[] = [];
      const views: Array<[string, RegExp]> = [
        ['#/', /^Pipelines$/],
        ['#/p/shop', /^Pipeline shop$/],
        ['#/p/shop/s/prod', /^Stage prod$/],
        [`#/p/shop/s/prod/a/${digests.v2}`, /enter prod/],
        [`#/p/shop/s/prod/a/${digests.v1}`, /enter prod/],
        ['#/inbox', /^Waiting for approval$/],
        [`#/p/shop/a/${digests.v1}`, /^Passport of/],
        ['#/p/shop/s/prod/health', /^Rollback health of prod$/],
        ['#/p/shop/drift/staging/prod', /^Drift staging → prod/],
      ];
      for (const [view, heading] of views) {
        await open(erin, view);
        // The view asked for, drawn with its answers: not the one before it.
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        await page.waitForLoadState('networkidle');
        await page.locator('main table, main ol, main ul, main svg').first().waitFor();
        const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (over > 0) wider.push(`${view}: ${over} px wider than the screen`);
      }
      expect(wider).toEqual([]);
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  it('keeps each short digest of the overview on one line on a phone, the whole digest in its title', async () => {
    const { page } = erin;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await open(erin, '#/');
      await page.getByRole('heading', { level: 1, name: /^Pipelines$/ }).waitFor();
      await page.locator('table.stages code.digest').first().waitFor();
      const shown = await page.evaluate(() =>
        [...document.querySelectorAll('table.stages code.digest')].map((code) => ({
          text: code.textContent ?? '',
          title: code.getAttribute('title') ?? '',
          lines: code.getClientRects().length,
        })),
      );
      // dev runs v2, perf and staging v2, prod v1 with v2 waiting: five digests at least.
      expect(shown.length).toBeGreaterThanOrEqual(5);
      for (const digest of shown) {
        expect(digest.text).toMatch(/^sha256:[0-9a-f]{12}$/);
        expect(digest.title.startsWith(digest.text), digest.title).toBe(true);
        expect(digest.title).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(digest.lines, `${digest.text} broken over lines`).toBe(1);
      }
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(over).toBeLessThanOrEqual(0);
      await shoot(page, 'overview-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  it('says a pipeline with nothing recorded has nothing to show yet, not empty headings', async () => {
    const { page } = erin;
    await open(erin, '#/p/billing');
    await page.getByRole('heading', { name: 'Pipeline billing' }).waitFor();
    await page.getByText('Nothing recorded in billing yet').waitFor();
    await expect(page.locator('main').innerText()).resolves.toContain(
      'Nothing to compare: no stage takes its builds from another',
    );
  });

  it('approves from the inbox with the keyboard alone, and the decision changes', async () => {
    const { page } = erin;
    await open(erin, '#/');
    await page.locator('li.card').first().waitFor();
    await tabTo(page, /^Approvals/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
    await page.locator('ul.inbox li.card').first().waitFor();
    await shoot(page, 'inbox');
    const before = await page.evaluate(() => document.querySelector('ul.inbox')?.textContent ?? '');
    expect(before).toContain('1.1.0');
    // prod comes from staging and perf, and 1.1.0 runs in both: the item names both, not the first.
    expect(before).toContain('Runs in staging and perf.');
    await tabTo(page, /Comment/);
    await page.keyboard.type('load tests look fine');
    await tabTo(page, /^Approve/);
    await page.keyboard.press('Enter');
    await page.getByText(/erin@example\.com approved/).waitFor();
    await page.getByText('Nothing waits for an approval you could give.').waitFor();

    await open(erin, `#/p/shop/s/prod/a/${digests.v2}`);
    await page.getByRole('heading', { name: /enter prod/ }).waitFor();
    const approvals = page.locator('table.gates tr', {
      has: page.getByRole('rowheader', { name: 'approvals' }),
    });
    await expect(approvals.innerText()).resolves.toMatch(/pass/);
    await expect(page.locator('h1').innerText()).resolves.toMatch(/allowed/);
    await expect(page.locator('#validated + ul').innerText()).resolves.toContain('erin@example.com');
    await shoot(page, 'decision');
  });

  it("shows an artifact's passport and a stage's rollback health with its chart", async () => {
    const { page } = erin;
    await open(erin, `#/p/shop/a/${digests.v1}`);
    await page.getByRole('heading', { name: /Passport of/ }).waitFor();
    await expect(page.locator('main').innerText()).resolves.toMatch(
      /prod[\s\S]*(promoted|rolled back|verified)/,
    );
    // The VSA stored with each promotion, verified by the server with the pipeline's verifier key.
    await page.getByText('signature valid').first().waitFor();
    await expect(page.locator('main').innerText()).resolves.toContain('PASSED for this digest and stage');
    await expect(page.locator('main').innerText()).resolves.toMatch(/tests\s+junit[\s\S]*suite unit/);
    await shoot(page, 'passport');
    // Asked by the sha512 register --file read, the passport is v1's and says it was read, not claimed.
    const sha512 = `sha512:${createHash('sha512').update('shop 1.0.0\n').digest('hex')}`;
    await open(erin, `#/p/shop/a/${sha512}`);
    await page.getByRole('heading', { name: /Passport of/ }).waitFor();
    await expect(page.locator('main').innerText()).resolves.toMatch(
      new RegExp(`Asked by ${sha512}: read from the same bytes \\(register entry #\\d+\\)`),
    );
    await open(erin, '#/p/shop/s/prod/health');
    await page.getByRole('heading', { name: 'error rate' }).waitFor();
    await page.locator('svg.chart').waitFor();
    // The promotions (and with them the target) load after the health answer: wait for them.
    await page.getByText('Last known good target', { exact: false }).waitFor();
    // Prod runs 1.0.0 (promoted three hours ago); it would go back to 0.9.0.
    await expect(page.locator('main').innerText()).resolves.toMatch(/Last known good target: \S+\s+0\.9\.0/);
    expect(await page.locator('svg.chart circle').count()).toBeGreaterThanOrEqual(3);
    await shoot(page, 'health');
  });

  it('shows a promotion arriving live, without a reload', async () => {
    const { page } = erin;
    await open(erin, '#/p/shop');
    await page.getByText('Live', { exact: true }).waitFor();
    const marker = await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
      return true;
    });
    expect(marker).toBe(true);
    await world.cli(['promote', 'prod', '--artifact', digests.v2!], 'ci-bot');
    await page
      .locator('ol.timeline li')
      .first()
      .filter({ hasText: 'promoted into prod' })
      .waitFor({ timeout: 20_000 });
    await expect(page.locator('ol.timeline li').first().innerText()).resolves.toContain('1.1.0');
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
  });

  it('shows the drift between two stages with no secret value in the page or in any API answer', async () => {
    const { page, bodies } = erin;
    bodies.length = 0;
    await open(erin, '#/p/shop/drift/staging/prod');
    await page.getByRole('heading', { name: /Drift staging → prod/ }).waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toMatch(/secret value changed/);
    expect(text).toContain('each stage has its own database');
    // The undeclared secret change is accepted by the budget (security: any), not gone: it is
    // remaining risk, as check's decision lists it.
    const risk = await page.locator('h2:text-is("Remaining risk") + ul').innerText();
    expect(risk).toMatch(/\/db\/host \(endpoints\): declared: each stage has its own database/);
    expect(risk).toMatch(/\/db\/password \(security\): undeclared, within the security budget/);
    const html = await page.content();
    for (const secret of SECRETS) {
      expect(html).not.toContain(secret);
      for (const body of bodies) expect(body).not.toContain(secret);
    }
    expect(bodies.some((b) => b.includes('"differences"'))).toBe(true);
    await shoot(page, 'drift');
    // Nor in a static report of the pipeline, which embeds the same answers.
    await world.cli(['report', '--html', join(world.dir, 'report')]);
    const snapshot = readFileSync(join(world.dir, 'report/assets/snapshot.js'), 'utf8');
    expect(snapshot).toContain('"/pipelines/shop/drift?from=staging&to=prod"');
    for (const secret of SECRETS) expect(snapshot).not.toContain(secret);
  });

  it('says "not found" for an unknown pipeline, stage, digest or page, and "not allowed" to a person granted nothing', async () => {
    const { page } = erin;
    await open(erin, '#/p/nope');
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await expect(page.locator('main').innerText()).resolves.toContain('no pipeline "nope"');
    await open(erin, `#/p/shop/a/sha256:${'0'.repeat(64)}`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await expect(page.locator('main').innerText()).resolves.toContain('is not registered in pipeline shop');
    await open(erin, '#/p/shop/a/sha256:nothex');
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await open(erin, '#/p/shop/s/nostage');
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await expect(page.locator('main').innerText()).resolves.toContain('no stage "nostage"');
    await open(erin, '#/what/is/this');
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    // A pipeline the sign-in does not cover looks like one that does not exist, and says why it may.
    const mallory = await personOf('mallory');
    await open(mallory, '#/p/shop');
    await mallory.page.getByRole('heading', { name: 'Not found' }).waitFor();
    await expect(mallory.page.locator('main').innerText()).resolves.toContain('ask an admin');
    await mallory.context.close();
    const zoe = await personOf('zoe');
    await open(zoe, '#/p/shop');
    await zoe.page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    await expect(zoe.page.locator('main').innerText()).resolves.toContain('zoe@example.com signed in');
    await shoot(zoe.page, 'not-allowed');
    await zoe.context.close();
  });

  it('shows "reconnecting" while the server is away, and goes live again when it is back', async () => {
    const { page } = erin;
    await open(erin, '#/p/shop');
    await page.getByText('Live', { exact: true }).waitFor();
    await world.stopServer();
    await page.getByText(/Reconnecting to the server/).waitFor({ timeout: 20_000 });
    await world.startServer();
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 30_000 });
  });

  it('sends a person whose session ended back to sign in, and then to the same place', async () => {
    const store = await openStore(undefined, join(world.dir, 'data'));
    await store.sessions.purge(new Date(Date.now() + 365 * 86_400_000));
    await store.close();
    const { page } = erin;
    await page.goto(`${world.url}/#/p/shop/s/prod`);
    await page.waitForURL((url) => !url.href.startsWith(`${world.url}/#`) || url.hash === '#/p/shop/s/prod', {
      timeout: 30_000,
    });
    if (page.url().startsWith(world.issuer)) await providerSignIn(world, page, 'erin');
    await page.getByRole('heading', { name: 'Stage prod' }).waitFor({ timeout: 30_000 });
    expect(new URL(page.url()).hash).toBe('#/p/shop/s/prod');
  });

  it('has no serious accessibility violations on the main views (axe-core)', async () => {
    const { page } = erin;
    const views = [
      '#/',
      '#/p/shop',
      `#/p/shop/s/prod/a/${digests.v2}`,
      '#/inbox',
      '#/p/shop/drift/staging/prod',
      `#/p/shop/a/${digests.v1}`,
      '#/p/shop/s/prod/health',
    ];
    const problems: string[] = [];
    for (const view of views) {
      await open(erin, view);
      await page.locator('main h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      for (const v of await seriousViolations(page)) problems.push(`${view}: ${v}`);
    }
    expect(problems).toEqual([]);
  });

  it('signs out, and stays signed out when a view was still loading', async () => {
    const { page } = erin;
    await open(erin, '#/');
    // A sign-out the server did not make is not reported as made.
    await page.route('**/auth/logout', (route) => route.fulfill({ status: 503, body: 'down' }));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('Sign-out failed (HTTP 503): you are still signed in; try again.');
    expect(new URL(page.url()).hash).toBe('#/');
    expect(await page.evaluate(async () => (await fetch('/api/v1/whoami')).status)).toBe(200);
    await page.unroute('**/auth/logout');
    // A view's request answered after the session is gone gets 401, which sends a person to sign
    // in; the provider still knows them, so that would sign them straight back in. Hold the
    // inbox's requests, sign out, and let them through after the session was deleted but before
    // the page hears the sign-out's answer: the worst order the network can pick.
    const held: Array<() => void> = [];
    const late: Array<Promise<unknown>> = [];
    await page.route('**/api/v1/inbox**', (route) => {
      held.push(() => late.push(route.continue()));
    });
    await page.evaluate(() => {
      location.hash = '/inbox';
    });
    await expect.poll(() => held.length).toBeGreaterThan(0);
    const signInsAfter: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/auth/login')) signInsAfter.push(request.url());
    });
    await page.route('**/auth/logout', async (route) => {
      const answer = await route.fetch();
      expect(answer.status()).toBe(200);
      const denied = page.waitForResponse(
        (response) => response.url().includes('/api/v1/inbox') && response.status() === 401,
      );
      for (const release of held.splice(0)) release();
      await Promise.all(late);
      await denied;
      // The page's code runs on that 401 before it hears the sign-out's answer.
      await page.waitForTimeout(100);
      await route.fulfill({ response: answer });
    });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(signInsAfter).toEqual([]);
    expect(new URL(page.url()).hash).toBe('#/signed-out');
    const res = await page.evaluate(async () => (await fetch('/api/v1/whoami')).status);
    expect(res).toBe(401);
    await erin.context.close();
  });
});
