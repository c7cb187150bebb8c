/**
 * `rollback check` and `watch` at a time someone set (--now, TOLLGATE_NOW) in a pipeline that is
 * not a demo: a what-if is never a pass, and a watch never ends at once as if it had watched.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rollbackYaml } from '../support/builders.js';
import { makeWorkspace, runCli } from '../support/cli.js';

const contract = rollbackYaml({
  within: '2h',
  condition: 'sum(rate(errors_total{digest="$digest"}[5m]))',
  head: 'artifact: { type: file }\nmetrics: { file: metrics.json }',
});

describe('rollback check and watch at a set clock, outside a demo pipeline', () => {
  it('a healthy check at a set time exits 2, and watch refuses the set time', async () => {
    const dir = makeWorkspace(contract, { 'app.txt': 'build\n' });
    const registered = await runCli(['register', '--file', 'app.txt', '--json'], { cwd: dir });
    expect(registered.code, registered.stderr).toBe(0);
    const digest = (JSON.parse(registered.stdout) as { digest: string }).digest;
    const promoted = await runCli(['promote', 'prod', '--artifact', digest], { cwd: dir });
    expect(promoted.code, promoted.stderr).toBe(0);
    const history = JSON.parse((await runCli(['history', 'prod', '--json'], { cwd: dir })).stdout) as {
      at: string;
    }[];
    const promotedAt = Date.parse(history[0]?.at ?? '');
    // Healthy samples from a minute before the promotion to an hour after.
    const samples = [];
    for (let k = -1; k <= 60; k += 1) {
      samples.push({ at: new Date(promotedAt + k * 60_000).toISOString(), value: 0.001 });
    }
    writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ series: { 'error rate': samples } }));

    // On the real clock the same metrics are healthy: exit 0.
    const real = await runCli(['rollback', 'check', 'prod'], { cwd: dir });
    expect(real.code, real.stdout + real.stderr).toBe(0);

    const later = new Date(promotedAt + 30 * 60_000).toISOString();
    const whatIf = await runCli(['rollback', 'check', 'prod', '--now', later], { cwd: dir });
    expect(whatIf.code).toBe(2);
    expect(whatIf.stdout).toContain(`WHAT IF: healthy at the set time ${later}`);
    const json = await runCli(['rollback', 'check', 'prod', '--json'], {
      cwd: dir,
      env: { TOLLGATE_NOW: later },
    });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ verdict: 'healthy', clockSet: true, exitCode: 2 });

    const watch = await runCli(['watch', 'prod'], { cwd: dir, env: { TOLLGATE_NOW: later } });
    expect(watch.code).not.toBe(0);
    expect(watch.stderr).toContain('watch follows the real clock');
  }, 60_000);
});
