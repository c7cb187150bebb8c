/**
 * Look-alike digests at the terminal: two artifacts registered in one pipeline whose digests share
 * their first 16 hex digits. `status`, `history`, `check` (text, JSON, Markdown) and `approve` show
 * the full digests and name the look-alike, where a person would otherwise compare 12 digits;
 * `approve` refuses until each look-alike is named with `--lookalike-seen`; `promote`, `explain` and
 * `rollback` print both in full too.
 */
import { describe, expect, it } from 'vitest';
import { twoStageYaml } from '../support/builders.js';
import { makeWorkspace, runCli } from '../support/cli.js';
import { GENUINE, IMPOSTOR } from '../support/lookalikes.js';

const CONTRACT = twoStageYaml('      approvals: { count: 1, notBy: [promoter] }', undefined, {
  first: 'dev',
});

describe('look-alike digests in the CLI', () => {
  it('show both digests in full and say which is a look-alike of which, by whom and when', async () => {
    const dir = makeWorkspace(CONTRACT);
    const run = async (args: string[], actor = 'ci', code = 0) => {
      const result = await runCli(args, { cwd: dir, env: { TOLLGATE_ACTOR: actor } });
      expect(result.code, `${args.join(' ')}: ${result.stderr}${result.stdout}`).toBe(code);
      return result.stdout;
    };
    await run(['register', '--digest', GENUINE, '--label', 'version=1.0.0']);
    await run(['register', '--digest', IMPOSTOR, '--label', 'version=1.0.0'], 'mallory');
    await run(['promote', 'dev', '--artifact', GENUINE]);
    // The line a CI log keeps: the full digest and the warning, never the 12 digits both share.
    const promoted = await runCli(['promote', 'dev', '--artifact', IMPOSTOR], {
      cwd: dir,
      env: { TOLLGATE_ACTOR: 'ci' },
    });
    expect(promoted.code).toBe(0);
    expect(promoted.stderr).toContain(
      `promoted ${IMPOSTOR} (WARNING look-alike of ${GENUINE}, registered by ci at `,
    );

    const explained = await run(['explain', IMPOSTOR]);
    expect(explained).toContain(`WARNING look-alike of ${GENUINE}, registered by ci at`);

    const status = await run(['status']);
    expect(status).toContain(`dev   ${IMPOSTOR}  version=1.0.0`);
    expect(status).toMatch(new RegExp(`WARNING look-alike of ${GENUINE}, registered by ci at \\S+`));

    const history = await run(['history', 'dev']);
    expect(history).toContain(`${IMPOSTOR} version=1.0.0  by ci`);
    expect(history).toContain(`${GENUINE} version=1.0.0  by ci`);
    expect(history).toContain(`WARNING look-alike of ${IMPOSTOR}, registered by mallory at`);
    expect(history).toContain(`WARNING look-alike of ${GENUINE}, registered by ci at`);

    const text = await run(['check', 'prod', '--artifact', IMPOSTOR], 'ci', 2);
    expect(text).toContain(`prod ← ${IMPOSTOR} (version 1.0.0): PENDING`);
    expect(text).toMatch(
      /Remaining risk:\n {2}- \[artifact\] sha256:0123456789abcdefb+ shares its short digest/,
    );
    const json = JSON.parse(await run(['check', 'prod', '--artifact', IMPOSTOR, '--json'], 'ci', 2)) as {
      artifact: { lookalikes?: Array<{ digest: string; registeredBy: string }> };
      risks: Array<{ gate: string; text: string }>;
    };
    expect(json.artifact.lookalikes).toMatchObject([{ digest: GENUINE, registeredBy: 'ci' }]);
    expect(json.risks.map((r) => r.gate)).toContain('artifact');
    const markdown = await run(['check', 'prod', '--artifact', IMPOSTOR, '--markdown'], 'ci', 2);
    expect(markdown).toContain(`> [!WARNING]\n> look-alike of ${GENUINE}, registered by ci at`);

    // Approving needs each look-alike named by its full digest: a script that knows one digest stops.
    const unconfirmed = await runCli(['approve', 'prod', '--artifact', GENUINE], {
      cwd: dir,
      env: { TOLLGATE_ACTOR: 'erin' },
    });
    expect(unconfirmed.code).toBe(3);
    expect(unconfirmed.stderr).toContain(
      `${GENUINE} has a look-alike you have not confirmed (look-alike of ${IMPOSTOR}`,
    );
    expect(unconfirmed.stderr).toContain(
      'naming each look-alike in --lookalike-seen DIGEST; nothing was recorded',
    );
    await run(['approve', 'prod', '--artifact', GENUINE, '--lookalike-seen', GENUINE], 'erin', 3);
    const approved = await run(
      ['approve', 'prod', '--artifact', GENUINE, '--lookalike-seen', IMPOSTOR],
      'erin',
    );
    expect(approved.split('\n')[0]).toBe(
      `WARNING: ${GENUINE} has a look-alike (look-alike of ${IMPOSTOR}, registered by mallory at ${approved.match(/mallory at (\S+)\)/)?.[1]}); check that the full digest is the one you mean to approve.`,
    );
    expect(approved).toContain(`erin approved ${GENUINE} for prod`);
    const rejected = JSON.parse(await run(['reject', 'prod', '--artifact', IMPOSTOR, '--json'], 'erin')) as {
      artifact: string;
      lookalikes?: Array<{ digest: string }>;
      message: string;
    };
    expect(rejected.artifact).toBe(IMPOSTOR);
    expect(rejected.lookalikes?.map((l) => l.digest)).toEqual([GENUINE]);
    expect(rejected.message).toMatch(/^WARNING: /);

    // Rolling dev back from the impostor to the genuine build names both in full.
    const rolled = await run(['rollback', 'dev', '--reason', 'wrong build']);
    expect(rolled.split('\n')[0]).toMatch(new RegExp(`^rolled back dev: ${IMPOSTOR} → ${GENUINE} `));
  });
});
