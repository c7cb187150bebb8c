/**
 * The pure core's boundary (scripts/check-purity.mjs with .dependency-cruiser.cjs): the real source
 * passes, and a core that reaches the world is caught however indirectly it does.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without type declarations.
import { checkPurity, worldReads } from '../../scripts/check-purity.mjs';
import { ROOT } from '../support/cli.js';

type Check = (options?: {
  entries?: string[];
  cwd?: string;
}) => Promise<{ modules: string[]; violations: string[] }>;
const check = checkPurity as Check;
const reads = worldReads as (text: string, file: string) => string[];

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A tiny project with the repository's rules: decide → gates/a → b, and whatever `b` holds. */
function project(b: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-purity-'));
  dirs.push(dir);
  copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
  );
  mkdirSync(join(dir, 'src', 'gates'), { recursive: true });
  mkdirSync(join(dir, 'src', 'app'), { recursive: true });
  writeFileSync(
    join(dir, 'src', 'decide.ts'),
    "import { a } from './gates/a.js';\nexport const decide = a;\n",
  );
  writeFileSync(
    join(dir, 'src', 'gates', 'a.ts'),
    "import { b } from '../util/b.js';\nexport const a = b;\n",
  );
  mkdirSync(join(dir, 'src', 'util'), { recursive: true });
  writeFileSync(join(dir, 'src', 'util', 'b.ts'), b);
  writeFileSync(join(dir, 'src', 'app', 'edge.ts'), 'export const edge = 1;\n');
  return dir;
}

describe('the pure core', () => {
  it('reaches nothing outside from src/decide.ts and src/gates/', async () => {
    const result = await check({ cwd: ROOT });
    expect(result.violations).toEqual([]);
    expect(result.modules).toContain('src/decide.ts');
    expect(result.modules).toContain('src/gates/windows-gate.ts');
  }, 60_000);

  it('catches a built-in, an edge module and the clock two imports away', async () => {
    const dir = project(
      [
        "import { readFileSync } from 'node:fs';",
        "import { edge } from '../app/edge.js';",
        'export const b = () => [readFileSync, edge, Date.now(), new Date(), process.env.HOME];',
      ].join('\n'),
    );
    const { violations } = await check({ cwd: dir });
    const text = violations.join('\n');
    expect(text).toContain('src/util/b.ts → fs: pure-core-no-node');
    expect(text).toContain('src/util/b.ts → src/app/edge.ts: pure-core-no-edges');
    expect(text).toContain('src/util/b.ts:3:');
    expect(text).toContain('reads the clock (`Date.now`)');
    expect(text).toContain('reads the clock (`new Date()`)');
    expect(text).toContain('reads `process`');
  }, 60_000);

  it('passes the same chain when it only computes', async () => {
    const dir = project('export const b = (now: Date) => new Date(now.getTime() + 1);\n');
    expect((await check({ cwd: dir })).violations).toEqual([]);
  }, 60_000);
});

describe('worldReads', () => {
  it('ignores comments, strings, property names and a Date made from a value', () => {
    const text = [
      '// Date.now() and process.env in a comment',
      "const s = 'process.env';",
      'const o = { process: 1 };',
      'function f() { return o.process; }',
      'const t = new Date(0);',
    ].join('\n');
    expect(reads(text, 'x.ts')).toEqual([]);
    expect(reads('const e = process.env;', 'y.ts')).toEqual(['y.ts:1:11: reads `process`']);
  });
});
