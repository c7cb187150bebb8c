import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AppContext, createContext } from '../../src/app/context.js';
import { watchStage } from '../../src/app/rollback.js';
import type { RollbackCheck } from '../../src/rollback/check.js';
import { makeWorkspace, runCli } from '../support/cli.js';

const CONTRACT = `version: 1
pipeline: shop
# A demo pipeline: the test plays time forward with --now / TOLLGATE_NOW.
demo: true
artifact: { type: file }
metrics: { file: metrics.json }
stages:
  prod:
    purpose: live
    rollback:
      within: 10m
      when:
        - { name: error rate, prometheus: 'sum(errors)', above: 0.02, for: 2m, interval: 1m }
`;
const T = (hhmm: string) => Date.parse(`2026-11-25T${hhmm}:00Z`);

async function workspace(samples: { at: string; value: number }[]): Promise<string> {
  const dir = makeWorkspace(CONTRACT, {
    'a.txt': 'a\n',
    'metrics.json': JSON.stringify({ series: { 'error rate': samples } }),
  });
  const reg = await runCli(['register', '--file', 'a.txt', '--json', '--now', '2026-11-25T09:00:00Z'], {
    cwd: dir,
  });
  const digest = (JSON.parse(reg.stdout) as { digest: string }).digest;
  expect(
    (await runCli(['promote', 'prod', '--artifact', digest, '--now', '2026-11-25T10:00:00Z'], { cwd: dir }))
      .code,
  ).toBe(0);
  return dir;
}

/** A context whose clock moves only when the watch sleeps. */
function movingClock(dir: string, start: number): { ctx: AppContext; sleep: (ms: number) => Promise<void> } {
  const base = createContext({ contract: join(dir, 'tollgate.yaml'), env: { TOLLGATE_ACTOR: 'watcher' } });
  let clock = start;
  const ctx: AppContext = {
    ...base,
    services: { ...base.services, clock: { now: () => new Date(clock), fixed: false } },
    caller: { principal: base.caller.principal, at: new Date(clock) },
  };
  return {
    ctx,
    sleep: async (ms) => {
      clock += ms;
    },
  };
}

describe('watchStage', () => {
  it('evaluates every interval and stops at the first trip', async () => {
    const dir = await workspace([
      { at: '2026-11-25T10:00:00Z', value: 0.001 },
      { at: '2026-11-25T10:05:00Z', value: 0.3 },
    ]);
    const { ctx, sleep } = movingClock(dir, T('10:01'));
    const seen: RollbackCheck[] = [];
    const result = await watchStage(ctx, 'prod', { onCheck: (c) => seen.push(c), sleep });
    await ctx.close();
    expect(result.ended).toBe('tripped');
    expect(seen.map((c) => c.verdict)).toEqual([
      'healthy',
      'healthy',
      'healthy',
      'healthy',
      'healthy',
      'healthy',
      'tripped',
    ]);
    expect(result.last.evaluatedAt).toBe('2026-11-25T10:07:00.000Z');
  });

  it('stops when `within` has passed since the promotion', async () => {
    // Samples every 4 minutes keep every measurement within the JSON source's 5m lookback.
    const dir = await workspace(
      ['10:00', '10:04', '10:08'].map((t) => ({ at: `2026-11-25T${t}:00Z`, value: 0.001 })),
    );
    const { ctx, sleep } = movingClock(dir, T('10:01'));
    const result = await watchStage(ctx, 'prod', { onCheck: () => undefined, sleep });
    await ctx.close();
    expect(result.ended).toBe('window-ended');
    expect(result.evaluations).toBe(10);
    expect(result.last.evaluatedAt).toBe('2026-11-25T10:10:00.000Z');
    expect(result.last.verdict).toBe('healthy');
    expect([result.unseen, result.exitCode]).toEqual([0, 0]);
  });

  it('does not end healthy when evaluations during the window could not see the metrics', async () => {
    const samples = ['10:00', '10:04', '10:08'].map((t) => ({ at: `2026-11-25T${t}:00Z`, value: 0.001 }));
    const dir = await workspace(samples);
    const file = join(dir, 'metrics.json');
    const { ctx, sleep } = movingClock(dir, T('10:01'));
    let sleeps = 0;
    // The metrics file is unreadable for the evaluations at 10:03 and 10:04, then whole again.
    const breaking = async (ms: number) => {
      sleeps += 1;
      if (sleeps === 2) writeFileSync(file, '{ "series": ');
      if (sleeps === 4) writeFileSync(file, JSON.stringify({ series: { 'error rate': samples } }));
      await sleep(ms);
    };
    const seen: RollbackCheck[] = [];
    const result = await watchStage(ctx, 'prod', { onCheck: (c) => seen.push(c), sleep: breaking });
    await ctx.close();
    expect(seen.map((c) => c.exitCode)).toEqual([0, 0, 3, 3, 0, 0, 0, 0, 0, 0]);
    expect([result.ended, result.last.verdict, result.last.exitCode]).toEqual(['window-ended', 'healthy', 0]);
    expect([result.unseen, result.exitCode]).toEqual([2, 3]);
  });

  it('with --rollback records the rollback when a condition trips (CLI, fixed clock: one evaluation)', async () => {
    const dir = await workspace([
      { at: '2026-11-25T10:00:00Z', value: 0.001 },
      { at: '2026-11-25T10:05:00Z', value: 0.3 },
    ]);
    writeFileSync(join(dir, 'b.txt'), 'b\n');
    const reg = await runCli(['register', '--file', 'b.txt', '--json', '--now', '2026-11-25T10:02:00Z'], {
      cwd: dir,
    });
    const b = (JSON.parse(reg.stdout) as { digest: string }).digest;
    expect(
      (await runCli(['promote', 'prod', '--artifact', b, '--now', '2026-11-25T10:03:00Z'], { cwd: dir }))
        .code,
    ).toBe(0);
    const healthy = await runCli(['watch', 'prod', '--rollback', '--now', '2026-11-25T10:04:00Z'], {
      cwd: dir,
    });
    expect(healthy.code).toBe(0);
    expect(healthy.stderr).toContain('evaluated once');
    const tripped = await runCli(['watch', 'prod', '--rollback', '--now', '2026-11-25T10:07:00Z'], {
      cwd: dir,
    });
    expect(tripped.code).toBe(1);
    expect(tripped.stdout).toMatch(/rolled back prod: sha256:\w+ → sha256:\w+; ledger entry #\d+/);
    const history = JSON.parse((await runCli(['history', 'prod', '--json'], { cwd: dir })).stdout) as {
      artifact: string;
      status: string;
    }[];
    expect(history.find((h) => h.artifact === b)?.status).toBe('rolled-back');
  });

  it('stops without a pass when the watched promotion stops being the current one during the watch', async () => {
    // Healthy throughout: what the watch of b says must come from b, not from what replaced it.
    const samples = ['10:00', '10:04', '10:08', '10:12', '10:16', '10:20', '10:24', '10:28'].map((t) => ({
      at: `2026-11-25T${t}:00Z`,
      value: 0.001,
    }));
    const dir = await workspace(samples);
    writeFileSync(join(dir, 'b.txt'), 'b\n');
    const reg = await runCli(['register', '--file', 'b.txt', '--json', '--now', '2026-11-25T10:19:00Z'], {
      cwd: dir,
    });
    const b = (JSON.parse(reg.stdout) as { digest: string }).digest;
    expect(
      (await runCli(['promote', 'prod', '--artifact', b, '--now', '2026-11-25T10:20:00Z'], { cwd: dir }))
        .code,
    ).toBe(0);
    const { ctx, sleep } = movingClock(dir, T('10:21'));
    let sleeps = 0;
    // Someone rolls b back by hand while the watch sleeps: the stage runs a again, whose own
    // watch window ended at 10:10.
    const rollingBack = async (ms: number) => {
      sleeps += 1;
      if (sleeps === 1) {
        const done = await runCli(
          ['rollback', 'prod', '--reason', 'pager', '--now', '2026-11-25T10:21:30Z'],
          {
            cwd: dir,
          },
        );
        expect(done.code).toBe(0);
      }
      await sleep(ms);
    };
    const seen: RollbackCheck[] = [];
    const result = await watchStage(ctx, 'prod', { onCheck: (c) => seen.push(c), sleep: rollingBack });
    await ctx.close();
    expect(seen.map((c) => c.digest)).toEqual([b]);
    expect(result.ended).toBe('superseded');
    expect(result.last.digest).toBe(b);
    expect(result.exitCode).toBe(2);
    expect(result.evaluations).toBe(1);
  });
});
