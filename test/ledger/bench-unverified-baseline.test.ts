/**
 * The spine bench prices read verification against today's code with the checks patched out
 * (bench/code-at.ts UNVERIFIED_READS). That baseline must still promote: when the store's reads
 * gained a column the patch did not supply, every promotion of the baseline failed as a corrupt
 * ledger and the whole spine bench, start-up rows included, wrote nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tollgatePatched, UNVERIFIED_READS } from '../../bench/code-at.js';

const name = `test-unverified-${process.pid}`;
const bundles = join(process.cwd(), 'node_modules', '.cache', 'tollgate-bench', 'test-checkout');
const dir = mkdtempSync(join(tmpdir(), 'tollgate-unverified-'));

afterAll(() => {
  rmSync(join(bundles, name), { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('the bench baseline without read verification', () => {
  it('registers and promotes digests into dev with the checks patched out', async () => {
    process.env.TOLLGATE_BENCH_CHECKOUT_CACHE = bundles;
    const code = await tollgatePatched(name, UNVERIFIED_READS);
    writeFileSync(
      join(dir, 'tollgate.yaml'),
      'version: 1\npipeline: bench\nartifact: { type: file }\nstages:\n  dev: { purpose: bench }\n',
    );
    const ctx = code.createContext({ env: {}, contract: join(dir, 'tollgate.yaml'), as: 'bench' });
    const digests = ['a', 'b', 'c'].map((c) => `sha256:${c.repeat(64)}`);
    try {
      for (const digest of digests) await code.registerArtifact(code.renewed(ctx), { digest });
      const results = [];
      for (const digest of digests) results.push(await code.promote(code.renewed(ctx), 'dev', digest));
      const recorded = results as Array<{ decision: { verdict: string }; entry?: { seq: number } }>;
      expect(recorded.map((r) => r.decision.verdict)).toEqual(['allowed', 'allowed', 'allowed']);
      expect(recorded.map((r) => r.entry?.seq)).toEqual([5, 6, 7]);
    } finally {
      await ctx.close();
    }
  });
});
