/**
 * `tollgate report --html DIR`: the dashboard's views of one pipeline as a static folder, opened
 * from file:// in Chromium with no server: the same page, its answers embedded.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';
import { chromiumAvailable, withChromium } from './support.js';

let dir: string;
let digest: string;
const cli = async (...args: string[]) => {
  const result = await runCli(args, { cwd: dir, env: { TOLLGATE_ACTOR: 'ci-bot' } });
  return result;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-report-'));
  cpSync(join(ROOT, 'examples/checkout'), dir, { recursive: true });
  const registered = await cli(
    'register',
    '--file',
    'build/checkout-1.4.2.txt',
    '--label',
    'version=1.4.2',
    '--json',
  );
  expect(registered.code, registered.stderr).toBe(0);
  digest = (JSON.parse(registered.stdout) as { digest: string }).digest;
  expect(
    (await cli('attest', 'tests', '--artifact', digest, '--suite', 'unit', 'reports/unit.xml')).code,
  ).toBe(0);
  expect((await cli('promote', 'dev', '--artifact', digest)).code).toBe(0);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tollgate report --html', { timeout: 180_000 }, () => {
  it('writes the page, its assets and the answers it needs into the folder', async () => {
    const result = await cli('report', '--html', 'out');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/wrote .*out\/index\.html: pipeline checkout/);
    for (const file of ['index.html', 'assets/app.js', 'assets/app.css', 'assets/snapshot.js'])
      expect(existsSync(join(dir, 'out', file)), file).toBe(true);
    const html = readFileSync(join(dir, 'out/index.html'), 'utf8');
    expect(html).toContain('<script src="assets/snapshot.js"></script>');
    // The server's page comes with a Content-Security-Policy header; a file has none: a meta element.
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self';[^"]*connect-src 'none';[^"]*">/,
    );
    const script = readFileSync(join(dir, 'out/assets/snapshot.js'), 'utf8');
    const snapshot = JSON.parse(
      script.replace(/^window\.__TOLLGATE_SNAPSHOT__ = /, '').replace(/;\n$/, ''),
    ) as {
      pipeline: string;
      answers: Record<string, unknown>;
    };
    expect(snapshot.pipeline).toBe('checkout');
    const keys = Object.keys(snapshot.answers);
    expect(keys).toContain('/overview?page=1&size=20');
    expect(keys).toContain('/pipelines/checkout/summary');
    expect(keys).toContain(`/pipelines/checkout/artifacts/${encodeURIComponent(digest)}`);
    expect(keys).toContain('/pipelines/checkout/drift?from=staging&to=prod');
    expect(keys.some((k) => k.startsWith(`/pipelines/checkout/stages/dev/check?artifact=`))).toBe(true);
    // The example signs VSAs: the one sealing the dev promotion is in the report, verified.
    expect(
      snapshot.answers[
        `/pipelines/checkout/stages/dev/vsa/verification?artifact=${encodeURIComponent(digest)}`
      ],
    ).toMatchObject({
      valid: true,
      result: 'PASSED',
    });
    // The drift report's secrets are hashed, as the API's are: no config value marked secret is here.
    const drift = snapshot.answers['/pipelines/checkout/drift?from=staging&to=prod'] as {
      differences?: Array<{ secret?: boolean; before?: unknown; after?: unknown }>;
    };
    for (const d of drift.differences ?? [])
      if (d.secret) expect([d.before, d.after]).toEqual([undefined, undefined]);
  });

  it('refuses without --html or with a bad page count, saying what it needs', async () => {
    const missing = await cli('report');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('report needs --html DIR');
    const bad = await cli('report', '--html', 'x', '--timeline-pages', 'lots');
    expect(bad.stderr).toContain('--timeline-pages "lots": expected a whole number');
  });

  it.skipIf(!chromiumAvailable())('opens from file:// with no server and shows the views', async () => {
    await withChromium(async (browser) => {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (req) => requests.push(req.url()));
      const refused: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) refused.push(m.text());
      });
      const index = pathToFileURL(join(dir, 'out/index.html')).href;
      await page.goto(index);
      await page.getByRole('heading', { name: 'Pipelines' }).waitFor();
      // One pipeline, the unfiltered page only: no search or status filter to lead nowhere.
      expect(await page.getByLabel('Status').count()).toBe(0);
      await page.getByRole('link', { name: 'checkout' }).click();
      await page.getByRole('heading', { name: 'Pipeline checkout' }).waitFor();
      await expect(page.locator('header').innerText()).resolves.toContain('Static report of checkout');
      await page.locator('figure.graph a').first().click();
      await page.getByRole('heading', { name: 'Stage dev' }).waitFor();
      await page.locator('ol.timeline a').first().click();
      await page.getByRole('heading', { name: /enter dev\?/ }).waitFor();
      await page.goto(`${index}#/p/checkout/drift/staging/prod`);
      await page.getByRole('heading', { name: /Drift staging → prod/ }).waitFor();
      // A view the snapshot does not hold says so.
      await page.goto(`${index}#/p/checkout/a/sha256:${'0'.repeat(64)}`);
      await page.getByText('this static report does not hold').waitFor();
      expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
      // The page's own files all load under the report's policy…
      expect(refused).toEqual([]);
      // (app.css lays the header out as a flex row; unstyled, it is a block.)
      expect(await page.evaluate(() => getComputedStyle(document.querySelector('header')!).display)).toBe(
        'flex',
      );
      // …and an inline script finds nothing to run.
      expect(
        await page.evaluate(() => {
          const s = document.createElement('script');
          s.textContent = 'window.__ran = true';
          document.head.append(s);
          return (window as unknown as { __ran?: boolean }).__ran === true;
        }),
      ).toBe(false);
    });
  });
});
