/**
 * The library build (scripts/bundle/library-options.mjs) leaves packages to node_modules. A JSON
 * file imported from a package would stay an import, written by esbuild without its
 * `with { type: 'json' }`, and Node refuses to load such an ESM module: the build inlines JSON
 * instead. Built here with the library's own options, then run by Node.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a build script, JavaScript without declarations
import { libraryOptions } from '../../scripts/bundle/library-options.mjs';
import { ROOT } from '../support/cli.js';

const run = promisify(execFile);
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the library bundle', () => {
  it('loads a JSON file imported from a package, as ESM and as CommonJS', async () => {
    // Inside the repository, so the bundle finds node_modules the way dist/lib does.
    dir = mkdtempSync(join(ROOT, '.library-bundle-'));
    writeFileSync(
      join(dir, 'entry.ts'),
      "import zod from 'zod/package.json' with { type: 'json' };\nconsole.log(zod.name);\n",
    );
    for (const [format, file] of [
      ['esm', 'out.mjs'],
      ['cjs', 'out.cjs'],
    ] as const) {
      await build({
        ...libraryOptions,
        entryPoints: [join(dir, 'entry.ts')],
        format,
        outfile: join(dir, file),
      });
      const { stdout } = await run(process.execPath, [join(dir, file)]);
      expect(stdout.trim()).toBe('zod');
    }
  });
});
