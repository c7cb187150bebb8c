import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AppContext, createContext } from '../../src/app/context.js';
import { rollbackStage } from '../../src/app/rollback.js';
import { TollgateError } from '../../src/errors.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { makeWorkspace, runCli } from '../support/cli.js';

const CONTRACT = `version: 1
pipeline: shop
# A demo pipeline: the test plays time forward with --now / TOLLGATE_NOW.
demo: true
artifact: { type: file }
stages:
  prod:
    purpose: live
`;

describe('rollbackStage under a concurrent change', () => {
  it('refuses to undo a different promotion than the one it saw, and records nothing', async () => {
    const dir = makeWorkspace(CONTRACT, { 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' });
    for (const [i, file] of ['a.txt', 'b.txt', 'c.txt'].entries()) {
      const reg = await runCli(['register', '--file', file, '--json', '--now', '2026-11-25T09:00:00Z'], {
        cwd: dir,
      });
      const digest = (JSON.parse(reg.stdout) as { digest: string }).digest;
      const promoted = await runCli(
        ['promote', 'prod', '--artifact', digest, '--now', `2026-11-25T1${i}:00:00Z`],
        { cwd: dir },
      );
      expect(promoted.code).toBe(0);
    }
    const ctx = createContext({ contract: join(dir, 'tollgate.yaml'), env: { TOLLGATE_ACTOR: 'kim' } });
    const real = await ctx.services.store();
    // Another rollback lands between this one's look at the stage and its write.
    const racing = Object.create(real) as LedgerStore;
    racing.write = async (pipeline, work) => {
      await rollbackStage(ctx, 'prod', { reason: 'the other one' });
      return real.write(pipeline, work);
    };
    const raced: AppContext = { ...ctx, services: { ...ctx.services, store: async () => racing } };
    const error = await rollbackStage(raced, 'prod', { reason: 'mine' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).code).toBe('NOT_ALLOWED');
    expect((error as TollgateError).message).toContain('changed while rolling back');
    await ctx.close();

    const history = JSON.parse((await runCli(['history', 'prod', '--json'], { cwd: dir })).stdout) as {
      status: string;
    }[];
    // Newest first: only c was rolled back (by the other one); b is untouched.
    expect(history.map((h) => h.status)).toEqual(['rolled-back', 'promoted', 'promoted']);
  });
});
