/**
 * A server started without sign-in (no `login` in its configuration): the dashboard says so and
 * how to set it up, instead of sending the browser to a sign-in route that does not exist.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT, startServe } from '../support/cli.js';
import { chromiumAvailable, withChromium } from './support.js';

it.skipIf(!chromiumAvailable())('says sign-in is not set up when the server has none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-no-login-'));
  cpSync(join(ROOT, 'examples/checkout'), dir, { recursive: true });
  const server = await startServe(['--contract', 'tollgate.yaml'], { cwd: dir });
  try {
    await withChromium(async (browser) => {
      const page = await browser.newPage();
      await page.goto(`${server.url}/#/p/checkout`);
      await page.getByRole('heading', { name: 'Sign-in is not set up on this server' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/');
    });
  } finally {
    await server.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
