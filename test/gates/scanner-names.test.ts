import { describe, expect, it } from 'vitest';
import { vulnerabilitiesRequirement } from '../../src/contract/requires/vulnerabilities.js';
import { normaliseDocument } from '../../src/evidence/normalise-evidence.js';
import { evaluateVulnerabilities, scannerNames } from '../../src/gates/vulnerabilities-gate.js';
import { fixtureText } from '../evidence/scan-helpers.js';
import { scan } from '../support/builders.js';

const req = (r: unknown) => vulnerabilitiesRequirement.parse(r);
const NOW = new Date('2026-11-26T12:00:00Z');

/** A scan record as `attest scan` makes it from a real report under test/fixtures/. */
function recorded(path: string, file = path.split('/').at(-1) ?? path) {
  const parsed = normaliseDocument(fixtureText(path), file, 'scan');
  if (parsed.type !== 'evidence' || parsed.data.kind !== 'vulnerabilities') throw new Error('not a scan');
  return scan([], { data: parsed.data, format: parsed.format });
}

/** ESLint's SARIF from the SARIF tutorials (test/fixtures/SOURCES.md): a lint report, no scan. */
const eslint = () => recorded('sarif/simple-example.sarif');
const trivySarif = () =>
  recorded('scans/trivy/integration__testdata__alpine-310.sarif.golden', 'trivy.sarif');

describe('vulnerabilities gate: which scanners count', () => {
  it('fails an ESLint SARIF as the only scan when the contract names trivy, saying why', () => {
    const result = evaluateVulnerabilities(req({ critical: 0, scanners: ['trivy'] }), [eslint()], NOW);
    expect(result.status).toBe('fail');
    expect(result.summary).toBe('no scan by trivy for this digest');
    expect(result.required.map((r) => r.text)).toEqual([
      'a vulnerability scan by trivy (the scanners the contract names) for this digest: `tollgate attest scan --artifact DIGEST FILE`',
    ]);
    expect(result.risks.map((r) => r.text)).toEqual([
      "ESLint's SARIF scan is not from a scanner the contract names (trivy): its 1 finding(s) are not counted",
    ]);
    expect(result.validated).toEqual([]);
  });

  it('passes a clean Trivy scan under the same contract, the ESLint SARIF beside it not counted', () => {
    const trivy = scan([], {}, 'trivy');
    const alone = evaluateVulnerabilities(req({ critical: 0, scanners: ['trivy'] }), [trivy], NOW);
    expect(alone.status).toBe('pass');
    expect(alone.risks).toEqual([]);
    const lint = eslint();
    const both = evaluateVulnerabilities(req({ critical: 0, scanners: ['trivy'] }), [lint, trivy], NOW);
    expect(both.status).toBe('pass');
    expect(both.validated.map((v) => v.evidence)).toEqual([[trivy.id], [trivy.id]]);
    expect(both.risks.map((r) => r.evidence)).toEqual([[lint.id]]);
  });

  it('matches names case-insensitively: a real Trivy SARIF (driver Trivy) counts under TRIVY', () => {
    const record = trivySarif();
    expect(record.data.kind === 'vulnerabilities' && record.data.scanner).toBe('Trivy');
    const result = evaluateVulnerabilities(req({ scanners: ['TRIVY'] }), [record], NOW);
    expect(result.status).toBe('pass');
    expect(result.validated[0]?.text).toMatch(/^scan by Trivy /);
    expect(result.risks.some((r) => r.text.includes('not from a scanner'))).toBe(false);
  });

  it('does not let a CodeQL or Semgrep code scan stand in for an image scan by grype or trivy', () => {
    const codeScan = (driver: string) => scan([], { format: 'sarif' }, driver);
    const result = evaluateVulnerabilities(
      req({ critical: 0, scanners: ['grype', 'trivy'] }),
      [codeScan('CodeQL'), codeScan('Semgrep OSS')],
      NOW,
    );
    expect(result.status).toBe('fail');
    expect(result.required[0]?.text).toBe(
      'a vulnerability scan by one of grype, trivy (the scanners the contract names) for this digest: `tollgate attest scan --artifact DIGEST FILE`',
    );
    expect(result.risks.map((r) => r.text)).toEqual([
      "CodeQL's SARIF scan is not from a scanner the contract names (grype, trivy): its 0 finding(s) are not counted",
      "Semgrep OSS's SARIF scan is not from a scanner the contract names (grype, trivy): its 0 finding(s) are not counted",
    ]);
  });

  it('reads the names a record gives: SARIF runs joined, a CycloneDX tool version dropped', () => {
    expect(scannerNames('ESLint, Trivy')).toEqual(['eslint', 'trivy']);
    expect(scannerNames('trivy 0.50.0')).toEqual(['trivy']);
    expect(scannerNames('Snyk Open Source')).toEqual(['snyk open source']);
    expect(scannerNames('osv-scanner')).toEqual(['osv-scanner']);
    const cyclonedx = scan([], { format: 'cyclonedx' }, 'grype v0.79.1');
    expect(evaluateVulnerabilities(req({ scanners: ['Grype'] }), [cyclonedx], NOW).status).toBe('pass');
  });

  it('refuses an empty scanners list or an empty name in the contract', () => {
    expect(vulnerabilitiesRequirement.safeParse({ scanners: [] }).success).toBe(false);
    expect(vulnerabilitiesRequirement.safeParse({ scanners: [' '] }).success).toBe(false);
  });
});

describe('vulnerabilities gate: which tool a counted scan came from, without a scanners list', () => {
  it('passes an ESLint SARIF as before but names ESLint under remaining risk as no known scanner', () => {
    const lint = eslint();
    const result = evaluateVulnerabilities(req({ critical: 0 }), [lint], NOW);
    expect(result.status).toBe('pass');
    expect(result.risks.map((r) => r.text)).toContain(
      'scan by ESLint counted as a vulnerability scan, but eslint is not a vulnerability scanner Tollgate knows (a linter or code scanner finds no vulnerable packages); name the scanners that count with `scanners: [trivy, grype]`',
    );
  });

  it('says nothing of the tool for known scanners: Trivy, Grype, Snyk Open Source, osv-scanner', () => {
    for (const name of ['Trivy', 'grype', 'Snyk Open Source', 'osv-scanner']) {
      const result = evaluateVulnerabilities(
        req({ critical: 0 }),
        [scan([], { format: 'sarif' }, name)],
        NOW,
      );
      expect(result.risks).toEqual([]);
    }
  });
});
