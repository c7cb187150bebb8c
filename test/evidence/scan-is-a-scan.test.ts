/**
 * `attest scan` records a vulnerability scan only when the document is one (issue 13): a plain
 * SBOM, a SARIF log with no run or no results, or a Trivy report from its secret/misconfiguration
 * scanners would otherwise read as "0 critical" and satisfy `vulnerabilities: {critical: 0}`.
 */
import { describe, expect, it } from 'vitest';
import { normaliseDocument, normalisePredicate } from '../../src/evidence/normalise-evidence.js';
import { tollgateErrorOf } from '../support/builders.js';
import { fixtureText, sampleJson, sampleText } from './scan-helpers.js';

const SHAPES = 'a scan is CycloneDX with a "vulnerabilities" array';

function refusal(text: string, file = 'f.json'): string {
  const error = tollgateErrorOf(() => normaliseDocument(text, file, 'scan'));
  expect(error.code).toBe('EVIDENCE_INVALID');
  return error.message;
}

describe('a scan is a scan', () => {
  it('refuses a cyclonedx-npm SBOM (no "vulnerabilities" key) given to attest scan, saying what a scan is', () => {
    const sbom = fixtureText('sbom/cyclonedx-npm/saxes-project.cdx.json');
    expect(JSON.parse(sbom)).not.toHaveProperty('vulnerabilities');
    const message = refusal(sbom, 'bom.json');
    expect(message).toMatch(
      /^bom\.json: not a vulnerability scan: this CycloneDX document has no "vulnerabilities" key \(it is an SBOM: record it with `attest sbom`\); /,
    );
    expect(message).toContain(SHAPES);
    // The same file is a fine SBOM, and `attest evidence` records it as one, with no scan beside it.
    const asSbom = normaliseDocument(sbom, 'bom.json', 'sbom');
    expect(asSbom.type === 'evidence' && asSbom.data.kind).toBe('sbom');
    const auto = normaliseDocument(sbom, 'bom.json');
    expect(auto.type === 'evidence' && [auto.data.kind, auto.also]).toEqual(['sbom', undefined]);
  });

  it('reads a CycloneDX document with an empty "vulnerabilities" array as a scan that found nothing when it lists what it scanned', () => {
    const bom = JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [{ name: 'openssl', version: '3.0.1' }],
      vulnerabilities: [],
    });
    const scan = normaliseDocument(bom, 'grype.cdx.json', 'scan');
    expect(scan.type === 'evidence' && scan.data).toMatchObject({ kind: 'vulnerabilities', findings: [] });
    // With no components it lists nothing that was scanned: no clean scan (it passed critical 0).
    const nothing = JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [],
      vulnerabilities: [],
    });
    expect(refusal(nothing, 'grype.cdx.json')).toMatch(
      /^grype\.cdx\.json: not a vulnerability scan: this CycloneDX document has an empty "vulnerabilities" list and no components/,
    );
  });

  it('refuses a CycloneDX SBOM inside a cosign vuln attestation', () => {
    const bom = JSON.parse(fixtureText('sbom/cyclonedx/laravel-7.12.0__bom.1.4.json'));
    const predicate = { scanner: { uri: 'pkg:github/x/y', result: bom } };
    const error = tollgateErrorOf(() =>
      normalisePredicate('https://cosign.sigstore.dev/attestation/vuln/v1', predicate, 'att.json', 'scan'),
    );
    expect(error.message).toMatch(
      /not a vulnerability scan: this CycloneDX document has no "vulnerabilities"/,
    );
  });

  it('refuses SARIF with no run, a run with no results, or a failed invocation', () => {
    const run = { tool: { driver: { name: 'Scanner' } } };
    expect(refusal(JSON.stringify({ version: '2.1.0', runs: [] }))).toMatch(
      /^f\.json: not a vulnerability scan: the SARIF log has no run \("runs" is empty\); a scan is/,
    );
    expect(refusal(JSON.stringify({ version: '2.1.0', runs: [run] }))).toMatch(
      /runs\[0\] of Scanner has no "results" array \(the analysis did not complete\)/,
    );
    expect(refusal(JSON.stringify({ version: '2.1.0', runs: [{ ...run, results: null }] }))).toMatch(
      /no "results" array/,
    );
    const failed = { ...run, results: [], invocations: [{ executionSuccessful: false }] };
    expect(refusal(JSON.stringify({ version: '2.1.0', runs: [failed] }))).toMatch(
      /runs\[0\]\.invocations\[0\] of Scanner says executionSuccessful: false/,
    );
    // An empty results array after a successful run is a clean scan (the shared empty-log fixture).
    const clean = normaliseDocument(fixtureText('sarif/empty-log.sarif.json'), 'e.sarif', 'scan');
    expect(clean.type === 'evidence' && clean.data.kind).toBe('vulnerabilities');
  });

  it('refuses a Trivy report without Results, or with secret/misconfiguration results only', () => {
    expect(refusal(JSON.stringify({ SchemaVersion: 2, ArtifactName: 'alpine:3.20' }))).toMatch(
      /the Trivy report has no "Results" \(Trivy found nothing to scan\)/,
    );
    const secrets = {
      SchemaVersion: 2,
      ArtifactName: '.',
      Results: [
        { Target: 'app/.env', Class: 'secret', Secrets: [] },
        { Target: 'Dockerfile', Class: 'config', Misconfigurations: [] },
      ],
    };
    expect(refusal(JSON.stringify(secrets))).toMatch(
      /the Trivy report has results of class secret, config only \(run it with the vuln scanner, `--scanners vuln`\)/,
    );
    // The sample mixes os-pkgs, lang-pkgs and config results: a scan. So is the pre-0.20 bare array.
    for (const name of ['trivy.json', 'trivy-0.19-bare-array.json']) {
      const scan = normaliseDocument(sampleText(name), name, 'scan');
      expect(scan.type === 'evidence' && scan.data.kind).toBe('vulnerabilities');
    }
  });

  it('keeps Grype with no matches as a scan that found nothing, and refuses one without "matches"', () => {
    const grype = sampleJson('grype.json') as Record<string, unknown>;
    const clean = normaliseDocument(
      JSON.stringify({ ...grype, matches: [], ignoredMatches: [] }),
      'g.json',
      'scan',
    );
    expect(clean.type === 'evidence' && clean.data).toMatchObject({ findings: [], suppressed: 0 });
    const { matches: _matches, ...noMatches } = grype;
    expect(tollgateErrorOf(() => normaliseDocument(JSON.stringify(noMatches), 'g.json', 'scan')).code).toBe(
      'EVIDENCE_INVALID',
    );
  });
});
