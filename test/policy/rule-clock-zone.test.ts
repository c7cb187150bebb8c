/**
 * A rule reading the wall clock of a zone answers the same on every machine. cel-js turns a
 * timestamp into a zone's wall time by printing it there and parsing the text back in the
 * machine's own zone: on a machine in New York, Berlin's 02:30 on 8 March 2026 (New York's
 * spring-forward night, when its 02:30 does not exist) read as 03:30.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeDigest, makeWorkspace, runCli } from '../support/cli.js';

const CONTRACT = `version: 1
pipeline: shop
artifact: { type: file }
stages:
  prod:
    purpose: live
    requires:
      rules:
        - name: no deploys in the Berlin maintenance hour
          cel: 'now.getHours("Europe/Berlin") != 2'
`;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('rules reading the wall clock of a zone', () => {
  it('block in the Berlin hour they name whatever zone the machine runs in', async () => {
    const dir = makeWorkspace(CONTRACT);
    dirs.push(dir);
    const digest = fakeDigest('rule-clock-zone');
    expect((await runCli(['register', '--digest', digest], { cwd: dir })).code).toBe(0);
    // 01:30Z is 02:30 in Berlin (CET), and 20:30 the evening before in New York.
    const args = ['check', 'prod', '--artifact', digest, '--now', '2026-03-08T01:30:00Z'];
    for (const TZ of ['UTC', 'America/New_York', 'Europe/Berlin']) {
      const result = await runCli(args, { cwd: dir, env: { TZ } });
      expect(result.stdout, TZ).toContain('no deploys in the Berlin maintenance hour');
      expect(result.code, TZ).toBe(1);
    }
    const after = await runCli([...args.slice(0, -1), '2026-03-08T02:30:00Z'], {
      cwd: dir,
      env: { TZ: 'America/New_York' },
    });
    expect(after.code).toBe(0);
  }, 30_000);
});
