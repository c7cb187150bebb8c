/**
 * A server started without sign-in (no `login` in its configuration): the dashboard says so and
 * how to set it up, instead of sending the browser to a sign-in route that does not exist.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { expect, it } from 'vitest';
import { BIN, ROOT } from '../support/cli.js';
import { CHROMIUM, chromiumAvailable } from './support.js';

it.skipIf(!chromiumAvailable())('says sign-in is not set up when the server has none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-no-login-'));
  cpSync(join(ROOT, 'examples/checkout'), dir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('TOLLGATE_')) delete env[key];
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--listen', '127.0.0.1:0', '--contract', 'tollgate.yaml'],
    {
      cwd: dir,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let log = '';
      child.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        const found = /listening on (http:\/\/\S+?) /.exec(log);
        if (found) resolve(found[1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${log}`)));
    });
    const page = await browser.newPage();
    await page.goto(`${url}/#/p/checkout`);
    await page.getByRole('heading', { name: 'Sign-in is not set up on this server' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
  } finally {
    await browser.close();
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
