import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/ledger/sqlite-driver.js';
import { fakeDigest, junit, makeWorkspace, runCli, THREE_STAGES } from '../support/cli.js';
import { createSchema, POSTGRES_AVAILABLE } from '../support/stores.js';

const D = fakeDigest('cli');

async function registered(extra: Record<string, string> = {}, env: Record<string, string> = {}) {
  const dir = makeWorkspace(THREE_STAGES, {
    // Suites of their own: the same test case in two reports of one attestation counts once.
    'unit.xml': junit(['pass', 'pass', 'pass'], 'unit'),
    'integration.xml': junit(['pass', 'pass', 'skip'], 'integration'),
    'e2e.xml': junit(['pass', 'pass']),
    'e2e-bad.xml': junit(['pass', 'fail']),
    ...extra,
  });
  const reg = await runCli(
    ['register', '--digest', D, '--label', 'version=1.0.0', '--label', 'author=dana'],
    { cwd: dir, env },
  );
  expect(reg.code, reg.stderr).toBe(0);
  return dir;
}

describe('tollgate init / validate', () => {
  it('writes a starter contract that validates, and refuses to overwrite it', async () => {
    const dir = makeWorkspace('');
    const init = await runCli(['init', '--force', '--pipeline', 'payments'], { cwd: dir });
    expect(init.code).toBe(0);
    expect(readFileSync(join(dir, 'tollgate.yaml'), 'utf8')).toContain('pipeline: payments');
    expect((await runCli(['init'], { cwd: dir })).code).toBe(3);
    const validate = await runCli(['validate'], { cwd: dir });
    expect(validate.stdout).toContain(
      'valid contract for pipeline payments: 3 stage(s) dev → staging → prod',
    );
  });

  it('exits 3 with file, line and suggestion on a bad contract', async () => {
    const dir = makeWorkspace(THREE_STAGES.replace('purpose: live', 'purpose: live\n    form: staging'));
    const result = await runCli(['validate'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'tollgate.yaml:18:5: unknown key "form" in stages.prod; did you mean "from"?',
    );
  });

  it('exits 3 when there is no contract, saying how to make one', async () => {
    const result = await runCli(['status'], {
      cwd: makeWorkspace(''),
      env: { TOLLGATE_CONTRACT: 'missing.yaml' },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('missing.yaml: cannot read the contract: no such file or directory');
    expect(result.stderr).toContain('tollgate init');
  });
});

describe('tollgate register', () => {
  it('is idempotent for the same digest and labels, and refuses changed labels', async () => {
    const dir = await registered();
    const again = await runCli(
      ['register', '--digest', D, '--label', 'version=1.0.0', '--label', 'author=dana'],
      { cwd: dir },
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already registered');
    const changed = await runCli(['register', '--digest', D, '--label', 'version=1.0.1'], { cwd: dir });
    expect(changed.code).toBe(3);
    expect(changed.stderr).toContain('refusing to change them to version=1.0.1');
  });

  it('refuses invalid and unsupported digests', async () => {
    const dir = makeWorkspace(THREE_STAGES);
    const short = await runCli(['register', '--digest', 'sha256:abc'], { cwd: dir });
    expect(short.code).toBe(3);
    expect(short.stderr).toContain('has 3 hex characters: sha256 needs 64');
    const md5 = await runCli(['register', '--digest', `md5:${'a'.repeat(32)}`], { cwd: dir });
    expect(md5.stderr).toContain('unsupported algorithm "md5"');
    const tag = await runCli(['register', '--digest', 'latest'], { cwd: dir });
    expect(tag.stderr).toContain('is not a digest');
  });

  it('digests a file the way sha256sum does', async () => {
    const dir = makeWorkspace(THREE_STAGES, { 'app.bin': 'hello tollgate\n' });
    const result = await runCli(['register', '--file', 'app.bin', '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    // printf 'hello tollgate\n' | sha256sum
    expect(JSON.parse(result.stdout)).toMatchObject({
      digest: 'sha256:ed4c9260344df52d3b201aa35bba6c237ca16dcf82713288c9d9f94b1ef6f0db',
      source: 'file:app.bin',
      created: true,
    });
  });
});

describe('tollgate attest tests', () => {
  it('prints the totals it recorded, and --json sums several files', async () => {
    const dir = await registered();
    const text = await runCli(['attest', 'tests', '--artifact', D, '--suite', 'unit', 'unit.xml'], {
      cwd: dir,
    });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('recorded suite unit: 3 tests, 3 passed, 0 failed, 0 errored, 0 skipped');
    const json = await runCli(
      [
        'attest',
        'tests',
        '--artifact',
        D,
        '--suite',
        'all',
        '--json',
        'unit.xml',
        'integration.xml',
        'e2e-bad.xml',
      ],
      { cwd: dir },
    );
    expect(JSON.parse(json.stdout)).toMatchObject({
      tests: 8,
      passed: 6,
      failed: 1,
      errored: 0,
      skipped: 1,
      failures: ['suite.Case.t1'],
    });
  });

  it('refuses an unregistered digest and an unknown stage', async () => {
    const dir = await registered();
    const other = await runCli(
      ['attest', 'tests', '--artifact', fakeDigest('nope'), '--suite', 'unit', 'unit.xml'],
      { cwd: dir },
    );
    expect(other.code).toBe(3);
    expect(other.stderr).toContain('is not registered');
    const stage = await runCli(
      ['attest', 'tests', '--artifact', D, '--suite', 'unit', '--in', 'qa', 'unit.xml'],
      { cwd: dir },
    );
    expect(stage.stderr).toContain('no stage "qa"');
  });

  it('check and promote refuse an unregistered digest and record nothing', async () => {
    const dir = await registered();
    const before = await runCli(['history', 'dev', '--json'], { cwd: dir });
    for (const command of ['check', 'promote']) {
      const result = await runCli([command, 'dev', '--artifact', fakeDigest('never')], { cwd: dir });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(`artifact ${fakeDigest('never')} is not registered in pipeline`);
      expect(result.stderr).toContain('tollgate register --digest');
    }
    expect((await runCli(['history', 'dev', '--json'], { cwd: dir })).stdout).toBe(before.stdout);
    expect((await runCli(['ledger', 'verify'], { cwd: dir })).code).toBe(0);
  });

  it('decides on, and shows, the artifact as its hash-chained register entry recorded it', async () => {
    const dir = await registered();
    // An entry after the register entry, so removing it breaks the chain.
    const attest = await runCli(['attest', 'tests', '--artifact', D, '--suite', 'unit', 'unit.xml'], {
      cwd: dir,
    });
    expect(attest.code).toBe(0);
    expect((await runCli(['promote', 'dev', '--artifact', D], { cwd: dir })).code).toBe(0);
    const json = async (args: string[]) =>
      JSON.parse((await runCli([...args, '--json'], { cwd: dir })).stdout);
    // Every place an artifact's labels reach the user: the decision, status, history, explain.
    const labelsShown = async () => {
      const [check, status, history, passport] = await Promise.all([
        json(['check', 'dev', '--artifact', D]),
        json(['status']),
        json(['history', 'dev']),
        json(['explain', D]),
      ]);
      return {
        check: check.artifact.labels,
        status: status.find((row: { stage: string }) => row.stage === 'dev').current.artifact.labels,
        history: history[0].labels,
        explain: passport.artifact.labels,
      };
    };
    const everywhere = (labels: Record<string, string>) => ({
      check: labels,
      status: labels,
      history: labels,
      explain: labels,
    });
    const db = openSqlite(join(dir, '.tollgate', 'ledger.db'));
    try {
      // A label edited in the artifacts table, behind the ledger's back, changes nothing.
      db.prepare('update artifacts set labels = \'{"version":"9.9.9","author":"mallory"}\'').run();
      expect(await labelsShown()).toEqual(everywhere({ author: 'dana', version: '1.0.0' }));
      // Labels come sorted by key everywhere, as the register entry stores them.
      expect(Object.keys((await labelsShown()).status)).toEqual(['author', 'version']);
      // A ledger whose register entry was deleted is not read at all (issue 12): the entry after
      // the gap names it, and nothing is decided on the artifacts row instead.
      db.prepare("delete from ledger_entries where kind = 'register'").run();
      const gap = await runCli(['check', 'dev', '--artifact', D], { cwd: dir });
      expect(gap.code).toBe(4);
      expect(gap.stderr).toContain(
        'ledger entry #2 of pipeline shop fails verification: entry #1 before it is missing',
      );
    } finally {
      db.close();
    }
    expect((await runCli(['ledger', 'verify'], { cwd: dir })).code).not.toBe(0);
  });

  it('names a damaged ledger entry or evidence row instead of crashing', async () => {
    const dir = await registered();
    expect(
      (await runCli(['attest', 'tests', '--artifact', D, '--suite', 'unit', 'unit.xml'], { cwd: dir })).code,
    ).toBe(0);
    expect((await runCli(['promote', 'dev', '--artifact', D], { cwd: dir })).code).toBe(0);
    const db = openSqlite(join(dir, '.tollgate', 'ledger.db'));
    try {
      const { data } = db.prepare('select data from evidence').get() as { data: string };
      db.prepare("update evidence set data = '{truncated'").run();
      const evidence = await runCli(['check', 'dev', '--artifact', D], { cwd: dir });
      expect(evidence.code).toBe(4);
      expect(evidence.stderr).toMatch(
        /^tollgate: evidence sha256:[0-9a-f]{64} is damaged: .*tollgate ledger verify/,
      );
      expect(evidence.stderr).not.toContain('internal error');
      db.prepare('update evidence set data = ?').run([data]);
      // Text that is not JSON is refused by the database (the columns are computed from it); JSON
      // that is not what was hashed is what an edit can leave.
      expect(() => db.prepare("update ledger_entries set body = '{not json' where seq = 1").run()).toThrow(
        /malformed JSON/,
      );
      db.prepare(
        `update ledger_entries set body = replace(body, '"payload":{', '"payload":{"x":1,') where seq = 1`,
      ).run();
      for (const args of [
        ['check', 'dev', '--artifact', D],
        ['status'],
        ['history', 'dev'],
        ['explain', D],
      ]) {
        const result = await runCli(args, { cwd: dir });
        expect(result.code, args.join(' ')).toBe(4);
        expect(result.stderr, args.join(' ')).not.toContain('internal error');
      }
      const check = await runCli(['check', 'dev', '--artifact', D], { cwd: dir });
      expect(check.stderr).toContain(
        'ledger entry #1 of pipeline shop fails verification: its body hashes to',
      );
    } finally {
      db.close();
    }
  });

  it('refuses a directory of reports, saying how to pass the reports in it', async () => {
    const dir = await registered({ 'reports/unit.xml': junit(['pass', 'pass']) });
    const result = await runCli(['attest', 'tests', '--artifact', D, '--suite', 'unit', 'reports'], {
      cwd: dir,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      `reports is a directory; expected a file: pass the reports in it (for example ${join('reports', '*.xml')}, which the shell expands)`,
    );
    const fifo = await runCli(['attest', 'tests', '--artifact', D, '--suite', 'unit', '/dev/null'], {
      cwd: dir,
    });
    expect(fifo.code).toBe(3);
    expect(fifo.stderr).toContain('/dev/null: expected a regular file, found a FIFO, socket or device');
  });

  it('refuses a DOCTYPE and stores nothing', async () => {
    const dir = await registered({
      'evil.xml':
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<testsuites><testsuite><testcase name="&a;"/></testsuite></testsuites>',
    });
    const result = await runCli(['attest', 'tests', '--artifact', D, '--suite', 'unit', 'evil.xml'], {
      cwd: dir,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/evil\.xml:2:\d+: .*DOCTYPE/);
    const check = await runCli(['check', 'dev', '--artifact', D], { cwd: dir });
    expect(check.stdout).toContain('suite unit has no results for this digest');
  });
});

describe('tollgate check / promote / status / history / ledger verify', () => {
  it('walks dev → staging → prod with exit codes and the three lists', async () => {
    const dir = await registered();
    const run = (args: string[]) => runCli(args, { cwd: dir });
    expect((await run(['check', 'dev', '--artifact', D])).code).toBe(1);
    await run(['attest', 'tests', '--artifact', D, '--suite', 'unit', 'unit.xml']);
    const promoted = await run(['promote', 'dev', '--artifact', D]);
    expect(promoted.code).toBe(0);
    // Entry #3 is the contract this first promotion pins; the promotion is #4.
    expect(promoted.stderr).toMatch(/promoted sha256:[0-9a-f]{12} into dev: ledger entry #4/);

    const blocked = await run(['promote', 'staging', '--artifact', D, '--json']);
    expect(blocked.code).toBe(1);
    const decision = JSON.parse(blocked.stdout);
    expect(Object.keys(decision)).toEqual(
      expect.arrayContaining(['verdict', 'stage', 'artifact', 'gates', 'validated', 'risks', 'required']),
    );
    expect(decision.verdict).toBe('blocked');
    expect(decision.required).toEqual([
      { gate: 'tests', text: 'suite integration has no results for this digest' },
    ]);
    expect(blocked.stderr).toContain('not promoted');

    await run(['attest', 'tests', '--artifact', D, '--suite', 'integration', 'integration.xml']);
    const staging = await run(['promote', 'staging', '--artifact', D, '--markdown']);
    expect(staging.code).toBe(0);
    expect(staging.stdout).toContain('### ✅ staging: allowed');
    expect(staging.stdout).toContain('suite integration: 1 skipped test(s) not run (maxSkipped 1)');

    await run(['attest', 'tests', '--artifact', D, '--suite', 'e2e', '--in', 'staging', 'e2e-bad.xml']);
    const prod = await run(['check', 'prod', '--artifact', D]);
    expect(prod.code).toBe(1);
    expect(prod.stdout).toContain('suite e2e: 1 failed and 0 errored of 2, at most 0 allowed: suite.Case.t1');

    const status = await run(['status']);
    // Labels as the register entry stores them: sorted by key, whatever order they were given in.
    expect(status.stdout).toMatch(/dev\s+sha256:[0-9a-f]{12}\s+author=dana version=1.0.0/);
    expect(status.stdout).toMatch(/prod\s+\(nothing promoted yet\)/);
    const history = await run(['history', 'staging', '--json']);
    expect(JSON.parse(history.stdout)).toMatchObject([
      { stage: 'staging', artifact: D, actor: 'tester', status: 'promoted' },
    ]);

    const verify = await run(['ledger', 'verify']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/intact: \d+ entries/);

    const db = openSqlite(join(dir, '.tollgate', 'ledger.db'));
    db.prepare(
      'update ledger_entries set body = replace(body, \'"tester"\', \'"mallory"\') where seq = 3',
    ).run();
    db.close();
    const broken = await run(['ledger', 'verify']);
    expect(broken.code).toBe(4);
    expect(broken.stdout).toContain('BROKEN at entry #3');
  });

  it('pending and usage errors have their own exit codes', async () => {
    const dir = await registered();
    const unknownStage = await runCli(['check', 'qa', '--artifact', D], { cwd: dir });
    expect(unknownStage.code).toBe(3);
    expect(unknownStage.stderr).toContain('no stage "qa"; stages are dev, staging, prod');
    const missingFlag = await runCli(['check', 'dev'], { cwd: dir });
    expect(missingFlag.code).toBe(3);
    expect(missingFlag.stderr).toContain(
      'give exactly one of --artifact sha256:… or --image REGISTRY/REPO:TAG',
    );
    const badClock = await runCli(['check', 'dev', '--artifact', D, '--now', 'tomorrow'], { cwd: dir });
    expect(badClock.code).toBe(3);
    expect(badClock.stderr).toContain('not an ISO 8601 time');
  });

  it.skipIf(!POSTGRES_AVAILABLE)('runs on PostgreSQL when TOLLGATE_DATABASE_URL is set', async () => {
    const schema = await createSchema();
    try {
      const env = { TOLLGATE_DATABASE_URL: schema.url };
      const dir = await registered({}, env);
      await runCli(['attest', 'tests', '--artifact', D, '--suite', 'unit', 'unit.xml'], { cwd: dir, env });
      expect((await runCli(['promote', 'dev', '--artifact', D], { cwd: dir, env })).code).toBe(0);
      const verify = await runCli(['ledger', 'verify'], { cwd: dir, env });
      // register, attest, the contract the first promotion pins, the promotion
      expect(verify.stdout).toContain('intact: 4 entries');
      expect(verify.stdout).toContain('postgres://');
      writeFileSync(join(dir, 'note'), 'no sqlite file was made');
      expect(() => readFileSync(join(dir, '.tollgate', 'ledger.db'))).toThrow();
      const bad = await runCli(['status'], {
        cwd: dir,
        env: { TOLLGATE_DATABASE_URL: 'postgres://127.0.0.1:1/none' },
      });
      expect(bad.code).toBe(4);
      expect(bad.stderr).toContain('cannot connect to the PostgreSQL ledger');
    } finally {
      await schema.drop();
    }
  });
});

describe('tollgate demo', () => {
  it('walks the example pipeline and shows a blocked step with what is required', async () => {
    const result = await runCli(['demo'], { cwd: makeWorkspace('') });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('BLOCKED');
    expect(result.stdout).toContain('suite e2e has no results produced in staging for this digest');
    expect(result.stdout).toContain('ledger of checkout intact');
    // The pinned contract: a looser file is refused, and its own admins do not count.
    expect(result.stdout).toMatch(
      /promote prod refused: the contract fixes\/loose\.yaml is sha256:\w+, but pipeline checkout is pinned to/,
    );
    expect(result.stdout).toContain('mallory may not change the contract of checkout');
  }, 600_000); // 39 CLI processes: on a machine shared with other jobs each can take several seconds
});
