/**
 * The CI shells, run the way their CI runs them: the GitHub Action's entry point (action/index.cjs)
 * with the files and variables a runner provides, and the GitLab template's job script with its
 * inputs interpolated and GitLab's variables set. Assertions are on what they write.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parseJunit } from '../../src/evidence/junit-parser.js';
import { BIN, fakeDigest, junit, makeWorkspace, ROOT, runCli } from '../support/cli.js';

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
    const result = await run(
      process.execPath,
      [ACTION],
      dir,
      githubEnv(dir, { command: 'promote dev', args: `--artifact ${D}` }),
    );
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
    const result = await run(
      process.execPath,
      [ACTION],
      dir,
      githubEnv(dir, { command: 'check staging', args: `--artifact ${D}` }),
    );
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
    const failing = await run(
      process.execPath,
      [ACTION],
      dir,
      githubEnv(dir, { command: 'check prod', args: `--artifact ${D}` }),
    );
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('::error title=Tollgate%3A prod pending::');
    const passing = await run(
      process.execPath,
      [ACTION],
      dir,
      githubEnv(dir, { command: 'check prod', args: `--artifact ${D}`, pending: 'succeed' }),
    );
    expect(passing.code).toBe(0);
    expect(passing.stdout).toContain('::warning title=Tollgate%3A prod pending::[approvals]');
    expect(outputs(dir).verdict).toBe('pending');
  });

  it('an input error fails the step with its message; an unknown verb never runs', async () => {
    const dir = await workspace();
    const bad = await run(
      process.execPath,
      [ACTION],
      dir,
      githubEnv(dir, { command: 'check qa', args: `--artifact ${D}` }),
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('::error title=Tollgate input error::tollgate.yaml: no stage "qa"');
    const verb = await run(process.execPath, [ACTION], dir, githubEnv(dir, { command: 'ledger rewrite' }));
    expect(verb.code).toBe(1);
    expect(verb.stdout).toContain('expected one of check, promote, attest');
  });

  it('attests with a glob in args (no shell on the runner)', async () => {
    const dir = await workspace();
    writeFileSync(join(dir, 'it-1.xml'), junit(['pass']));
    writeFileSync(join(dir, 'it-2.xml'), junit(['pass', 'pass']));
    const result = await run(
      process.execPath,
      [ACTION],
      dir,
      githubEnv(dir, { command: 'attest tests', args: `--artifact ${D} --suite integration "it-*.xml"` }),
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(outputs(dir).verdict).toBe('ok');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('"tests": 3');
  });

  it("with server-url, sends the verb to the server with the job's OIDC token and reports its answer", async () => {
    const dir = await workspace();
    const decision = JSON.parse(
      (await runCli(['check', 'dev', '--artifact', D, '--json'], { cwd: dir })).stdout,
    );
    const seen: Array<{ url: string; authorization: string | undefined; body: string }> = [];
    const server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (d: Buffer) => {
        body += d.toString();
      });
      request.on('end', () => {
        seen.push({ url: request.url ?? '', authorization: request.headers.authorization, body });
        if (request.url?.startsWith('/token')) {
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ value: 'job-id-token' }));
        } else {
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ exitCode: 0, stdout: JSON.stringify(decision), stderr: '' }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const env = githubEnv(
        dir,
        {
          command: 'check dev',
          args: `--artifact ${D}`,
          'server-url': `http://127.0.0.1:${port}/tollgate`,
          'oidc-audience': 'tollgate.example.com',
        },
        {
          ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-request-token',
        },
      );
      const result = await run(process.execPath, [ACTION], dir, env);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(seen[0]).toMatchObject({
        url: '/token?api-version=2.0&audience=tollgate.example.com',
        authorization: 'Bearer runner-request-token',
      });
      expect(seen[1]).toMatchObject({ url: '/tollgate/api/v1/cli', authorization: 'Bearer job-id-token' });
      expect(JSON.parse(seen[1]!.body)).toEqual({ argv: ['check', 'dev', '--artifact', D, '--json'] });
      expect(outputs(dir)).toEqual({ verdict: 'allowed', digest: D });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

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

  it('an input error is a JUnit error case and exit 3', async () => {
    const dir = await workspace();
    const { result } = await runGitlab(dir, { command: 'check qa', args: `--artifact ${D}` });
    expect(result.code).toBe(3);
    const report = readFileSync(join(dir, 'tollgate-report.xml'), 'utf8');
    expect(report).toContain('<error type="input" message="tollgate.yaml: no stage &quot;qa&quot;');
  });
});
