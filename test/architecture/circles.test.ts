/**
 * No import circles in src/ (issue 14: "a type-only import cycle between …"): every module's
 * imports, type-only ones included, form a graph without a cycle, so each layer can be read (and
 * loaded) from the bottom up. dependency-cruiser over the whole source tree.
 */
import { cruise } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

describe('the source tree', () => {
  it('has no import circle, counting type-only imports', async () => {
    const before = process.cwd();
    process.chdir(ROOT);
    try {
      const { output } = await cruise(['src'], {
        doNotFollow: { path: 'node_modules' },
        tsPreCompilationDeps: true,
        tsConfig: { fileName: 'tsconfig.json' },
        ruleSet: {
          forbidden: [{ name: 'no-circular', severity: 'error', from: {}, to: { circular: true } }],
        },
        validate: true,
      });
      if (typeof output === 'string') throw new Error(output);
      const circles = output.summary.violations.map(
        (v) => `${v.from} -> ${v.to}${v.cycle ? ` (${v.cycle.map((c) => c.name).join(' -> ')})` : ''}`,
      );
      expect(circles).toEqual([]);
      expect(output.modules.length).toBeGreaterThan(100);
    } finally {
      process.chdir(before);
    }
  }, 120_000);
});
