/**
 * The CLI pointed at a server (`--server`, TOLLGATE_SERVER, TOLLGATE_TOKEN) prints what it prints
 * locally and exits the same way: every verb with a route is run twice in the same order, once on
 * a local SQLite ledger and once against a real `tollgate serve` on its own ledger, and the
 * standard output and exit codes are compared byte for byte. The clock is set (a demo pipeline,
 * `serve --demo`) so times match too. Then what a careless or hostile caller might try.
 */
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REMOTE_VERBS } from '../../src/cli/remote.js';
import {
  type CliResult,
  copyFixture,
  fakeDigest,
  junit,
  makeWorkspace,
  ROOT,
  runCli,
  type Served,
  startServe,
} from '../support/cli.js';

const CONTRACT = `version: 1
pipeline: shop
demo: true
artifact: { type: file }
metrics: { file: metrics.json }
# Both sides sign VSAs with the same Ed25519 key (deterministic signatures): vsa output compares byte for byte.
trust:
  verifier: { key: keys/verifier.key }
overrides:
  - { by: [tester], gates: [tests], stages: [dev] }
stages:
  dev:
    purpose: fast feedback
    config: [config/dev.yaml]
    rollback:
      within: 10m
      when:
        - { name: error rate, prometheus: 'sum(errors)', above: 0.02 }
    requires:
      tests: [{ suite: unit }]
  prod:
    purpose: live
    from: dev
    config: [config/prod.yaml]
    requires:
      approvals: { count: 1 }
  qa:
    purpose: drift held to a budget nobody meets
    from: dev
    config: [config/prod.yaml]
    requires:
      drift:
        budget: { endpoints: 0, data: declared }
        declared:
          - { path: /replicas, class: data, reason: prod runs at full scale, greaterThanUpstream: true }
`;

const NOT_DEMO = `version: 1
pipeline: billing
artifact: { type: file }
stages:
  dev: { purpose: fast feedback }
`;

const D = fakeDigest('remote-parity');
const D2 = fakeDigest('second build');
const D3 = fakeDigest('third build');
/** The subject of the SLSA provenance sample (test/evidence/samples). */
const P = `sha256:${'2f1ab0f1c0e4a6c1d8d4e2e0b1f6f2d4a9e1c3b5d7f9a1c3e5b7d9f1a3c5e7b9'}`;
const NOW = '2026-03-02T10:00:00Z';

/** An unsigned in-toto test-result statement about `digest`. */
function statement(digest: string, passed: string[]): string {
  return JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'shop', digest: { sha256: digest.slice(7) } }],
    predicateType: 'https://in-toto.io/attestation/test-result/v0.1',
    predicate: { result: 'PASSED', configuration: [{ name: 'ci' }], passedTests: passed, failedTests: [] },
  });
}

let dir: string;
let url: string;
let token: string;
let server: Served | undefined;

beforeAll(async () => {
  dir = makeWorkspace(CONTRACT, {
    'unit.xml': junit(['pass', 'pass', 'fail']),
    'unit-ok.xml': junit(['pass', 'pass'], 'ok'),
    // D3's own run: the very bytes of D's report attested for D3 would block it (sharedReports).
    'unit-d3.xml': junit(['pass', 'pass'], 'rebuild'),
    'contracts/shop.yaml': CONTRACT,
    'contracts/billing.yaml': NOT_DEMO,
    'contracts/config/dev.yaml': 'replicas: 1\ndatabase: { host: db.dev.internal }\n',
    'contracts/config/prod.yaml': 'replicas: 3\ndatabase: { host: db.prod.internal }\n',
    'contracts/metrics.json': JSON.stringify({
      series: { 'error rate': [{ at: '2026-03-02T09:59:30Z', value: 0.5 }] },
    }),
    'broken.xml': '<testsuite>\n  <testcase name="a"',
    'reports/one.xml': junit(['pass', 'pass'], 'one'),
    'reports/two.xml': junit(['pass', 'pass'], 'two'),
    'statements/a.intoto.json': statement(D, ['a']),
    'statements/b.intoto.json': statement(D, ['b', 'c']),
    'other.intoto.json': statement(fakeDigest('another artifact'), ['d']),
    'details.txt': 'smoke tests passed: https://ci.example.com/run/42\n',
  });
  copyFixture(dir, 'sbom/cyclonedx/dropwizard-1.3.15__bom.json', 'bom.json');
  const { privateKey } = generateKeyPairSync('ed25519');
  // Beside both contract files: `contract push tollgate.yaml` reads the key beside it, and the pin
  // holds the verifier key's digest, so a missing key would be a change of contract.
  for (const folder of [join(dir, 'contracts', 'keys'), join(dir, 'keys')]) {
    mkdirSync(folder);
    writeFileSync(join(folder, 'verifier.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  }
  copyFixture(dir, 'cdevents/conformance/testsuiterun_finished.json', 'event.json');
  copyFixture(dir, 'cdevents/conformance/artifact_signed.json', 'signed.json');
  for (const name of ['grype.json', 'slsa-v1.intoto.json'])
    copyFileSync(join(ROOT, 'test', 'evidence', 'samples', name), join(dir, name));
  const serverEnv = { TOLLGATE_DATA_DIR: join(dir, 'server-ledger') };
  const made = await runCli(
    ['token', 'create', '--role', 'admin', '--pipeline', 'shop', '--pipeline', 'billing', '--name', 'tester'],
    { cwd: dir, env: serverEnv },
  );
  expect(made.code, made.stderr).toBe(0);
  token = made.stdout.trim();
  server = await startServe(['--contracts', 'contracts', '--demo', 'shop'], { cwd: dir, env: serverEnv });
  url = server.url;
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const local = (args: string[], env: Record<string, string> = {}) =>
  // The contract file the server reads: decisions name it.
  runCli(['--now', NOW, '--contract', 'contracts/shop.yaml', ...args], {
    cwd: dir,
    env: { TOLLGATE_DATA_DIR: join(dir, 'local-ledger'), ...env },
  });
const remote = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(['--now', NOW, ...args], {
    cwd: dir,
    env: { TOLLGATE_SERVER: url, TOLLGATE_TOKEN: token, ...env },
  });

/** Runs `args` both ways; `where` lets a line naming the ledger's own location differ (it is each side's file). */
async function same(args: string[], where = false): Promise<CliResult> {
  const here = await local(args);
  if (where) here.stdout = here.stdout.replaceAll('local-ledger', 'server-ledger');
  const there = await remote(args);
  expect({ code: there.code, stdout: there.stdout }, `remote ${args.join(' ')}\n${there.stderr}`).toEqual({
    code: here.code,
    stdout: here.stdout,
  });
  return there;
}

/**
 * One step of the parity run: the arguments (after `--now`), and what both sides must show — the
 * exit code, and a pattern stdout must match (so a step that prints nothing on both sides fails).
 * `where`: the output names the ledger's own file, which differs.
 */
interface Step {
  args: string[];
  code?: number;
  out?: RegExp;
  where?: boolean;
}

const unit = ['--suite', 'unit'];
const STEPS: Step[] = [
  { args: ['register', '--digest', D, '--label', 'version=1.0.0'], code: 0 },
  // Again: already registered, 0 both ways.
  { args: ['register', '--digest', D, '--label', 'version=1.0.0', '--json'], out: /"created": false/ },
  // A failing suite first (streamed upload), then a passing one.
  { args: ['attest', 'tests', '--artifact', D, ...unit, 'unit.xml'], out: /3 tests, 2 passed, 1 failed/ },
  { args: ['check', 'dev', '--artifact', D], code: 1 },
  { args: ['check', 'dev', '--artifact', D, '--json'], code: 1 },
  // Several reports in one run (one multipart request, streamed part by part), summed as locally.
  {
    args: ['attest', 'tests', '--artifact', D, ...unit, 'unit.xml', 'unit-ok.xml'],
    out: /5 tests, 4 passed, 1 failed/,
  },
  // One broken report among several: exit 3, nothing recorded.
  { args: ['attest', 'tests', '--artifact', D, ...unit, 'unit-ok.xml', 'broken.xml'], code: 3 },
  { args: ['attest', 'tests', '--artifact', D, ...unit, 'unit-ok.xml', '--json'], code: 0 },
  // Statements: several files by glob, recorded together and named by their paths; again (already
  // recorded); and one about another digest among them (exit 3, nothing recorded).
  {
    args: ['attest', 'statement', '--artifact', D, '--suite', 'integration', 'statements/*.json'],
    out: /^recorded statements\/a\.intoto\.json: tests \(test-result\) from in-toto, unsigned\nrecorded statements\/b/,
  },
  {
    args: [
      'attest',
      'statement',
      '--artifact',
      D,
      '--suite',
      'integration',
      'statements/a.intoto.json',
      '--json',
    ],
    out: /"stored": false/,
  },
  {
    args: [
      'attest',
      'statement',
      '--artifact',
      D,
      '--suite',
      'integration',
      'statements/b.intoto.json',
      'other.intoto.json',
    ],
    code: 3,
  },
  { args: ['check', 'dev', '--artifact', D, '--markdown'], code: 0 },
  { args: ['attest', 'sbom', '--artifact', D, 'bom.json'], out: /^recorded SBOM/ },
  { args: ['attest', 'evidence', '--artifact', D, 'bom.json', '--json'], code: 0 },
  { args: ['register', '--digest', P], code: 0 },
  { args: ['attest', 'scan', '--artifact', P, 'grype.json'], code: 0 },
  { args: ['attest', 'provenance', '--artifact', P, 'slsa-v1.intoto.json', '--json'], code: 0 },
  // Provenance about another digest: refused, exit 3, nothing recorded.
  { args: ['attest', 'provenance', '--artifact', D, 'slsa-v1.intoto.json'], code: 3 },
  // A CDEvent (the spec's testsuiterun.finished example: a failed suite in dev), text then JSON.
  {
    args: ['attest', 'cdevent', '--artifact', D, '--suite', 'e2e', 'event.json'],
    out: /^recorded dev\.cdevents\.testsuiterun\.finished\.[\d.]+ in dev as tests evidence/,
  },
  {
    args: ['attest', 'cdevent', '--artifact', D, '--suite', 'e2e', 'event.json', '--json'],
    out: /"stored": false/,
  },
  // About another artifact: refused, exit 3.
  { args: ['attest', 'cdevent', '--artifact', D, 'signed.json'], code: 3 },
  { args: ['promote', 'dev', '--artifact', D], code: 0 },
  // The first promotion pinned the contract; pushing the same one records nothing.
  { args: ['contract', 'versions'], out: /first promotion {2}\(in force\)/ },
  { args: ['contract', 'push', 'tollgate.yaml', '--json'], out: /"recorded": false/ },
  { args: ['contract', 'versions', '--json'], out: /"via": "first promotion"/ },
  // prod needs an approval: pending (2), then approved by someone else, then allowed.
  { args: ['check', 'prod', '--artifact', D], code: 2 },
  { args: ['--as', 'rita', 'approve', 'prod', '--artifact', D, '--comment', 'ok'], code: 0 },
  { args: ['--as', 'sam', 'reject', 'prod', '--artifact', D, '--json'], code: 0 },
  { args: ['--as', 'sam', 'reject', 'prod', '--artifact', D, '--withdraw'], code: 0 },
  { args: ['promote', 'prod', '--artifact', D, '--json'], code: 0 },
  // Overrides: one the contract does not allow rita (refused, exit 3), then the tester's, recorded.
  {
    args: ['--as', 'rita', 'promote', 'dev', '--artifact', P, '--override', 'tests', '--reason', 'hotfix'],
    code: 3,
  },
  {
    args: ['promote', 'dev', '--artifact', P, '--override', 'tests', '--reason', 'hotfix INC-42'],
    code: 0,
    out: /overrid/i,
  },
  // Post-deploy verification: text, JSON with a details file, and of a digest never deployed there.
  {
    args: ['attest', 'verification', '--artifact', D, '--in', 'dev', '--result', 'passed'],
    out: /^recorded: verification passed in dev/,
  },
  {
    args: [
      'attest',
      'verification',
      '--artifact',
      D,
      '--in',
      'prod',
      '--result',
      'failed',
      '--details',
      'details.txt',
      '--json',
    ],
    out: /"result": "failed"/,
  },
  { args: ['attest', 'verification', '--artifact', P, '--in', 'prod', '--result', 'passed'], code: 3 },
  // A second build through dev, rolled back to the first (the deploy command runs on the caller's machine).
  { args: ['register', '--digest', D2], code: 0 },
  { args: ['attest', 'tests', '--artifact', D2, ...unit, 'reports/*.xml'], out: /4 tests, 4 passed/ },
  { args: ['promote', 'dev', '--artifact', D2], code: 0 },
  {
    args: [
      'rollback',
      'dev',
      '--reason',
      'bad build',
      '--exec',
      'echo "deploying $TOLLGATE_DIGEST to $TOLLGATE_STAGE"',
    ],
    out: /^rolled back dev: [\s\S]*recorded by tester: [\s\S]*deploying sha256:\w+ to dev$/m,
  },
  { args: ['register', '--digest', D3], code: 0 },
  { args: ['attest', 'tests', '--artifact', D3, ...unit, 'unit-d3.xml'], code: 0 },
  { args: ['promote', 'dev', '--artifact', D3], code: 0 },
  { args: ['rollback', 'dev', '--reason', 'bad build again', '--json'], out: /"actor": "tester"/ },
  // Nothing to go back to in prod: exit 3, nothing recorded.
  { args: ['rollback', 'prod', '--reason', 'no target'], code: 3 },
  { args: ['rollback', 'check', 'dev'], out: /error rate/ },
  { args: ['rollback', 'check', 'dev', '--json'], out: /"exitCode"/ },
  // No conditions in prod: exit 3 both ways.
  { args: ['rollback', 'check', 'prod'], code: 3 },
  { args: ['status'], out: /pipeline shop/ },
  { args: ['status', '--json'], code: 0 },
  { args: ['history', 'dev'], out: /^#\d+ {2}2026-03-02T10:00:00/ },
  { args: ['history', 'prod', '--json'], code: 0 },
  { args: ['explain', D], code: 0 },
  { args: ['explain', D2, '--json'], code: 0 },
  { args: ['windows', 'dev'], code: 0 },
  { args: ['windows', 'prod', '--json', '--days', '3'], code: 0 },
  // Drift: prod's differences (no budget, exit 0), qa's over its budget (exit 1).
  { args: ['drift', 'dev', 'prod'], code: 0, out: /replicas/ },
  { args: ['drift', 'dev', 'qa'], code: 1 },
  { args: ['drift', 'dev', 'qa', '--json'], code: 1 },
  { args: ['drift', 'dev', 'qa', '--markdown'], code: 1 },
  { args: ['drift', 'dev', 'nowhere'], code: 3 },
  // The VSA signed at D's promotion into prod, the same envelope both ways; none for a digest never promoted there (exit 3).
  {
    args: ['vsa', 'prod', '--artifact', D],
    code: 0,
    out: /"payloadType": "application\/vnd\.in-toto\+json"/,
  },
  { args: ['vsa', 'prod', '--artifact', P], code: 3 },
  { args: ['ledger', 'verify'], out: /^ledger of shop intact: \d+ entries/, where: true },
  { args: ['ledger', 'verify', '--json'], code: 0, where: true },
  // Bad input answers with the same exit code: an unknown stage, an unregistered digest.
  { args: ['check', 'qa2', '--artifact', D], code: 3 },
  { args: ['promote', 'dev', '--artifact', fakeDigest('never')], code: 3 },
];

/** The command path a step runs (`attest tests`, `rollback check`, `rollback`). */
function verbOf(args: string[]): string {
  let i = 0;
  while (args[i] === '--as') i += 2;
  const [first, second] = args.slice(i);
  if (first === 'attest' || first === 'ledger' || first === 'contract') return `${first} ${second}`;
  if (first === 'rollback' && second === 'check') return 'rollback check';
  return first!;
}

describe('the CLI against a server: the same output and exit codes as locally', () => {
  it('the table covers every verb that has a route', () => {
    const covered = new Set(STEPS.map((step) => verbOf(step.args)));
    // `watch` follows a live stream, which has no local twin to compare with: test/server/watch-cli.test.ts.
    covered.add('watch');
    expect([...REMOTE_VERBS].filter((verb) => !covered.has(verb))).toEqual([]);
  });

  it('runs every step, in order, with identical stdout and exit codes', async () => {
    for (const step of STEPS) {
      const there = await same(step.args, step.where);
      const label = `${step.args.join(' ')}\n${there.stdout}\n${there.stderr}`;
      if (step.code !== undefined) expect(there.code, label).toBe(step.code);
      if (step.out !== undefined) expect(there.stdout, label).toMatch(step.out);
      expect(there.stdout.length + there.stderr.length, label).toBeGreaterThan(0);
    }
  }, 900_000);
});

describe('the CLI against a server: refusals', () => {
  it('a ledger verb without a route says so (exit 3) and never runs on a local ledger', async () => {
    const copy = await remote(['copy', '--artifact', D, '--to', 'registry.example.com/x:1']);
    expect(copy.code).toBe(3);
    expect(copy.stderr).toContain('tollgate copy has no route on a Tollgate server');
  });

  it("an upload's errors name the caller's file, as locally (each file goes as a named part)", async () => {
    const sbom = await remote(['attest', 'sbom', '--artifact', D, 'grype.json']);
    expect(sbom.code).toBe(3);
    expect(sbom.stderr).toContain(
      'tollgate: grype.json: expected an SBOM (CycloneDX or SPDX), found Grype JSON',
    );
    const tests = await remote([
      'attest',
      'tests',
      '--artifact',
      D,
      '--suite',
      'unit',
      'unit-ok.xml',
      'broken.xml',
    ]);
    expect(tests.code).toBe(3);
    expect(tests.stderr).toMatch(/^tollgate: broken\.xml:\d+:\d+: /m);
    const missing = await remote(['attest', 'cdevent', '--artifact', D, 'nowhere.json']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('nowhere.json: cannot read the file: no such file or directory');
  });

  it('needs a credential; a wrong one is refused by the server (exit 3)', async () => {
    const none = await remote(['status'], { TOLLGATE_TOKEN: undefined });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('needs a credential in TOLLGATE_TOKEN');
    const wrong = await remote(['status'], { TOLLGATE_TOKEN: 'tg_not-a-token' });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/tollgate: .*(token|credential)/i);
  });

  it('--now on a pipeline that is not a demo: the server refuses (403), exit 3, nothing recorded', async () => {
    const run = await runCli(['--now', NOW, 'register', '--digest', D], {
      cwd: dir,
      env: { TOLLGATE_SERVER: url, TOLLGATE_TOKEN: token, TOLLGATE_PIPELINE: 'billing' },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('refused unless pipeline billing is in demo mode');
    const status = await runCli(['history', 'dev', '--json'], {
      cwd: dir,
      env: { TOLLGATE_SERVER: url, TOLLGATE_TOKEN: token, TOLLGATE_PIPELINE: 'billing' },
    });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual([]);
  });

  it('an unreachable server is an infrastructure error (exit 4) and the password in its URL is neither sent nor printed', async () => {
    const run = await runCli(['status'], {
      cwd: dir,
      env: { TOLLGATE_SERVER: 'http://ci:s3cret@127.0.0.1:9/', TOLLGATE_TOKEN: token },
    });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('the Tollgate server at http://127.0.0.1:9/ did not answer');
    expect(run.stderr).not.toContain('s3cret');
  });

  it('token list|create --server drop the user name and password in the URL, as every verb does', async () => {
    const withPassword = url.replace('://', '://ci:s3cret@');
    const listed = await runCli(['token', 'list', '--json', '--server', withPassword], {
      cwd: dir,
      env: { TOLLGATE_TOKEN: token },
    });
    expect(listed.code, listed.stderr).toBe(0);
    expect(Array.isArray(JSON.parse(listed.stdout))).toBe(true);
    const refused = await runCli(
      ['token', 'create', '--role', 'ci', '--pipeline', 'other', '--server', withPassword],
      {
        cwd: dir,
        env: { TOLLGATE_TOKEN: token },
      },
    );
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`(server ${url.endsWith('/') ? url : `${url}/`})`);
    expect(refused.stderr + listed.stderr).not.toContain('s3cret');
  });

  it('token create --server names a mistyped role as the flag before sending it, as locally', async () => {
    const typo = await runCli(['token', 'create', '--role', 'admn', '--pipeline', 'shop', '--server', url], {
      cwd: dir,
      env: { TOLLGATE_TOKEN: token },
    });
    expect(typo.code).toBe(3);
    expect(typo.stderr).toContain('tollgate: --role "admn": expected one of reader, ci, approver, admin');
    expect(typo.stderr).not.toContain('json.role');
  });

  it('--image and --publish need a registry the CLI reaches: refused with --server', async () => {
    const image = await remote([
      'check',
      'dev',
      '--image',
      'registry.example.com/shop@sha256:' + 'a'.repeat(64),
    ]);
    expect(image.code).toBe(3);
    expect(image.stderr).toContain('--image does not work with --server');
    const publish = await remote(['promote', 'dev', '--artifact', D, '--publish']);
    expect(publish.code).toBe(3);
    expect(publish.stderr).toContain('--publish does not work with --server');
  });
});
