/**
 * Errors name the flag (or argument) a user typed: the application layer names request fields
 * (`field('image')`) and the CLI shows each as its flag. A field the CLI has no flag for was shown
 * as a bare word (`… or image REGISTRY/REPO:TAG`), and `explain`'s DIGEST argument as `--artifact`,
 * a flag `explain` does not have.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { flagOf } from '../../src/cli/flags.js';
import { makeWorkspace, ROOT, runCli, THREE_STAGES } from '../support/cli.js';

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
});
