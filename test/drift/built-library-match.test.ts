/**
 * The built library (dist/lib, what `import … from 'tollgate'` and `require('tollgate')` load)
 * reads a contract with a drift `match`, which loads re2js on first use. Bundling re2js into the
 * CLI's core once made the ESM library take esbuild's stand-in for `require`, which throws
 * there: only the pack smoke caught it. This runs both builds as a user's process would.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const CONTRACT = join(ROOT, 'examples', 'checkout', 'tollgate.yaml');

function run(args: string[]) {
  return spawnSync(process.execPath, args, { encoding: 'utf8', cwd: ROOT });
}

describe('the built library with a drift match', () => {
  it('reads the example contract from the ESM build', () => {
    const lib = join(ROOT, 'dist', 'lib', 'index.mjs');
    const result = run([
      '--input-type=module',
      '-e',
      `import { readContract } from ${JSON.stringify(lib)}; const c = readContract(${JSON.stringify(CONTRACT)}); console.log(JSON.stringify(c.stages.prod.requires.drift.declared[0].match));`,
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toMatch(/\$"$/);
  });

  it('reads the example contract from the CommonJS build', () => {
    const lib = join(ROOT, 'dist', 'lib', 'index.cjs');
    const result = run([
      '-e',
      `const c = require(${JSON.stringify(lib)}).readContract(${JSON.stringify(CONTRACT)}); console.log(JSON.stringify(c.stages.prod.requires.drift.declared[0].match));`,
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toMatch(/\$"$/);
  });
});
