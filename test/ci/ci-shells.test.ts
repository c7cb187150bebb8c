/**
 * The CI shells, run the way their CI runs them: the GitHub Action's entry point (action/index.cjs)
 * with the files and variables a runner provides, and the GitLab template's job script with its
 * inputs interpolated and GitLab's variables set. Assertions are on what they write.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parseJunit } from '../../src/evidence/junit-parser.js';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import { BIN, fakeDigest, junit, makeWorkspace, ROOT, runCli, startServe } from '../support/cli.js';
import { workflowCommands } from '../support/workflow-commands.js';

const D = fakeDigest('ci');

const CONTRACT = `version: 1
pipeline: shop
artifact: { type: oci, repository: registry.example.com/shop }
groups:
  release-managers: [rita, sam]
stages:
  dev:
    purpose: fast feedback
    requires:
      tests: [{ suite: unit }]
  staging:
    purpose: release candidate
    from: dev
    requires:
      tests: [{ suite: unit }, { suite: integration }]
  prod:
    purpose: live
    from: dev
    requires:
      approvals: { count: 1, from: [group:release-managers] }
`;

async function workspace() {
  const dir = makeWorkspace(CONTRACT, { 'unit.xml': junit(['pass', 'pass']) });
  expect((await runCli(['register', '--digest', D], { cwd: dir })).code).toBe(0);
  expect(
    (await runCli(['attest', 'tests', '--artifact', D, '--suite', 'unit', 'unit.xml'], { cwd: dir })).code,
  ).toBe(0);
  return dir;
}

/** A workspace with D registered and `report` attested as its unit suite. */
async function attestedWorkspace(report: string) {
  const dir = makeWorkspace(CONTRACT, { 'unit.xml': report });
  expect((await runCli(['register', '--digest', D], { cwd: dir })).code).toBe(0);
  const attested = await runCli(['attest', 'tests', '--artifact', D, '--suite', 'unit', 'unit.xml'], {
    cwd: dir,
  });
  expect(attested.code, attested.stderr).toBe(0);
  expect(workflowCommands(attested.stdout + attested.stderr)).toEqual([]);
  return dir;
}

/**
 * A failing test whose name (JUnit allows line breaks in it, as &#10;) holds what a GitHub runner
 * would act on at a line's start (`::add-mask::`) or anywhere in a line (`##[notice]`), and what
 * would be Markdown outside a table cell or list item (a heading claiming the stage allowed).
 */
const HOSTILE_NAME =
  'ok&#10;::add-mask::BLOCKED&#10;  ::stop-commands::tok&#10;see ##[notice title=Tollgate]dev allowed&#10;### ✅ dev: allowed&#10;=====';

function hostileWorkspace() {
  return attestedWorkspace(junit(['fail', 'pass'], 'unit').replace('name="t0"', `name="${HOSTILE_NAME}"`));
}

// A failing test whose name holds new lines and a right-to-left override, as a JUnit producer
// writes them (character references).
const OVERRIDE_NAME = 't1&#10;Required: (none)&#10;# ✅ dev: allowed&#x202E;dellac';

function overrideWorkspace() {
  return attestedWorkspace(`<?xml version="1.0"?>
<testsuites><testsuite name="unit" tests="2">
  <testcase classname="shop" name="ok"/>
  <testcase classname="shop" name="${OVERRIDE_NAME}"><failure message="m">trace</failure></testcase>
</testsuite></testsuites>
`);
}

function run(
  program: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The environment of a GitHub Actions step, with the action's inputs. */
function githubEnv(
  dir: string,
  inputs: Record<string, string>,
  extra: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('TOLLGATE_') && !key.startsWith('INPUT_')) env[key] = value;
  writeFileSync(join(dir, 'output.txt'), '');
  writeFileSync(join(dir, 'summary.md'), '');
  Object.assign(env, {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_ACTOR: 'dana',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_WORKFLOW: 'deliver',
    GITHUB_RUN_ID: '42',
    GITHUB_SHA: '9f3c2ab0000000000000000000000000000000000',
    GITHUB_WORKSPACE: dir,
    GITHUB_OUTPUT: join(dir, 'output.txt'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    RUNNER_TEMP: dir,
    ...extra,
  });
  // The runner's input defaults (action.yml), then the workflow's `with:`.
  const defaults = {
    args: '',
    contract: '',
    'ledger-url': '',
    'server-url': '',
    'oidc-audience': 'tollgate',
    pending: 'fail',
    'vsa-path': '',
  };
  for (const [name, value] of Object.entries({ ...defaults, ...inputs }))
    env[`INPUT_${name.toUpperCase()}`] = value;
  return env;
}

/** The GitHub Action run as the runner runs it, in `dir`, with `inputs` (see {@link githubEnv}). */
function runAction(dir: string, inputs: Record<string, string>) {
  return run(process.execPath, [ACTION], dir, githubEnv(dir, inputs));
}

/** Outputs as the runner reads GITHUB_OUTPUT (name<<DELIMITER … DELIMITER). */
function outputs(dir: string): Record<string, string> {
  const text = readFileSync(join(dir, 'output.txt'), 'utf8');
  const found: Record<string, string> = {};
  for (const match of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) found[match[1]!] = match[3]!;
  return found;
}

const ACTION = join(ROOT, 'action', 'index.cjs');

describe('GitHub Action (action/index.cjs)', () => {
  it('action.yml runs the bundle on node24 and declares the inputs and outputs the entry point reads', () => {
    const action = yaml.load(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
      runs: { using: string; main: string };
      inputs: Record<string, unknown>;
      outputs: Record<string, unknown>;
    };
    expect(action.runs).toEqual({ using: 'node24', main: 'action/index.cjs' });
    expect(Object.keys(action.inputs)).toEqual([
      'command',
      'args',
      'contract',
      'ledger-url',
      'server-url',
      'oidc-audience',
      'pending',
      'vsa-path',
    ]);
    expect(Object.keys(action.outputs)).toEqual(['verdict', 'digest', 'vsa-path']);
  });

  it('promotes: outputs verdict and digest, the Markdown decision in the step summary, success', async () => {
    const dir = await workspace();
    const result = await runAction(dir, { command: 'promote dev', args: `--artifact ${D}` });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(outputs(dir)).toEqual({ verdict: 'allowed', digest: D });
    const summary = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(summary).toContain('### ✅ dev: allowed');
    expect(summary).toContain('suite unit: 2 passed of 2');
    // The promotion is recorded by the GitHub actor.
    const history = await runCli(['history', 'dev', '--json'], { cwd: dir });
    expect(history.stdout).toContain('dana');
  });

  it('a blocked decision fails the step with an error annotation naming what is required', async () => {
    const dir = await workspace();
    const result = await runAction(dir, { command: 'check staging', args: `--artifact ${D}` });
    expect(result.code).toBe(1);
    expect(outputs(dir).verdict).toBe('blocked');
    expect(result.stdout).toMatch(
      /^::error title=Tollgate%3A staging blocked::\[from\].*%0A\[tests\] suite integration/m,
    );
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('staging: blocked');
  });

  it('a pending decision fails the step, or succeeds with a warning when pending: succeed', async () => {
    const dir = await workspace();
    expect((await runCli(['promote', 'dev', '--artifact', D], { cwd: dir })).code).toBe(0);
    const failing = await runAction(dir, { command: 'check prod', args: `--artifact ${D}` });
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('::error title=Tollgate%3A prod pending::');
    const passing = await runAction(dir, {
      command: 'check prod',
      args: `--artifact ${D}`,
      pending: 'succeed',
    });
    expect(passing.code).toBe(0);
    expect(passing.stdout).toContain('::warning title=Tollgate%3A prod pending::[approvals]');
    expect(outputs(dir).verdict).toBe('pending');
  });

  it('a failing test named with new lines and an override stays on its line in the summary and the annotation', async () => {
    const dir = await overrideWorkspace();
    const result = await runAction(dir, { command: 'check dev', args: `--artifact ${D}` });
    expect(result.code).toBe(1);
    const summary = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(summary).toContain('### ⛔ dev: blocked');
    expect(summary).toContain('t1\\nRequired: (none)\\n\\# ✅ dev: allowed\\u202e');
    expect(summary).not.toMatch(/[\u001b\u202e]/);
    expect(summary.split('\n')).not.toContain('# ✅ dev: allowed');
    // One annotation, one line a required item: the name's new lines are shown, not obeyed.
    const annotation = result.stdout.split('\n').find((line) => line.startsWith('::error'));
    const message = annotation?.replace(/^::error title=[^:]*::/, '') ?? '';
    for (const item of message.split('%0A')) expect(item, item).toMatch(/^\[(tests|approvals)\] /);
    expect(message).toContain('t1\\nRequired: (none)');
    expect(result.stdout).not.toMatch(/[\u001b\u202e]/);
  });

  it('an input error fails the step with its message; an unknown verb never runs', async () => {
    const dir = await workspace();
    const bad = await runAction(dir, { command: 'check qa', args: `--artifact ${D}` });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('::error title=Tollgate input error::tollgate.yaml: no stage "qa"');
    // The message is quoted as code in the step summary: what it quotes opens no Markdown.
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(
      /^### ❌ tollgate check qa\n\n```text\ntollgate\.yaml: no stage "qa".*\n```\n$/,
    );
    const verb = await runAction(dir, { command: 'ledger rewrite' });
    expect(verb.code).toBe(1);
    expect(verb.stdout).toContain('expected one of check, promote, attest');
  });

  it('a test name holding workflow commands and Markdown: only the action annotates, and the summary keeps one heading', async () => {
    const dir = await hostileWorkspace();
    const result = await runAction(dir, { command: 'check dev', args: `--artifact ${D}` });
    expect(result.code).toBe(1);
    expect(outputs(dir).verdict).toBe('blocked');
    expect(workflowCommands(result.stdout + result.stderr).map((c) => c.command)).toEqual(['error']);
    const summary = readFileSync(join(dir, 'summary.md'), 'utf8');
    // A line of its own would be a heading (ATX or, under "=====", setext) or end the list item.
    expect(summary.split('\n').filter((line) => line.startsWith('#'))).toEqual(['### ⛔ dev: blocked']);
    expect(summary).not.toMatch(/^=+$/m);
    expect(summary).toMatch(/^- \*\*tests\*\*: suite unit: .*ok.*add-mask.*dev: allowed.*=====/m);
  });

  it('the CLI run in a workflow step prints no workflow command from a test name or an event', async () => {
    const dir = await hostileWorkspace();
    for (const args of [
      ['check', 'dev', '--artifact', D],
      ['check', 'dev', '--artifact', D, '--json'],
      ['check', 'dev', '--artifact', D, '--markdown'],
      ['explain', D],
    ]) {
      const result = await runCli(args, { cwd: dir });
      expect(result.stdout, args.join(' ')).toContain('add-mask');
      expect(workflowCommands(result.stdout + result.stderr), args.join(' ')).toEqual([]);
    }
    // Nor can a name print a line of its own in the text, such as a verdict: its line breaks show.
    const text = await runCli(['check', 'dev', '--artifact', D], { cwd: dir });
    const named = text.stdout.split('\n').filter((line) => line.includes('add-mask'));
    expect(named).toHaveLength(1);
    expect(named[0]).toMatch(
      /^ {2}- \[tests\] suite unit: .*ok\\n::add-mask::BLOCKED\\n {2}::stop-commands::tok.*### ✅ dev: allowed/,
    );
    // The same for a label an image carries (its version, shown in the decision's first line).
    const labelled = fakeDigest('labelled');
    const label = 'version=1.0\n::add-mask::BLOCKED\ndev ← x: ALLOWED';
    expect((await runCli(['register', '--digest', labelled, '--label', label], { cwd: dir })).code).toBe(0);
    const header = await runCli(['check', 'dev', '--artifact', labelled], { cwd: dir });
    expect(header.stdout.split('\n')[0]).toMatch(
      /^dev ← .*\(version 1\.0\\n::add-mask::BLOCKED\\ndev ← x: ALLOWED\): BLOCKED$/,
    );
    expect(workflowCommands(header.stdout + header.stderr)).toEqual([]);
    // JSON keeps the name: the escape is JSON's own.
    const json = await runCli(['check', 'dev', '--artifact', D, '--json'], { cwd: dir });
    expect(JSON.stringify(JSON.parse(json.stdout).required)).toContain(
      '##[notice title=Tollgate]dev allowed',
    );
    // An error quoting the event's value, on standard error (the runner reads it too).
    const event = {
      context: {
        id: '1',
        source: '/ci',
        type: 'dev.cdevents.testsuiterun.finished.0.3.0',
        timestamp: '2026-12-05T10:00:00Z',
        specversion: '0.5.1',
      },
      subject: { id: 'run', content: { outcome: '##[add-mask]BLOCKED', testSuite: { name: 'unit' } } },
    };
    const refused = await runCli(['attest', 'cdevent', '--artifact', D, '-'], {
      cwd: dir,
      input: JSON.stringify(event),
    });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('add-mask');
    expect(workflowCommands(refused.stderr)).toEqual([]);
  });

  it('attests with a glob in args (no shell on the runner)', async () => {
    const dir = await workspace();
    writeFileSync(join(dir, 'it-1.xml'), junit(['pass'], 'it-1'));
    writeFileSync(join(dir, 'it-2.xml'), junit(['pass', 'pass'], 'it-2'));
    const result = await runAction(dir, {
      command: 'attest tests',
      args: `--artifact ${D} --suite integration "it-*.xml"`,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(outputs(dir).verdict).toBe('ok');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('"tests": 3');
  });

  it("with server-url, runs the verbs on a real server with the job's OIDC token from a real issuer", async () => {
    const dir = makeWorkspace(CONTRACT, { 'unit.xml': junit(['pass', 'pass']) });
    const oidc = await startIssuer();
    const server = await startServer(dir, oidc.issuer);
    try {
      const step = async (command: string, args: string, inputs: Record<string, string> = {}) => {
        const env = githubEnv(
          dir,
          {
            command,
            args,
            'server-url': `${server.url}/`,
            'oidc-audience': 'tollgate.example.com',
            ...inputs,
          },
          {
            ACTIONS_ID_TOKEN_REQUEST_URL: `${oidc.issuer}/token?api-version=2.0`,
            ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token',
          },
        );
        const result = await run(process.execPath, [ACTION], dir, env);
        return { result, outputs: outputs(dir), summary: readFileSync(join(dir, 'summary.md'), 'utf8') };
      };
      expect((await step('register', `--digest ${D}`)).result.code).toBe(0);
      const attested = await step('attest tests', `--artifact ${D} --suite unit unit.xml`);
      expect(attested.result.code, attested.result.stdout + attested.result.stderr).toBe(0);
      const promoted = await step('promote dev', `--artifact ${D}`);
      expect(promoted.result.code, promoted.result.stdout + promoted.result.stderr).toBe(0);
      expect(promoted.outputs).toEqual({ verdict: 'allowed', digest: D });
      expect(promoted.summary).toContain('### ✅ dev: allowed');
      expect(promoted.summary).toContain('suite unit: 2 passed of 2');
      // The runner was asked for a token for the audience given, with its request token.
      expect(oidc.requests).toContain(
        '/token?api-version=2.0&audience=tollgate.example.com|Bearer runner-request-token',
      );
      // prod needs an approval from a release manager: pending, and the step fails.
      const pending = await step('check prod', `--artifact ${D}`);
      expect(pending.result.code).toBe(1);
      expect(pending.outputs.verdict).toBe('pending');

      // The server recorded it all, as the principal its rule made of the token's claims; the job's
      // own directory has no ledger: nothing ran locally.
      const store = await openSqliteStore(join(server.dataDir, 'ledger.db'));
      try {
        const entries = await store.entriesForArtifact('shop', D);
        expect(entries.map((e) => [e.kind, e.actor])).toEqual([
          ['register', 'github:acme/shop'],
          ['attest', 'github:acme/shop'],
          ['promotion', 'github:acme/shop'],
        ]);
      } finally {
        await store.close();
      }
      expect(existsSync(join(dir, '.tollgate'))).toBe(false);

      // A token for another audience is refused by the server: the step fails with its message.
      const refused = await step('check dev', `--artifact ${D}`, { 'oidc-audience': 'someone-else' });
      expect(refused.result.code).toBe(1);
      expect(refused.outputs.verdict).toBe('error');
      expect(refused.result.stdout).toMatch(/::error title=Tollgate input error::.*(token|credential)/i);
    } finally {
      await server.stop();
      await new Promise<void>((resolve) => oidc.close(resolve));
    }
  }, 300_000);
});

/**
 * A real OIDC issuer on loopback: discovery, a JWKS, and the runner's token endpoint
 * (ACTIONS_ID_TOKEN_REQUEST_URL), which signs a GitHub-shaped ID token for the audience asked.
 */
async function startIssuer() {
  const pair = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const requests: string[] = [];
  let issuer = '';
  const server = http.createServer(async (req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration')
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    else if (req.url === '/jwks') res.end(JSON.stringify({ keys: [jwk] }));
    else if (req.url?.startsWith('/token')) {
      requests.push(`${req.url}|${req.headers.authorization}`);
      const audience = new URL(req.url, issuer).searchParams.get('audience') ?? 'none';
      const value = await new SignJWT({
        repository: 'acme/shop',
        ref: 'refs/heads/main',
        workflow: 'deliver',
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(issuer)
        .setSubject('repo:acme/shop:ref:refs/heads/main')
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(pair.privateKey);
      res.end(JSON.stringify({ value }));
    } else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { issuer, requests, close: (done: () => void) => server.close(() => done()) };
}

/** `tollgate serve` on its own ledger, trusting the issuer's tokens for acme/shop on main. */
async function startServer(dir: string, issuer: string) {
  writeFileSync(
    join(dir, 'server.yaml'),
    `ciIssuers:
  - issuer: ${issuer}
    audience: tollgate.example.com
    rules:
      - match: { repository: acme/shop, ref: refs/heads/main }
        principal: "github:{repository}"
        role: ci
        pipelines: [shop]
`,
  );
  const dataDir = join(dir, 'server-ledger');
  const server = await startServe(['--contract', 'tollgate.yaml', '--config', 'server.yaml'], {
    cwd: dir,
    env: { TOLLGATE_DATA_DIR: dataDir },
  });
  return { ...server, dataDir };
}

interface GitlabJob {
  stage: string;
  image: string;
  variables: Record<string, string>;
  script: string[];
  artifacts: { reports: { junit: string; dotenv: string } };
}

/** The template's job with `inputs` interpolated as GitLab does ($[[ inputs.NAME ]], defaults from spec). */
function gitlabJob(inputs: Record<string, string>): { name: string; job: GitlabJob } {
  const [header, body] = readFileSync(join(ROOT, 'templates', 'tollgate.yml'), 'utf8').split(/^---$/m) as [
    string,
    string,
  ];
  const spec = (yaml.load(header) as { spec: { inputs: Record<string, { default?: string }> } }).spec.inputs;
  const values: Record<string, string> = {};
  for (const [name, definition] of Object.entries(spec))
    values[name] = inputs[name] ?? definition.default ?? '';
  for (const name of Object.keys(inputs))
    if (!(name in spec)) throw new Error(`the template has no input ${name}`);
  const text = body.replace(/\$\[\[\s*inputs\.([\w-]+)\s*\]\]/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`unknown input ${name}`);
    return values[name]!;
  });
  const jobs = yaml.load(text) as Record<string, GitlabJob>;
  const [name, job] = Object.entries(jobs)[0]!;
  return { name, job };
}

async function runGitlab(dir: string, inputs: Record<string, string>) {
  const { job } = gitlabJob(inputs);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('TOLLGATE_')) env[key] = value;
  Object.assign(env, {
    GITLAB_CI: 'true',
    CI: 'true',
    CI_PROJECT_DIR: dir,
    CI_PROJECT_PATH: 'acme/shop',
    CI_PIPELINE_ID: '7',
    CI_JOB_ID: '99',
    GITLAB_USER_LOGIN: 'dana',
    CI_COMMIT_SHA: '9f3c2ab',
    ...job.variables,
    TOLLGATE_BIN: `${process.execPath} ${BIN}`,
  });
  const results = [];
  for (const line of job.script) results.push(await run('bash', ['-ec', line], dir, env));
  return { job, result: results.at(-1)! };
}

describe('GitLab CI component (templates/tollgate.yml)', () => {
  it('a blocked check: JUnit report with one case per gate (failures named), dotenv verdict, job fails', async () => {
    const dir = await workspace();
    const { job, result } = await runGitlab(dir, {
      command: 'check staging',
      args: `--artifact ${D}`,
      'job-stage': 'verify',
    });
    expect(job.stage).toBe('verify');
    expect(job.artifacts.reports).toEqual({ junit: 'tollgate-report.xml', dotenv: 'tollgate.env' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('staging ← sha256:');
    expect(readFileSync(join(dir, 'tollgate.env'), 'utf8')).toBe(
      `TOLLGATE_VERDICT=blocked\nTOLLGATE_DIGEST=${D}\n`,
    );
    const report = readFileSync(join(dir, 'tollgate-report.xml'), 'utf8');
    expect(report).toContain('<failure type="blocked"');
    expect(report).toContain('suite integration');
    // The report is JUnit a test reader counts: two gates, both failing (from, tests).
    const totals = await parseJunit({ path: join(dir, 'tollgate-report.xml') });
    expect(totals).toMatchObject({ tests: 2, failed: 2, passed: 0 });
  });

  it('an allowed promote: passing report, Markdown decision, job succeeds; pending fails unless pending: succeed', async () => {
    const dir = await workspace();
    const promoted = await runGitlab(dir, { command: 'promote dev', args: `--artifact ${D}` });
    expect(promoted.result.code, promoted.result.stderr).toBe(0);
    expect(await parseJunit({ path: join(dir, 'tollgate-report.xml') })).toMatchObject({
      tests: 1,
      passed: 1,
      failed: 0,
    });
    expect(readFileSync(join(dir, 'tollgate-decision.md'), 'utf8')).toContain('### ✅ dev: allowed');
    // A passing gate says what it validated, as every other form of the decision does.
    expect(readFileSync(join(dir, 'tollgate-report.xml'), 'utf8')).toMatch(
      /<system-out>validated:\n- suite unit: 2 passed of 2 .*<\/system-out>/,
    );
    const pending = await runGitlab(dir, { command: 'check prod', args: `--artifact ${D}` });
    expect(pending.result.code).toBe(2);
    expect(readFileSync(join(dir, 'tollgate-report.xml'), 'utf8')).toContain('<failure type="pending"');
    const tolerated = await runGitlab(dir, {
      command: 'check prod',
      args: `--artifact ${D}`,
      pending: 'succeed',
    });
    expect(tolerated.result.code).toBe(0);
    expect(readFileSync(join(dir, 'tollgate.env'), 'utf8')).toContain('TOLLGATE_VERDICT=pending');
  });

  it('the job log shows no escape sequence from an event: no section hides the decision', async () => {
    const dir = makeWorkspace(CONTRACT);
    expect((await runCli(['register', '--digest', D], { cwd: dir })).code).toBe(0);
    // GitLab folds a log between section_start and section_end markers, each ending in ESC[0K.
    const reason = 'x\\u001b[0Ksection_start:1:hide[collapsed=true]\\r\\u001b[0K\\u001b[32mall green';
    const event = `{"context":{"id":"1","source":"/ci","type":"dev.cdevents.testsuiterun.finished.0.3.0","timestamp":"2026-12-05T10:00:00Z","specversion":"0.5.1"},"subject":{"id":"run","content":{"outcome":"failure","reason":"${reason}","testSuite":{"name":"unit"}}}}`;
    writeFileSync(join(dir, 'event.json'), event);
    const attested = await runCli(['attest', 'cdevent', '--artifact', D, 'event.json'], { cwd: dir });
    expect(attested.code, attested.stderr).toBe(0);
    const { result } = await runGitlab(dir, { command: 'check dev', args: `--artifact ${D}` });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('section_start');
    expect(result.stdout + result.stderr).not.toMatch(/[\u001b\r]/);
  });

  it('a failing test named with new lines and an override stays on its line in the job log', async () => {
    const dir = await overrideWorkspace();
    const { result } = await runGitlab(dir, { command: 'check dev', args: `--artifact ${D}` });
    expect(result.code).toBe(1);
    // The decision printed in the job log shows the override and the new lines, as a terminal does.
    expect(result.stdout).not.toMatch(/[\u001b\u202e]/);
    expect(result.stdout).toContain('t1\\nRequired: (none)\\n# ✅ dev: allowed\\u202edellac');
    expect(result.stdout.split('\n').filter((line) => line.startsWith('Required:'))).toEqual(['Required:']);
    expect(readFileSync(join(dir, 'tollgate-decision.md'), 'utf8')).not.toMatch(/[\u001b\u202e]/);
    // The merge request's test widget: one failure line a required item, the name's lines shown.
    const report = readFileSync(join(dir, 'tollgate-report.xml'), 'utf8');
    const failure = /<failure type="blocked" message="[^"]*">([^<]*)<\/failure>/.exec(report)?.[1] ?? '';
    expect(failure).toContain('t1\\nRequired: (none)\\n# ✅ dev: allowed\\u202edellac');
    for (const line of failure.split('\n')) expect(line, line).toMatch(/^- /);
  });

  it('an input error is a JUnit error case and exit 3', async () => {
    const dir = await workspace();
    const { result } = await runGitlab(dir, { command: 'check qa', args: `--artifact ${D}` });
    expect(result.code).toBe(3);
    const report = readFileSync(join(dir, 'tollgate-report.xml'), 'utf8');
    expect(report).toContain('<error type="input" message="tollgate.yaml: no stage &quot;qa&quot;');
  });
});
