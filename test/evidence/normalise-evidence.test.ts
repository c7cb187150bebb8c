import { describe, expect, it } from 'vitest';
import { assertEvidenceSize, DEFAULT_MAX_EVIDENCE_BYTES } from '../../src/evidence/json-input.js';
import { normaliseDocument, normalisePredicate } from '../../src/evidence/normalise-evidence.js';
import { tollgateErrorOf } from '../support/builders.js';
import { fixtureText, sampleJson, sampleText } from './scan-helpers.js';

describe('normaliseDocument', () => {
  it('turns each raw format into evidence of its kind, with the format recorded', () => {
    const cases: Array<[string, string, string]> = [
      [fixtureText('sbom/cyclonedx/laravel-7.12.0__bom.1.4.json'), 'cyclonedx', 'sbom'],
      [sampleText('spdx-2.3-package-manager-underscore.spdx.json'), 'spdx', 'sbom'],
      [sampleText('spdx-3.0.1.spdx3.json'), 'spdx', 'sbom'],
      [fixtureText('sarif/simple-example.sarif'), 'sarif', 'vulnerabilities'],
      [sampleText('grype.json'), 'grype', 'vulnerabilities'],
      [sampleText('trivy-0.19-bare-array.json'), 'trivy', 'vulnerabilities'],
      [
        JSON.stringify((sampleJson('slsa-v1.intoto.json') as { predicate: unknown }).predicate),
        'slsa',
        'provenance',
      ],
    ];
    for (const [text, format, kind] of cases) {
      const result = normaliseDocument(text, 'f.json');
      expect(result.type).toBe('evidence');
      if (result.type !== 'evidence') continue;
      expect([result.format, result.data.kind]).toEqual([format, kind]);
    }
  });

  it('reads a CycloneDX VEX (vulnerabilities, no components) as a scan and refuses it as an SBOM', () => {
    const vex = fixtureText('sbom/cyclonedx/VEX__CISA-Use-Cases__Case-2__vex.json');
    const auto = normaliseDocument(vex, 'vex.json');
    expect(auto.type === 'evidence' && auto.data.kind).toBe('vulnerabilities');
    // Recorded as an SBOM it was one of 0 components, which `sbom: required` and every licence rule passed.
    const asSbom = tollgateErrorOf(() => normaliseDocument(vex, 'vex.json', 'sbom'));
    expect(asSbom.code).toBe('EVIDENCE_INVALID');
    expect(asSbom.message).toBe(
      'vex.json: expected an SBOM (CycloneDX or SPDX), found a CycloneDX VEX or VDR: 19 vulnerability statement(s) and no components, so it lists nothing an SBOM gate could judge; record it with `tollgate attest scan`, and the SBOM with `attest sbom`',
    );
    // A plain SBOM has no "vulnerabilities" key: given as a scan, it is refused, never "0 critical".
    const sbomAsScan = tollgateErrorOf(() =>
      normaliseDocument(fixtureText('sbom/cyclonedx/laravel-7.12.0__bom.1.4.json'), 'l.json', 'scan'),
    );
    expect(sbomAsScan.message).toMatch(
      /^l\.json: not a vulnerability scan: this CycloneDX document has no "vulnerabilities" key/,
    );
  });

  it('reads a CycloneDX BOM with components and vulnerabilities (grype -o cyclonedx-json) as SBOM plus scan', () => {
    const bom = JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [
        { 'bom-ref': 'a', name: 'libexpat1', version: '2.5.0-1', purl: 'pkg:deb/debian/libexpat1@2.5.0-1' },
      ],
      vulnerabilities: [
        { id: 'CVE-2024-45490', ratings: [{ severity: 'critical' }], affects: [{ ref: 'a' }] },
      ],
    });
    const both = normaliseDocument(bom, 'grype.cdx.json');
    expect(both.type).toBe('evidence');
    if (both.type !== 'evidence') return;
    expect(both.data.kind).toBe('sbom');
    expect(both.also?.data).toMatchObject({ kind: 'vulnerabilities', counts: { critical: 1 } });
    const sbomOnly = normaliseDocument(bom, 'grype.cdx.json', 'sbom');
    expect(sbomOnly.type === 'evidence' && sbomOnly.also).toBeUndefined();
  });

  it('refuses a document of another kind than the one asked for, naming both', () => {
    const error = tollgateErrorOf(() => normaliseDocument(sampleText('grype.json'), 'grype.json', 'sbom'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toBe('grype.json: expected an SBOM (CycloneDX or SPDX), found Grype JSON');
    expect(tollgateErrorOf(() => normaliseDocument('<testsuite/>', 'r.xml', 'scan')).message).toBe(
      'r.xml: expected a vulnerability scan (SARIF, Grype, Trivy or CycloneDX VEX/VDR), found JUnit XML',
    );
  });

  it('passes statements, envelopes and bundles back for src/trust to unwrap, and JUnit to the tests parser', () => {
    const wrapped = normaliseDocument(sampleText('slsa-v0.2.intoto.json'), 's.json', 'provenance');
    expect(wrapped.type).toBe('wrapped');
    expect(wrapped.format).toBe('in-toto');
    expect(normaliseDocument('<testsuites/>', 'r.xml')).toEqual({ type: 'junit', format: 'junit' });
  });

  it('refuses a document over the size limit before parsing it', () => {
    const error = tollgateErrorOf(() =>
      normaliseDocument('{"bomFormat":"CycloneDX"}', 'big.json', 'sbom', { maxBytes: 10 }),
    );
    expect(error.code).toBe('EVIDENCE_TOO_LARGE');
    expect(error.message).toBe(
      'big.json: evidence file is 25 bytes, over the limit of 10 bytes; raise the limit (--max-evidence-bytes, where the command has it) or split the file',
    );
  });
});

describe('assertEvidenceSize', () => {
  it('accepts up to the 256 MiB default and refuses one byte more', () => {
    expect(() => assertEvidenceSize(DEFAULT_MAX_EVIDENCE_BYTES, 'a')).not.toThrow();
    const error = tollgateErrorOf(() => assertEvidenceSize(DEFAULT_MAX_EVIDENCE_BYTES + 1, 'huge.json'));
    expect(error.code).toBe('EVIDENCE_TOO_LARGE');
    expect(error.message).toContain(
      'huge.json: evidence file is 256.0 MiB (268435457 bytes), over the limit of 256.0 MiB',
    );
  });
});

describe('normalisePredicate', () => {
  it('reads SLSA v1 and v0.2, in-toto vulns, CycloneDX and SPDX predicates', () => {
    const v1 = sampleJson('slsa-v1.intoto.json') as { predicateType: string; predicate: unknown };
    expect(normalisePredicate(v1.predicateType, v1.predicate, 'p')?.data.kind).toBe('provenance');
    const v02 = sampleJson('slsa-v0.2.intoto.json') as { predicateType: string; predicate: unknown };
    expect(normalisePredicate(v02.predicateType, v02.predicate, 'p')).toMatchObject({ format: 'slsa' });
    const vulns = sampleJson('vulns-v0.2.intoto.json') as { predicateType: string; predicate: unknown };
    expect(normalisePredicate(vulns.predicateType, vulns.predicate, 'p')).toMatchObject({
      format: 'in-toto-vulns',
      data: { kind: 'vulnerabilities', counts: { critical: 1, high: 1, medium: 1, low: 0, unknown: 1 } },
    });
    const bom = JSON.parse(fixtureText('sbom/cyclonedx/cern-lhc-vdm-editor-e564943__bom.json'));
    expect(normalisePredicate('https://cyclonedx.org/bom', bom, 'p')).toMatchObject({
      format: 'cyclonedx',
      data: { kind: 'sbom', counts: { components: 43 } },
    });
    expect(normalisePredicate('https://cyclonedx.org/bom/v1.4', bom, 'p')?.format).toBe('cyclonedx');
    const spdx = sampleJson('spdx-2.3-package-manager-hyphen.spdx.json');
    expect(normalisePredicate('https://spdx.dev/Document/v2.3', spdx, 'p')).toMatchObject({
      format: 'spdx',
      data: { kind: 'sbom', counts: { components: 5 } },
    });
  });

  it('reads a CycloneDX predicate holding a VEX as a scan, refused where an SBOM is asked for', () => {
    const vex = JSON.parse(fixtureText('sbom/cyclonedx/VEX__CISA-Use-Cases__Case-2__vex.json'));
    expect(normalisePredicate('https://cyclonedx.org/bom', vex, 'p')).toMatchObject({
      format: 'cyclonedx',
      data: { kind: 'vulnerabilities', suppressed: 19 },
    });
    const error = tollgateErrorOf(() =>
      normalisePredicate('https://cyclonedx.org/bom', vex, 'vex.intoto.json', 'sbom'),
    );
    expect(error.message).toBe(
      'vex.intoto.json: expected an SBOM (CycloneDX or SPDX), found a statement with predicate type https://cyclonedx.org/bom holding a CycloneDX VEX or VDR (vulnerabilities and no components), read as a scan',
    );
  });

  it("reads cosign's vuln predicate by sniffing the scanner result inside it", () => {
    const predicate = {
      invocation: { uri: '', event_id: '', 'builder.id': '' },
      scanner: {
        uri: 'pkg:github/aquasecurity/trivy@v0.57.1',
        version: '0.57.1',
        result: sampleJson('trivy.json'),
      },
      metadata: { scanStartedOn: '2026-11-24T09:20:00Z', scanFinishedOn: '2026-11-24T09:20:11Z' },
    };
    expect(
      normalisePredicate('https://cosign.sigstore.dev/attestation/vuln/v1', predicate, 'p'),
    ).toMatchObject({
      format: 'trivy',
      data: { kind: 'vulnerabilities', counts: { critical: 1, high: 2 } },
    });
  });

  it('returns undefined for predicate types it does not read (stored as opaque), and refuses the wrong kind', () => {
    expect(normalisePredicate('https://in-toto.io/attestation/test-result/v0.1', {}, 'p')).toBeUndefined();
    const v1 = sampleJson('slsa-v1.intoto.json') as { predicateType: string; predicate: unknown };
    expect(
      tollgateErrorOf(() => normalisePredicate(v1.predicateType, v1.predicate, 'p.json', 'sbom')).message,
    ).toBe(
      'p.json: expected an SBOM (CycloneDX or SPDX), found a statement with predicate type https://slsa.dev/provenance/v1',
    );
  });
});
