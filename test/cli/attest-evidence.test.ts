import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stagingYaml } from '../support/builders.js';
import { copyFixture, makeWorkspace, ROOT, runCli } from '../support/cli.js';

const DIGEST = `sha256:${'2f1ab0f1c0e4a6c1d8d4e2e0b1f6f2d4a9e1c3b5d7f9a1c3e5b7d9f1a3c5e7b9'}`;
const COMMIT = '9f3c2a1b4d5e6f708192a3b4c5d6e7f8091a2b3c';
const CONTRACT = stagingYaml(
  `      sbom: { denyLicenses: [AGPL-3.0-only], bannedComponents: ["pkg:npm/event-stream@3.3.6"] }
      vulnerabilities:
        critical: 0
        high: 1
        allow: [{ id: CVE-2021-44228, reason: JNDI lookups disabled, until: 2027-01-31 }]
      provenance: { builderId: "https://github.com/slsa-framework/*", sourceRepository: "github.com/example-shop/*", commitMatchesLabel: true }`,
  'artifact: { type: oci }',
);

function sample(dir: string, name: string): string {
  const target = join(dir, name);
  const text = readFileSync(join(ROOT, 'test', 'evidence', 'samples', name), 'utf8');
  writeFileSync(target, text);
  return target;
}

describe('tollgate attest sbom|scan|provenance|evidence (built CLI)', () => {
  it('records each kind, refuses the wrong kind, and check reads them in one decision', async () => {
    const dir = makeWorkspace(CONTRACT);
    // Recording runs on the real clock; the decision is asked at a fixed time (a "what if"), so the
    // allowance's expiry date does not age the test.
    const run = (args: string[]) =>
      runCli(args[0] === 'check' ? [...args, '--now', '2026-11-26T12:00:00Z'] : args, { cwd: dir });
    expect((await run(['register', '--digest', DIGEST, '--label', `commit=${COMMIT}`])).code).toBe(0);

    const sbom = await run(['attest', 'sbom', '--artifact', DIGEST, sample(dir, 'cyclonedx-1.5.cdx.json')]);
    expect(sbom.code).toBe(0);
    expect(sbom.stdout).toBe(
      'recorded SBOM (CycloneDX 1.5, cdxgen 10.10.0): 6 components, 5 with SPDX licences, 6 with package URLs\n',
    );

    const scan = await run(['attest', 'scan', '--artifact', DIGEST, '--json', sample(dir, 'grype.json')]);
    expect(scan.code).toBe(0);
    expect(JSON.parse(scan.stdout)).toMatchObject({
      stored: true,
      kind: 'vulnerabilities',
      format: 'grype',
      wrapper: null,
      data: { counts: { critical: 1, high: 1, medium: 1, low: 1, unknown: 1 }, suppressed: 1 },
    });

    const provenance = await run([
      'attest',
      'provenance',
      '--artifact',
      DIGEST,
      sample(dir, 'slsa-v1.intoto.json'),
    ]);
    expect(provenance.code).toBe(0);
    expect(provenance.stdout).toContain(`from https://github.com/example-shop/checkout@${COMMIT}`);

    const sarif = await run([
      'attest',
      'evidence',
      '--artifact',
      DIGEST,
      copyFixture(dir, 'sarif/Suppressions.sarif'),
    ]);
    expect(sarif.stdout).toContain(
      '0 critical, 0 high, 6 medium, 0 low, 0 unknown; 3 suppressed in the report',
    );

    const wrong = await run(['attest', 'sbom', '--artifact', DIGEST, join(dir, 'grype.json')]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toBe(
      `tollgate: ${join(dir, 'grype.json')}: expected an SBOM (CycloneDX or SPDX), found Grype JSON\n`,
    );

    const again = await run(['attest', 'sbom', '--artifact', DIGEST, join(dir, 'cyclonedx-1.5.cdx.json')]);
    expect(again.stdout).toContain('(already recorded: identical evidence)');

    const check = await run(['check', 'staging', '--artifact', DIGEST, '--json']);
    expect(check.code).toBe(1);
    const decision = JSON.parse(check.stdout);
    const status = Object.fromEntries(
      decision.gates.map((g: { gate: string; status: string }) => [g.gate, g.status]),
    );
    expect(status).toEqual({ sbom: 'fail', vulnerabilities: 'pass', provenance: 'pass' });
    expect(decision.required.map((r: { text: string }) => r.text)).toEqual([
      'banned component pkg:npm/event-stream@3.3.6 (matches pkg:npm/event-stream@3.3.6); remove or replace it',
    ]);
    expect(decision.risks.map((r: { text: string }) => r.text)).toContain(
      'GHSA-jfh8-c2jp-5v3q in log4j-core@2.14.1 (fixed in 2.15.0) (critical) allowed until 2027-01-31: JNDI lookups disabled',
    );
  });

  it('records a BOM with vulnerabilities twice over; refuses another digest, malformed JSON and oversize files', async () => {
    const dir = makeWorkspace(CONTRACT);
    const other = `sha256:${'d'.repeat(64)}`;
    const run = (args: string[]) => runCli(args, { cwd: dir });
    expect((await run(['register', '--digest', other])).code).toBe(0);
    const both = await run([
      'attest',
      'evidence',
      '--artifact',
      other,
      '--json',
      join(ROOT, 'examples', 'checkout', 'reports', 'grype-1.5.0.cdx.json'),
    ]);
    expect(both.code).toBe(0);
    expect(JSON.parse(both.stdout).map((r: { kind: string; format: string }) => [r.kind, r.format])).toEqual([
      ['sbom', 'cyclonedx'],
      ['vulnerabilities', 'cyclonedx'],
    ]);

    const mismatch = await run([
      'attest',
      'provenance',
      '--artifact',
      other,
      sample(dir, 'slsa-v1.intoto.json'),
    ]);
    expect(mismatch.code).toBe(3);
    expect(mismatch.stderr).toContain(other);
    writeFileSync(join(dir, 'broken.json'), '{\n  "matches": [\n    {"vulnerability": }\n  ]\n}\n');
    const broken = await run(['attest', 'scan', '--artifact', other, join(dir, 'broken.json')]);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toMatch(/broken\.json:3:23: malformed JSON: /);
    const big = await run([
      'attest',
      'sbom',
      '--artifact',
      other,
      '--max-evidence-bytes',
      '1K',
      sample(dir, 'cyclonedx-1.6.cdx.json'),
    ]);
    expect(big.code).toBe(3);
    expect(big.stderr).toContain('cyclonedx-1.6.cdx.json: evidence file is');
    expect(big.stderr).toContain('over the limit of 1024 bytes');
    const check = await run(['check', 'staging', '--artifact', other, '--json']);
    const gates = JSON.parse(check.stdout).gates.map((g: { gate: string; status: string }) => g.status);
    // Only the grype CycloneDX (SBOM + scan) was stored: no provenance, and its critical is not allowed here.
    expect(gates).toEqual(['pass', 'fail', 'fail']);
  });
});

describe('attest scan refuses what is not a scan, and JSON that says two things (built CLI)', () => {
  it('exits 3 for a cyclonedx-npm SBOM and for SARIF with "results" twice, and records neither', async () => {
    const dir = makeWorkspace(CONTRACT);
    const run = (args: string[]) => runCli(args, { cwd: dir });
    expect((await run(['register', '--digest', DIGEST])).code).toBe(0);
    const sbom = copyFixture(dir, 'sbom/cyclonedx-npm/saxes-project.cdx.json', 'bom.json');
    const asScan = await run(['attest', 'scan', '--artifact', DIGEST, sbom]);
    expect(asScan.code).toBe(3);
    expect(asScan.stderr).toMatch(
      /^tollgate: .*bom\.json: not a vulnerability scan: this CycloneDX document has no "vulnerabilities" key .*; a scan is CycloneDX with a "vulnerabilities" array/,
    );
    writeFileSync(
      join(dir, 'twice.sarif'),
      `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "s"}},
  "results": [{"ruleId": "CVE-1", "level": "error", "message": {"text": "x"}, "properties": {"security-severity": "9.8"}}],
  "results": []}]}`,
    );
    const twice = await run(['attest', 'scan', '--artifact', DIGEST, join(dir, 'twice.sarif')]);
    expect(twice.code).toBe(3);
    expect(twice.stderr).toContain('twice.sarif:3:3: duplicate key "results"');
    const check = await run(['check', 'staging', '--artifact', DIGEST, '--json']);
    const gates = JSON.parse(check.stdout).gates as Array<{ gate: string; status: string }>;
    // Nothing was recorded: the vulnerabilities gate still has no scan to judge.
    expect(gates.find((g) => g.gate === 'vulnerabilities')?.status).toBe('fail');
  });
});

describe("attest scan on Trivy's own outputs (built CLI)", () => {
  it('refuses a Trivy SBOM-only CycloneDX and a secrets-only report, records a Trivy JSON scan with its suppressed finding named', async () => {
    const dir = makeWorkspace(CONTRACT);
    const run = (args: string[]) => runCli(args, { cwd: dir });
    expect((await run(['register', '--digest', DIGEST])).code).toBe(0);
    const cdx = copyFixture(
      dir,
      'scans/trivy/integration__testdata__conda-cyclonedx.json.golden',
      'conda.cdx.json',
    );
    const sbomOnly = await run(['attest', 'scan', '--artifact', DIGEST, cdx]);
    expect(sbomOnly.code).toBe(3);
    expect(sbomOnly.stderr).toMatch(
      /conda\.cdx\.json: not a vulnerability scan: this CycloneDX document from Trivy has an empty "vulnerabilities" list/,
    );
    // The same file is recorded as an SBOM, with no scan beside it.
    const asEvidence = await run(['attest', 'evidence', '--artifact', DIGEST, '--json', cdx]);
    expect(asEvidence.code).toBe(0);
    expect((JSON.parse(asEvidence.stdout) as Array<{ kind: string }>).map((r) => r.kind)).toEqual(['sbom']);
    const secrets = copyFixture(
      dir,
      'scans/trivy/integration__testdata__secrets.json.golden',
      'secrets.json',
    );
    const secretOnly = await run(['attest', 'scan', '--artifact', DIGEST, secrets]);
    expect(secretOnly.code).toBe(3);
    expect(secretOnly.stderr).toContain('they report 2 secret(s), not recorded');
    let check = await run(['check', 'staging', '--artifact', DIGEST, '--json']);
    let gates = JSON.parse(check.stdout).gates as Array<{ gate: string; status: string }>;
    expect(gates.find((g) => g.gate === 'vulnerabilities')?.status).toBe('fail');

    const npm = copyFixture(
      dir,
      'scans/trivy/integration__testdata__fixtures__convert__npm-with-suppressed.json.golden',
      'npm.json',
    );
    const scan = await run(['attest', 'scan', '--artifact', DIGEST, npm]);
    expect(scan.code).toBe(0);
    expect(scan.stdout).toContain(
      '0 critical, 1 high, 0 medium, 0 low, 0 unknown; 1 suppressed in the report',
    );
    check = await run(['check', 'staging', '--artifact', DIGEST, '--json']);
    const decision = JSON.parse(check.stdout) as {
      gates: Array<{ gate: string; status: string }>;
      risks: Array<{ text: string }>;
    };
    gates = decision.gates;
    expect(gates.find((g) => g.gate === 'vulnerabilities')?.status).toBe('pass');
    expect(decision.risks.map((r) => r.text)).toContain(
      '1 finding(s) suppressed in the trivy report itself (VEX, ignore rules or suppressions) are counted, as the contract does not honour report-side suppressions (reportSuppressions: honour would): CVE-2017-16137 (low) in debug@3.0.1: not_affected: vulnerable_code_not_in_execute_path (./vex.json)',
    );
  });
});

describe('attest sbom reads CycloneDX XML (built CLI)', () => {
  it('records the XML SBOM a Maven or PHP build writes, the sbom gate judges it, and a truncated one is refused', async () => {
    const dir = makeWorkspace(CONTRACT.replace('AGPL-3.0-only', 'BSD-3-Clause'));
    const run = (args: string[]) => runCli(args, { cwd: dir });
    expect((await run(['register', '--digest', DIGEST])).code).toBe(0);
    const xml = copyFixture(dir, 'sbom/cyclonedx/laravel-7.12.0__bom.1.4.xml', 'bom.xml');
    const recorded = await run(['attest', 'sbom', '--artifact', DIGEST, xml]);
    expect(recorded.stderr).toBe('');
    expect(recorded.stdout).toMatch(
      /^recorded SBOM \(CycloneDX 1\.4, cyclonedx-php-composer in-dev\): 62 components, /,
    );
    const check = await run(['check', 'staging', '--artifact', DIGEST, '--json']);
    const sbomGate = (
      JSON.parse(check.stdout).gates as Array<{ gate: string; status: string; summary: string }>
    ).find((g) => g.gate === 'sbom');
    // laravel ships four BSD-3-Clause components: the gate finds the denied licence in the XML,
    // with the same verdict and words as for the JSON of the same build.
    expect(sbomGate?.status).toBe('fail');
    expect(sbomGate?.summary).toBe('4 SBOM policy violation(s) in 62 component(s)');
    const twin = makeWorkspace(CONTRACT.replace('AGPL-3.0-only', 'BSD-3-Clause'));
    expect((await runCli(['register', '--digest', DIGEST], { cwd: twin })).code).toBe(0);
    const json = copyFixture(twin, 'sbom/cyclonedx/laravel-7.12.0__bom.1.4.json', 'bom.json');
    expect((await runCli(['attest', 'sbom', '--artifact', DIGEST, json], { cwd: twin })).code).toBe(0);
    const twinCheck = await runCli(['check', 'staging', '--artifact', DIGEST, '--json'], { cwd: twin });
    const twinGate = (JSON.parse(twinCheck.stdout).gates as Array<{ gate: string }>).find(
      (g) => g.gate === 'sbom',
    );
    // The same findings and words; only the evidence ids (each the digest of its own file) and the
    // times they were recorded differ.
    const withoutIds = (gate: unknown) =>
      JSON.stringify(gate)
        .replace(/sha256:[0-9a-f]{64}/g, 'ID')
        .replace(/recorded [0-9T:.-]+Z/g, 'recorded AT');
    expect(withoutIds(sbomGate)).toBe(withoutIds(twinGate));
    expect(withoutIds(sbomGate)).toContain('league/commonmark@1.6.7 is licensed BSD-3-Clause');

    writeFileSync(join(dir, 'cut.xml'), readFileSync(xml, 'utf8').slice(0, 2000));
    const cut = await run(['attest', 'sbom', '--artifact', DIGEST, join(dir, 'cut.xml')]);
    expect(cut.code).toBe(3);
    expect(cut.stderr).toMatch(
      /cut\.xml:\d+:\d+: the file ends while <\w+> is still open; expected a complete CycloneDX XML document/,
    );
  });
});

describe('attest sbom reads SPDX tag-value (built CLI)', () => {
  it("records the spec's tag-value example as its JSON twin would be recorded", async () => {
    const dir = makeWorkspace(CONTRACT);
    const run = (args: string[]) => runCli(args, { cwd: dir });
    expect((await run(['register', '--digest', DIGEST])).code).toBe(0);
    const tagValue = copyFixture(dir, 'sbom/spdx/examples__SPDXTagExample-v2.3.spdx', 'sbom.spdx');
    const recorded = await run(['attest', 'sbom', '--artifact', DIGEST, '--json', tagValue]);
    expect(recorded.stderr).toBe('');
    expect(JSON.parse(recorded.stdout)).toMatchObject({
      stored: true,
      kind: 'sbom',
      format: 'spdx',
      data: {
        specVersion: 'SPDX-2.3',
        tool: 'LicenseFind-1.0',
        subject: { name: 'glibc' },
        counts: { components: 3 },
      },
    });
  });
});

describe('attest tests with repeated test cases (built CLI)', () => {
  it('counts every test case, records the merged view, and the contract decides which the gate reads', async () => {
    const contract = (reruns: boolean) => stagingYaml(`      tests: [{ suite: e2e, reruns: ${reruns} }]`);
    const dir = makeWorkspace(contract(false));
    const run = (args: string[]) => runCli(args, { cwd: dir });
    expect((await run(['register', '--digest', DIGEST])).code).toBe(0);
    const report = copyFixture(dir, 'junit-runners/gotestsum-rerun-fails.xml');
    const attest = await run(['attest', 'tests', '--artifact', DIGEST, '--suite', 'e2e', report]);
    expect(attest.code).toBe(0);
    expect(attest.stdout).toBe(
      'recorded suite e2e: 5 tests, 3 passed, 1 failed, 0 errored, 1 skipped\n' +
        '  failed: example.com/shop/cart.TestCheckoutRace\n' +
        "  1 test case(s) repeat an earlier one's name; merged as reruns (as a suite declared reruns: true reads them): 4 tests, 3 passed (1 flaky), 0 failed, 0 errored, 1 skipped\n",
    );
    const strict = await run(['check', 'staging', '--artifact', DIGEST]);
    expect(strict.code).toBe(1);
    writeFileSync(join(dir, 'tollgate.yaml'), contract(true));
    const retried = await run(['check', 'staging', '--artifact', DIGEST, '--json']);
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.stdout).risks.map((r: { text: string }) => r.text)).toContain(
      'suite e2e: 1 test(s) passed only on rerun (flaky; no maxFlaky set)',
    );
  });
});

describe('evidence files written by Windows tools (built CLI)', () => {
  it('reads JSON in UTF-16 with a byte order mark, as PowerShell 5 redirects it, and UTF-8 with one', async () => {
    const dir = makeWorkspace(CONTRACT);
    const run = (args: string[]) => runCli(args, { cwd: dir });
    expect((await run(['register', '--digest', DIGEST])).code).toBe(0);
    const text = readFileSync(join(ROOT, 'test', 'evidence', 'samples', 'grype.json'), 'utf8');
    const encodings: Record<string, Buffer> = {
      'utf16le.json': Buffer.from(`\ufeff${text}`, 'utf16le'),
      'utf16be.json': Buffer.from(`\ufeff${text}`, 'utf16le').swap16(),
      'utf8-bom.json': Buffer.from(`\ufeff${text}`, 'utf8'),
    };
    for (const [name, bytes] of Object.entries(encodings)) {
      writeFileSync(join(dir, name), bytes);
      const scan = await run(['attest', 'scan', '--artifact', DIGEST, '--json', join(dir, name)]);
      expect(scan.code, `${name}: ${scan.stderr}`).toBe(0);
      expect(JSON.parse(scan.stdout), name).toMatchObject({
        format: 'grype',
        data: { counts: { critical: 1, high: 1, medium: 1, low: 1, unknown: 1 }, suppressed: 1 },
      });
    }
  });
});

describe('signed SBOM and scan statements (built CLI)', () => {
  it('attest sbom reads a DSSE-signed CycloneDX statement, records its signer, and signedBy accepts it', async () => {
    const keys = join(ROOT, 'examples', 'checkout', 'keys');
    const dir = makeWorkspace(
      `version: 1
pipeline: shop
artifact: { type: oci }
trust:
  keys: { ci: ${join(keys, 'ci.pub')} }
stages:
  staging:
    purpose: release candidate
    requires:
      signedBy: { by: [ci], kinds: [sbom, vulnerabilities] }
      sbom: required
      vulnerabilities: { critical: 0 }
`,
    );
    const run = (args: string[]) => runCli(args, { cwd: dir });
    expect((await run(['register', '--digest', DIGEST])).code).toBe(0);
    const statement = (predicateType: string, predicate: unknown) =>
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: 'checkout', digest: { sha256: DIGEST.slice('sha256:'.length) } }],
        predicateType,
        predicate,
      });
    const bom = JSON.parse(
      readFileSync(join(ROOT, 'test', 'evidence', 'samples', 'cyclonedx-1.6.cdx.json'), 'utf8'),
    );
    writeFileSync(join(dir, 'sbom.intoto.json'), statement('https://cyclonedx.org/bom', bom));
    const vulns = JSON.parse(
      readFileSync(join(ROOT, 'test', 'evidence', 'samples', 'vulns-v0.2.intoto.json'), 'utf8'),
    );
    writeFileSync(join(dir, 'vulns.intoto.json'), statement(vulns.predicateType, vulns.predicate));

    for (const name of ['sbom', 'vulns']) {
      const signed = await run([
        'sign',
        '--key',
        join(keys, 'ci.key'),
        '--output',
        `${name}.dsse.json`,
        `${name}.intoto.json`,
      ]);
      expect(signed.code, signed.stderr).toBe(0);
    }
    const sbom = await run(['attest', 'sbom', '--artifact', DIGEST, '--json', 'sbom.dsse.json']);
    expect(sbom.code, sbom.stderr).toBe(0);
    expect(JSON.parse(sbom.stdout)).toMatchObject({
      kind: 'sbom',
      format: 'cyclonedx',
      wrapper: 'dsse',
      signer: { name: 'ci' },
    });

    // The vulns statement read as a scan; asked for as an SBOM it is refused.
    const wrongKind = await run(['attest', 'sbom', '--artifact', DIGEST, 'vulns.dsse.json']);
    expect(wrongKind.code).toBe(3);
    const scan = await run(['attest', 'scan', '--artifact', DIGEST, 'vulns.dsse.json']);
    expect(scan.stdout).toBe(
      'recorded vulnerability scan (trivy 0.57.1, in-toto-vulns): 1 critical, 1 high, 1 medium, 0 low, 1 unknown, signed by ci\n',
    );

    const check = await run(['check', 'staging', '--artifact', DIGEST, '--json']);
    const decision = JSON.parse(check.stdout);
    const status = Object.fromEntries(
      decision.gates.map((g: { gate: string; status: string }) => [g.gate, g.status]),
    );
    expect(status).toEqual({ signedBy: 'pass', sbom: 'pass', vulnerabilities: 'fail' });
    expect(decision.required.map((r: { text: string }) => r.text)).toEqual([
      '1 critical finding(s), at most 0 allowed: CVE-2024-45490',
    ]);
  });

  it('records a Trivy scan that names another image, and check lists that as remaining risk', async () => {
    const dir = makeWorkspace(`version: 1
pipeline: shop
artifact: { type: oci }
stages:
  staging:
    purpose: release candidate
    requires:
      vulnerabilities: { critical: 100, high: 100 }
`);
    const run = (args: string[]) => runCli(args, { cwd: dir });
    const digest = `sha256:${'e'.repeat(64)}`;
    expect((await run(['register', '--digest', digest])).code).toBe(0);
    // trivy pkg/report/testdata/new.json.golden: RepoDigests test@sha256:0bd0e9e03a02…, ImageID sha256:5c534be56eca…
    const file = copyFixture(dir, 'scans/trivy/pkg__report__testdata__new.json.golden', 'trivy.json');
    const scan = await run(['attest', 'scan', '--artifact', digest, '--json', file]);
    expect(scan.code).toBe(0);
    expect(JSON.parse(scan.stdout).data).toMatchObject({
      describes: [
        'sha256:0bd0e9e03a022c3b0226667621da84fc9bf562a9056130424b5bfbd8bcb0397f',
        'sha256:5c534be56eca62e756ef2ef51523feda0f19cd7c15bb0c015e3d6e3ae090bf6e',
      ],
      imageIds: ['sha256:5c534be56eca62e756ef2ef51523feda0f19cd7c15bb0c015e3d6e3ae090bf6e'],
    });

    const check = await run(['check', 'staging', '--artifact', digest]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain(
      `scan from trivy names image sha256:0bd0e9e03a022c3b0226667621da84fc9bf562a9056130424b5bfbd8bcb0397f, not this artifact's ${digest}: it may describe another build (a multi-platform image registered by its index names its platforms' manifests)`,
    );
    const explain = await run(['explain', digest]);
    expect(explain.stdout).toContain(
      '; names image sha256:0bd0e9e03a022c3b0226667621da84fc9bf562a9056130424b5bfbd8bcb0397f, sha256:5c534be56eca62e756ef2ef51523feda0f19cd7c15bb0c015e3d6e3ae090bf6e',
    );
  });
});
