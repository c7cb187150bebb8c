import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DriftReport } from '../../src/drift/report.js';
import { openSqlite } from '../../src/ledger/sqlite-driver.js';
import { fakeDigest, makeWorkspace, runCli } from '../support/cli.js';

const CONTRACT = `version: 1
pipeline: shop
artifact: { type: file }
drift:
  classes:
    flags: ["flagd:/**"]
stages:
  staging:
    purpose: release-candidate verification
    config: [values/staging.yaml, flags/staging.flagd.json, .env.staging]
  prod:
    purpose: live
    from: staging
    config: [values/prod.yaml, flags/prod.flagd.json, .env.prod]
    requires:
      drift:
        budget: { flags: 0, security: 0, endpoints: declared, data: declared, other: 3 }
        declared:
          - { path: /database/host, class: endpoints, reason: each stage has its own database }
          - { path: /replicas, class: data, reason: prod runs at full scale, greaterThanUpstream: true }
`;

const flags = (defaultVariant: string) =>
  JSON.stringify({
    flags: { 'express-shipping': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant } },
  });

function workspace(prodFlag = 'on') {
  return makeWorkspace(CONTRACT, {
    'values/staging.yaml': 'replicas: 2\ndatabase:\n  host: db.staging.internal\n',
    'values/prod.yaml': 'replicas: 6\ndatabase:\n  host: db.prod.internal\n',
    'flags/staging.flagd.json': flags('off'),
    'flags/prod.flagd.json': flags(prodFlag),
    '.env.staging': 'DB_PASSWORD=staging-secret\n',
    '.env.prod': 'DB_PASSWORD=prod-secret\n',
  });
}

describe('tollgate drift', () => {
  it('prints differences by class with budget use, exit 1 when over budget, secrets hashed', async () => {
    const result = await runCli(['drift', 'staging', 'prod'], { cwd: workspace() });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('flags 1 / 0 — over budget');
    expect(result.stdout).toContain('changed flagd:/express-shipping/default  false → true');
    expect(result.stdout).toContain('declared: each stage has its own database');
    expect(result.stdout).toContain('security 1 / 0 — over budget');
    expect(result.stdout).toMatch(/changed \/DB_PASSWORD {2}secret hmac:[0-9a-f]{12} → hmac:[0-9a-f]{12}$/m);
    expect(result.stdout).not.toContain('secret\n');
    expect(result.stdout).not.toMatch(/staging-secret|prod-secret/);
  });

  it('prints JSON and Markdown, neither with a secret value', async () => {
    const dir = workspace();
    const json = await runCli(['drift', 'staging', 'prod', '--json'], { cwd: dir });
    const report = JSON.parse(json.stdout) as DriftReport;
    expect(report.over).toBe(true);
    expect(report.differences.map((d) => [d.path, d.class, d.declared])).toEqual([
      ['/replicas', 'data', true],
      ['/database/host', 'endpoints', true],
      ['/DB_PASSWORD', 'security', false],
      ['flagd:/express-shipping/default', 'flags', false],
    ]);
    const markdown = await runCli(['drift', 'staging', 'prod', '--markdown'], { cwd: dir });
    expect(markdown.stdout).toContain('| flags | 1 | 0 | 0 | ❌ over budget |');
    for (const text of [json.stdout, markdown.stdout]) expect(text).not.toMatch(/staging-secret|prod-secret/);
  });

  it('explains which rule classified a path', async () => {
    const result = await runCli(['drift', 'staging', 'prod', '--explain', '/DB_PASSWORD'], {
      cwd: workspace(),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('class: security');
    expect(result.stdout).toContain('built-in: the name "DB_PASSWORD" has the security word "password"');
    expect(result.stdout).not.toContain('prod-secret');
  });

  it('exits 3 naming the file for a config path outside the repository and for invalid YAML', async () => {
    const outside = workspace();
    writeFileSync(join(outside, 'tollgate.yaml'), CONTRACT.replace('values/prod.yaml', '../prod.yaml'));
    const refused = await runCli(['drift', 'staging', 'prod'], { cwd: outside });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('../prod.yaml: the path is outside the repository root');
    const broken = workspace();
    writeFileSync(join(broken, 'values/prod.yaml'), 'replicas: 6\ndatabase: [1,\n');
    const invalid = await runCli(['drift', 'staging', 'prod'], { cwd: broken });
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toMatch(/values\/prod\.yaml:\d+:\d+: invalid YAML/);
  });

  it('exits 3 instead of "no drift" when a stage lists no config files or its files hold nothing', async () => {
    const noConfig = makeWorkspace(
      CONTRACT.replace(
        'config: [values/staging.yaml, flags/staging.flagd.json, .env.staging]',
        '# no config',
      ),
      { 'values/prod.yaml': 'replicas: 6\n', 'flags/prod.flagd.json': flags('on'), '.env.prod': 'A=1\n' },
    );
    const missing = await runCli(['drift', 'staging', 'prod'], { cwd: noConfig });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('stage "staging" lists no config files');
    const bothEmpty = makeWorkspace(
      CONTRACT.replaceAll(/config: \[values\/(staging|prod)\.yaml, .*\]/g, 'config: [values/$1.yaml]'),
      { 'values/staging.yaml': '{}\n', 'values/prod.yaml': '{}\n' },
    );
    const empty = await runCli(['drift', 'staging', 'prod'], { cwd: bothEmpty });
    expect(empty.code).toBe(3);
    expect(empty.stderr).toContain('the config files of stage "staging" (values/staging.yaml) hold no value');
  });

  it('refuses a contract with a bad budget, at its line', async () => {
    const dir = workspace();
    writeFileSync(
      join(dir, 'tollgate.yaml'),
      CONTRACT.replace('flags: 0, security', 'flags: some, security'),
    );
    const result = await runCli(['validate'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'tollgate.yaml:17:26: stages.prod.requires.drift.budget.flags: a budget: a whole number of differences (0 or more), "declared" or "any"',
    );
  });
});

describe('validate and the config files a contract names', () => {
  it('refuses a missing, malformed or outside config file at the contract line, as drift would', async () => {
    // Accepted before: validate said "valid contract", then drift, check and promote refused it.
    const valid = await runCli(['validate'], { cwd: workspace() });
    expect(valid.code, valid.stderr).toBe(0);
    const dir = workspace();
    writeFileSync(join(dir, 'flags/prod.flagd.json'), '{ "flags": ');
    writeFileSync(
      join(dir, 'tollgate.yaml'),
      CONTRACT.replace('.env.staging]', '.env.stagin]').replace('.env.prod]', '.env.prod, ../outside.env]'),
    );
    const result = await runCli(['validate'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      'tollgate: tollgate.yaml:10:61: stages.staging.config.2: .env.stagin: cannot read the config file: no such file or directory; the drift gate reads it: create it, or correct the path (relative to the contract)',
    );
    expect(lines[1]).toMatch(/^tollgate\.yaml:14:32: stages\.prod\.config\.1: flags\/prod\.flagd\.json:/);
    expect(lines[2]).toMatch(
      /^tollgate\.yaml:14:66: stages\.prod\.config\.3: \.\.\/outside\.env: .*outside the repository/,
    );
  });
});

describe('the drift gate in check and promote', () => {
  const digest = fakeDigest('drift');

  it('blocks prod naming the flag path, then promotes once aligned and stores the report with the promotion', async () => {
    const dir = workspace();
    const run = (args: string[]) => runCli(args, { cwd: dir });
    expect((await run(['register', '--digest', digest])).code).toBe(0);
    expect((await run(['promote', 'staging', '--artifact', digest])).code).toBe(0);
    const blocked = await run(['check', 'prod', '--artifact', digest]);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain(
      '[drift] flags drift vs staging: 1 undeclared / budget 0 — over budget: flagd:/express-shipping/default (changed false → true)',
    );
    expect(blocked.stdout).toContain(
      '[drift] declared endpoints difference vs staging: /database/host (each stage has its own database)',
    );

    writeFileSync(join(dir, 'flags/prod.flagd.json'), flags('off'));
    writeFileSync(join(dir, '.env.prod'), 'DB_PASSWORD=staging-secret\n');
    const promoted = await run(['promote', 'prod', '--artifact', digest]);
    expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);

    const db = openSqlite(join(dir, '.tollgate', 'ledger.db'), { readonly: true });
    const row = db
      .prepare("select body from ledger_entries where kind = 'promotion' and stage = 'prod'")
      .get() as { body: string };
    db.close();
    const body = JSON.parse(row.body) as { payload: { snapshots: { drift: { reports: DriftReport[] } } } };
    const [snapshot] = body.payload.snapshots.drift.reports;
    expect(snapshot?.upstream.stage).toBe('staging');
    expect(snapshot?.differences.map((d) => [d.path, d.class, d.declared])).toEqual([
      ['/replicas', 'data', true],
      ['/database/host', 'endpoints', true],
    ]);
    expect(snapshot?.downstream.sources.map((s) => s.file)).toEqual([
      'values/prod.yaml',
      'flags/prod.flagd.json',
      '.env.prod',
    ]);
    expect(row.body).not.toMatch(/staging-secret|prod-secret/);

    const explain = await run(['explain', digest]);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toMatch(/drift staging → prod at \S+: 2 difference\(s\), within budget/);
    expect(explain.stdout).toContain(
      'changed /database/host [endpoints] declared: each stage has its own database',
    );
  });
});
