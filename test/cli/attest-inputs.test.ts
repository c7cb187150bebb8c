/** `attest … -` reads standard input; globs are expanded by Tollgate, as CI users write them. */
import { copyFileSync, linkSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, fakeDigest, junit, makeWorkspace, runCli, THREE_STAGES } from '../support/cli.js';

const D = fakeDigest('inputs');

async function workspace(files: Record<string, string>) {
  const dir = makeWorkspace(THREE_STAGES, files);
  expect((await runCli(['register', '--digest', D], { cwd: dir })).code).toBe(0);
  return dir;
}

describe('attest inputs', () => {
  it('expands reports/**/*.xml itself (no shell), summing every match', async () => {
    const dir = await workspace({
      'reports/unit/a.xml': junit(['pass', 'pass'], 'a'),
      'reports/unit/nested/b.xml': junit(['pass', 'fail', 'skip'], 'b'),
      'reports/notes.txt': 'not a report',
    });
    const result = await runCli(
      ['attest', 'tests', '--artifact', D, '--suite', 'unit', 'reports/**/*.xml', '--json'],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ tests: 5, passed: 3, failed: 1, skipped: 1, files: 2 });
  });

  it('counts a report given twice (./x and x, a hard link, a symlink, a copy) once', async () => {
    const dir = await workspace({ 'r.xml': junit(['pass']) });
    linkSync(join(dir, 'r.xml'), join(dir, 'hard.xml'));
    symlinkSync('r.xml', join(dir, 'soft.xml'));
    copyFileSync(join(dir, 'r.xml'), join(dir, 'copy.xml'));
    const result = await runCli(
      [
        'attest',
        'tests',
        '--artifact',
        D,
        '--suite',
        'unit',
        'r.xml',
        './r.xml',
        'hard.xml',
        'soft.xml',
        '*.xml',
        '--json',
      ],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ tests: 1, passed: 1, files: 1 });
    expect(result.stderr).toContain('./r.xml holds the same bytes as r.xml');
    // The contract asks for two tests in dev: one report given twice is still one test.
    const check = await runCli(['check', 'dev', '--artifact', D], { cwd: dir });
    expect(check.code, check.stdout).toBe(1);
  });

  it('counts a real report attested again with a byte order mark added once, so it cannot meet minTests twice', async () => {
    // pytest 9's own report: 13 test cases, 11 ran (3 passed, 4 failed, 4 errored). The contract asks
    // for 20 that ran and tolerates the failures: only the report counted twice reached 20.
    const contract = THREE_STAGES.replace(
      '{ suite: unit, minTests: 2 }',
      '{ suite: unit, minTests: 20, maxFailed: 20 }',
    );
    const dir = makeWorkspace(contract);
    expect((await runCli(['register', '--digest', D], { cwd: dir })).code).toBe(0);
    const bytes = readFileSync(join(FIXTURES, 'junit-generated', 'pytest-junit.xml'));
    writeFileSync(join(dir, 'a.xml'), bytes);
    writeFileSync(
      join(dir, 'b.xml'),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes, Buffer.from('\n')]),
    );
    const result = await runCli(
      ['attest', 'tests', '--artifact', D, '--suite', 'unit', 'a.xml', 'b.xml', '--json'],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      tests: 13,
      passed: 3,
      failed: 4,
      errored: 4,
      files: 2,
    });
    expect(result.stderr).toContain('13 test case(s) appear in more than one report');
    const check = await runCli(['check', 'dev', '--artifact', D], { cwd: dir });
    expect(check.code, check.stdout).toBe(1);
    expect(check.stdout).toContain('suite unit: 11 tests ran (2 skipped not counted), at least 20 required');
  });

  it('refuses a glob that matches nothing, naming it', async () => {
    const dir = await workspace({});
    const result = await runCli(['attest', 'tests', '--artifact', D, '--suite', 'unit', 'reports/**/*.xml'], {
      cwd: dir,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no file matches reports/**/*.xml');
  });

  it('takes a file whose name looks like a glob literally when it exists', async () => {
    const dir = await workspace({ 'report[1].xml': junit(['pass']) });
    const result = await runCli(
      ['attest', 'tests', '--artifact', D, '--suite', 'unit', 'report[1].xml', '--json'],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).tests).toBe(1);
  });

  it('reads JUnit from standard input with -', async () => {
    const dir = await workspace({});
    const result = await runCli(['attest', 'tests', '--artifact', D, '--suite', 'unit', '-', '--json'], {
      cwd: dir,
      input: junit(['pass', 'pass', 'error']),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ tests: 3, passed: 2, errored: 1 });
  });

  it('reads an SBOM from standard input, and locates a broken one in it', async () => {
    const dir = await workspace({});
    const sbom = readFileSync(join(FIXTURES, 'sbom', 'cyclonedx', 'dropwizard-1.3.15__bom.json'), 'utf8');
    const ok = await runCli(['attest', 'sbom', '--artifact', D, '-', '--json'], { cwd: dir, input: sbom });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).kind).toBe('sbom');
    const bad = await runCli(['attest', 'sbom', '--artifact', D, '-'], {
      cwd: dir,
      input: '{"bomFormat": "CycloneDX",\n  "specVersion": ',
    });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/stdin:2/);
  });

  it('refuses a glob matching several files for a one-file command', async () => {
    const dir = await workspace({ 'a.json': '{}', 'b.json': '{}' });
    const result = await runCli(['attest', 'sbom', '--artifact', D, '*.json'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('*.json matches 2 files (a.json, b.json)');
  });
});
