/**
 * Flags that cannot both be honoured are refused, not one silently dropped: `check --json
 * --markdown` printed JSON and exit 0/1/2 as if the Markdown summary had been written, so a CI step
 * that asked for both got neither it expected. `windows --days abc` said `--days NaN`.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeDigest, makeWorkspace, runCli, THREE_STAGES } from '../support/cli.js';

describe('flags that contradict each other or are not numbers', () => {
  const dir = makeWorkspace(THREE_STAGES);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const digest = fakeDigest('flag-conflicts');

  it('refuses --json with --markdown for check, promote and drift, recording nothing', async () => {
    expect((await runCli(['register', '--digest', digest], { cwd: dir })).code).toBe(0);
    for (const args of [
      ['check', 'dev', '--artifact', digest, '--json', '--markdown'],
      ['promote', 'dev', '--artifact', digest, '--markdown', '--json'],
      ['drift', 'dev', 'staging', '--json', '--markdown'],
    ]) {
      const result = await runCli(args, { cwd: dir });
      expect(result.code, args.join(' ')).toBe(3);
      expect(result.stderr).toContain("tollgate: option '--markdown' cannot be used with option '--json'");
      expect(result.stderr).not.toMatch(/^error:/m);
      expect(result.stdout).toBe('');
    }
    const history = await runCli(['history', 'dev', '--json'], { cwd: dir });
    expect(JSON.parse(history.stdout)).toEqual([]);
  });

  it('names Tollgate on the unknown options and missing arguments commander refuses', async () => {
    for (const [args, said] of [
      [['check', 'dev', '--artifcat', digest], "tollgate: unknown option '--artifcat'"],
      [['--contarct', 'x.yaml', 'status'], "tollgate: unknown option '--contarct'"],
      [['drift', 'dev'], "tollgate: missing required argument 'stage'"],
    ] as const) {
      const result = await runCli([...args], { cwd: dir });
      expect(result.code, args.join(' ')).toBe(3);
      expect(result.stderr, args.join(' ')).toContain(said);
      expect(result.stderr, args.join(' ')).not.toMatch(/^error:/m);
    }
  });

  it('quotes a --days that is not a whole number as typed', async () => {
    for (const days of ['abc', '1e1', '2.5']) {
      const result = await runCli(['windows', 'prod', '--days', days], { cwd: dir });
      expect(result.code, days).toBe(3);
      expect(result.stderr).toContain(
        `tollgate: --days "${days}": expected a whole number of days from 1 to 366`,
      );
    }
  });
});
