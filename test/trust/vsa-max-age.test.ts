/**
 * `tollgate verify --max-age`: a VSA checked away from its ledger carries no expiry of its own, so
 * the consumer says how old a verdict it still takes, against the verifying clock (`--now`,
 * TOLLGATE_NOW, else the real time); a verdict dated ahead of that clock is refused in any case.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPrivateKey } from '../../src/trust/keys.js';
import { buildVsa, signVsa } from '../../src/trust/vsa.js';
import { runCli } from '../support/cli.js';
import { DIGEST_A, pemKeyPair } from './helpers.js';

/** A directory without tollgate.yaml (no ledger at hand) holding the key and a VSA verified at `at`. */
function away(at: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-max-age-'));
  const { publicPem, privatePem } = pemKeyPair('ed25519');
  writeFileSync(join(dir, 'verifier.pub'), publicPem);
  const statement = buildVsa({
    artifactDigest: DIGEST_A,
    resourceUri: `oci://registry.example.com/shop@${DIGEST_A}`,
    verifierId: 'tollgate:shop',
    timeVerified: new Date(at),
    pipeline: 'shop',
    stage: 'prod',
    contractDigest: `sha256:${'c'.repeat(64)}`,
    inputAttestations: [],
  });
  writeFileSync(
    join(dir, 'prod.vsa.json'),
    JSON.stringify(signVsa(statement, loadPrivateKey(privatePem, 'v'))),
  );
  return dir;
}

const verify = (dir: string, extra: string[], env: Record<string, string> = {}) =>
  runCli(
    ['verify', 'prod.vsa.json', '--key', 'verifier.pub', '--digest', DIGEST_A, '--stage', 'prod', ...extra],
    { cwd: dir, env },
  );

describe('verify --max-age', () => {
  it('refuses a VSA older than --max-age at the set clock, naming the file and both times', async () => {
    const dir = away('2026-11-01T10:00:00Z');
    const young = await verify(dir, ['--max-age', '30d', '--now', '2026-11-26T10:00:00Z']);
    expect(young.code, young.stdout + young.stderr).toBe(0);
    expect(young.stdout).toContain('admitted: PASSED for stage prod');
    const old = await verify(dir, ['--max-age', '7d', '--now', '2026-11-26T10:00:00Z']);
    expect(old.code, old.stdout + old.stderr).toBe(1);
    expect(old.stdout).toContain('NOT admitted: prod.vsa.json');
    expect(old.stdout).toContain('2026-11-01T10:00:00.000Z');
    expect(old.stdout).toContain('2026-11-26T10:00:00.000Z');
    expect(old.stdout).toContain('older than --max-age 7d');
    // TOLLGATE_NOW is the verifying clock as --now is.
    const byEnv = await verify(dir, ['--max-age', '7d'], { TOLLGATE_NOW: '2026-11-05T00:00:00Z' });
    expect(byEnv.code, byEnv.stdout + byEnv.stderr).toBe(0);
    const json = await verify(dir, ['--max-age', '1w', '--json'], { TOLLGATE_NOW: '2026-12-01T00:00:00Z' });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).valid).toBe(false);
  });

  it('refuses a VSA dated ahead of the set clock beyond the allowed skew', async () => {
    const dir = away('2026-11-26T10:00:00Z');
    const ahead = await verify(dir, ['--now', '2026-11-20T00:00:00Z']);
    expect(ahead.code, ahead.stdout + ahead.stderr).toBe(1);
    expect(ahead.stdout).toContain('prod.vsa.json');
    expect(ahead.stdout).toContain('timeVerified 2026-11-26T10:00:00.000Z is in the future');
    expect(ahead.stdout).toContain('2026-11-20T00:00:00.000Z');
    // Within five minutes: clocks drift, admitted.
    expect((await verify(dir, ['--now', '2026-11-26T09:56:00Z'])).code).toBe(0);
  });

  it('refuses a --max-age that is not a duration, naming the flag and the grammar', async () => {
    const dir = away('2026-11-01T10:00:00Z');
    for (const bad of ['30', '30 days', '1h1d', '0s']) {
      const result = await verify(dir, ['--max-age', bad]);
      expect(result.code, `${bad}: ${result.stdout}`).toBe(3);
      expect(result.stderr).toContain(`--max-age "${bad}"`);
    }
  });
});
