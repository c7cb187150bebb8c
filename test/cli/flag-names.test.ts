/**
 * Errors name the flag (or argument) a user typed: the application layer names request fields
 * (`field('image')`) and the CLI shows each as its flag. A field the CLI has no flag for was shown
 * as a bare word (`… or image REGISTRY/REPO:TAG`), and `explain`'s DIGEST argument as `--artifact`.
 * `explain --artifact D`, the way every other command names an artifact, was refused as an unknown
 * option: it is taken, and a malformed one is then named as `--artifact`.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flagOf } from '../../src/cli/flags.js';
import { fakeDigest, makeWorkspace, ROOT, runCli, THREE_STAGES } from '../support/cli.js';

/** Every `field('NAME')` the sources name in messages. */
function fieldsNamed(): Set<string> {
  const found = new Set<string>();
  const src = join(ROOT, 'src');
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const [, name] of text.matchAll(/\bfield\('([A-Za-z]+)'\)/g)) found.add(name!);
  }
  return found;
}

describe('errors name the flag the user typed', () => {
  const dir = makeWorkspace(THREE_STAGES);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has a flag for every request field a message names', () => {
    const fields = fieldsNamed();
    expect(fields.has('artifact') && fields.has('image')).toBe(true);
    expect([...fields].filter((name) => flagOf(name) === undefined)).toEqual([]);
  });

  it('names --image in the register usage error', async () => {
    const result = await runCli(['register'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'register needs exactly one of --file PATH, --digest sha256:… or --image REGISTRY/REPO:TAG',
    );
  });

  it('names the DIGEST argument of explain, not a flag it lacks', async () => {
    const result = await runCli(['explain', 'sha256:abc'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'tollgate: explain DIGEST "sha256:abc" has 3 hex characters: sha256 needs 64',
    );
    expect(result.stderr).not.toContain('--artifact');
  });

  it('takes the artifact of explain as --artifact too, like the other commands', async () => {
    const digest = fakeDigest('flag-names-explain');
    expect(
      (await runCli(['register', '--digest', digest, '--label', 'version=7.1.0'], { cwd: dir })).code,
    ).toBe(0);
    const byFlag = await runCli(['explain', '--artifact', digest, '--json'], { cwd: dir });
    expect(byFlag.code, byFlag.stderr).toBe(0);
    const byArgument = await runCli(['explain', digest, '--json'], { cwd: dir });
    expect(JSON.parse(byFlag.stdout)).toEqual(JSON.parse(byArgument.stdout));
    expect(byFlag.stdout).toContain('7.1.0');

    const malformed = await runCli(['explain', '--artifact', 'sha256:abc'], { cwd: dir });
    expect(malformed.code).toBe(3);
    expect(malformed.stderr).toContain(
      'tollgate: --artifact "sha256:abc" has 3 hex characters: sha256 needs 64',
    );
    const both = await runCli(['explain', digest, '--artifact', digest], { cwd: dir });
    expect(both.code).toBe(3);
    expect(both.stderr).toContain('explain takes the digest once: as DIGEST or as --artifact, not both');
    const neither = await runCli(['explain'], { cwd: dir });
    expect(neither.code).toBe(3);
    expect(neither.stderr).toContain('explain needs the artifact: tollgate explain sha256:…');
  });
});
