/**
 * A break-glass promotion's signed verdict says which gates were overridden, so whoever admits the
 * artifact can tell it from one that passed every gate: `TOLLGATE_OVERRIDDEN` and
 * `TOLLGATE_OVERRIDDEN_<gate>` among its verified levels (covered by the signature), named by
 * `tollgate verify`, and refused by `verify --refuse-overridden`.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { twoStageYaml } from '../support/builders.js';
import { fakeDigest, makeWorkspace, runCli } from '../support/cli.js';
import { pemKeyPair } from './helpers.js';

const CONTRACT = twoStageYaml(
  '      soak: 24h',
  `artifact: { type: file }
trust:
  verifier: { key: keys/verifier.key }
overrides:
  - { by: [carol], gates: [soak] }`,
);

const BROKEN_GLASS = fakeDigest('overridden');
const CLEAN = fakeDigest('clean');

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const as = (actor: string, args: string[]) => runCli(args, { cwd: dir!, env: { TOLLGATE_ACTOR: actor } });

function levelsOf(file: string): string[] {
  const envelope = JSON.parse(readFileSync(join(dir!, file), 'utf8')) as { payload: string };
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
  return statement.predicate.verifiedLevels;
}

describe('a promotion with gates overridden', () => {
  it('carries TOLLGATE_OVERRIDDEN in its VSA, named by verify and refused by --refuse-overridden', async () => {
    const keys = pemKeyPair('ed25519');
    dir = makeWorkspace(CONTRACT, { 'keys/verifier.key': keys.privatePem, 'verifier.pub': keys.publicPem });
    for (const digest of [BROKEN_GLASS, CLEAN]) {
      expect((await as('ci', ['register', '--digest', digest])).code).toBe(0);
      expect((await as('ci', ['promote', 'staging', '--artifact', digest])).code).toBe(0);
    }
    // Soak has not elapsed: only the override lets it in.
    expect((await as('ci', ['promote', 'prod', '--artifact', CLEAN])).code).toBe(2);
    const promoted = await as('carol', [
      'promote',
      'prod',
      '--artifact',
      BROKEN_GLASS,
      '--override',
      'soak',
      '--reason',
      'INC-9 hotfix',
      '--vsa-out',
      'prod.vsa.json',
    ]);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(levelsOf('prod.vsa.json')).toEqual([
      'TOLLGATE_STAGE_prod',
      'TOLLGATE_OVERRIDDEN',
      'TOLLGATE_OVERRIDDEN_soak',
    ]);
    const verify = [
      'verify',
      'prod.vsa.json',
      '--key',
      'verifier.pub',
      '--digest',
      BROKEN_GLASS,
      '--stage',
      'prod',
    ];
    const admitted = await as('gate', verify);
    expect(admitted.code).toBe(0);
    expect(admitted.stdout).toContain('entered with gates overridden: soak');
    const refused = await as('gate', [...verify, '--refuse-overridden']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      'NOT admitted: the promotion entered with gates overridden (verified level TOLLGATE_OVERRIDDEN: soak)',
    );
    // A promotion that passed every gate claims no such level, and --refuse-overridden admits it.
    const staging = await as('ci', ['vsa', 'staging', '--artifact', CLEAN, '-o', 'staging.vsa.json']);
    expect(staging.code, staging.stderr).toBe(0);
    expect(levelsOf('staging.vsa.json')).toEqual(['TOLLGATE_STAGE_staging']);
    const clean = await as('gate', [
      'verify',
      'staging.vsa.json',
      '--key',
      'verifier.pub',
      '--digest',
      CLEAN,
      '--stage',
      'staging',
      '--refuse-overridden',
    ]);
    expect(clean.code, clean.stdout).toBe(0);
  });
});
