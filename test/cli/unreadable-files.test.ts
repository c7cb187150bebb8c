/**
 * A file the user names and Tollgate cannot read gets one wording, whichever command reads it:
 * `PATH: cannot read WHAT: REASON`, the reason in words. A file named like a secret (`key`,
 * `token`, `password`) keeps its name and reason readable: once `tollgate sign --key key` printed
 * `tollgate: key: ***`, the secret detector taking the message for a `key: …` header line.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeDigest, makeWorkspace, runCli, THREE_STAGES } from '../support/cli.js';

describe('a file the user named that cannot be read', () => {
  const dir = makeWorkspace(THREE_STAGES, { 'x.txt': 'some bytes\n' });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const digest = fakeDigest('unreadable-files');

  it('sign --key key (missing) names the file and the reason, with nothing masked', async () => {
    const result = await runCli(['sign', '--key', 'key', 'x.txt'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('tollgate: key: cannot read key file: no such file or directory');
    expect(result.stderr).not.toContain('***');
  });

  it('attest and register word a missing file alike, also when it is named token or password', async () => {
    expect((await runCli(['register', '--digest', digest], { cwd: dir })).code).toBe(0);
    const tests = await runCli(['attest', 'tests', '--artifact', digest, '--suite', 'e2e', 'token'], {
      cwd: dir,
    });
    expect(tests.stderr).toContain('tollgate: token: cannot read the file: no such file or directory');
    const sbom = await runCli(['attest', 'sbom', '--artifact', digest, 'password'], { cwd: dir });
    expect(sbom.stderr).toContain('tollgate: password: cannot read the file: no such file or directory');
    const register = await runCli(['register', '--file', 'key'], { cwd: dir });
    expect(register.stderr).toContain('tollgate: key: cannot read the file: no such file or directory');
    for (const result of [tests, sbom, register]) {
      expect(result.code).toBe(3);
      expect(result.stderr).not.toContain('***');
    }
  });
});
