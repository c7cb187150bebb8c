/**
 * A key named twice in one JSON object is refused in every JSON evidence input, at the second
 * occurrence's line and column: with JSON.parse the last value wins silently, so
 * `"results": [critical…], "results": []` would read as a clean scan (issue 13).
 */
import { describe, expect, it } from 'vitest';
import { normaliseDocument } from '../../src/evidence/normalise-evidence.js';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../../src/trust/dsse.js';
import { loadPrivateKey, loadPublicKey } from '../../src/trust/keys.js';
import { signStatement } from '../../src/trust/sign.js';
import { readSignedInputBytes } from '../../src/trust/signed-input.js';
import { tollgateErrorOf } from '../support/builders.js';
import { DIGEST_A, pemKeyPair, statementAbout } from '../trust/helpers.js';
import { fixtureText } from './scan-helpers.js';

const CRITICAL_RESULT = `{ "ruleId": "CVE-1", "level": "error", "message": { "text": "x" },
        "properties": { "security-severity": "9.8" } }`;

describe('duplicate JSON keys in evidence', () => {
  it('refuses SARIF whose run names "results" twice, at the second one', () => {
    const sarif = `{
  "version": "2.1.0",
  "runs": [
    {
      "tool": { "driver": { "name": "scanner" } },
      "results": [${CRITICAL_RESULT}],
      "results": []
    }
  ]
}`;
    const error = tollgateErrorOf(() => normaliseDocument(sarif, 'scan.sarif', 'scan'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.position).toEqual({ file: 'scan.sarif', line: 8, column: 7 });
    expect(error.message).toMatch(
      /^scan\.sarif:8:7: duplicate key "results" in the object that starts at line 4; each key may appear once/,
    );
  });

  it('refuses a CycloneDX BOM with two "components" keys', () => {
    const bom = `{"bomFormat": "CycloneDX", "specVersion": "1.6",
"components": [{"name": "event-stream", "version": "3.3.6", "purl": "pkg:npm/event-stream@3.3.6"}],
"components": []}`;
    const error = tollgateErrorOf(() => normaliseDocument(bom, 'bom.json', 'sbom'));
    expect(error.message).toMatch(/^bom\.json:3:1: duplicate key "components"/);
  });

  it('refuses a duplicate deep inside a real report, and one spelt with an escape', () => {
    const real = fixtureText('sbom/cyclonedx/dropwizard-1.3.15__bom.json');
    // The first component gains a second "version": the earlier value would be replaced silently.
    const tampered = real.replace('"version": "2.0.2"', '"version": "0.0.0", "version": "2.0.2"');
    expect(tampered).not.toBe(real);
    expect(() => normaliseDocument(real, 'd.json', 'sbom')).not.toThrow();
    const error = tollgateErrorOf(() => normaliseDocument(tampered, 'd.json', 'sbom'));
    expect(error.message).toMatch(/duplicate key "version"/);
    const escaped = '{"matches": [], "source": {}, "descriptor": {"name": "grype"}, "match\\u0065s": []}';
    expect(tollgateErrorOf(() => normaliseDocument(escaped, 'g.json', 'scan')).message).toMatch(
      /^g\.json:1:64: duplicate key "matches"/,
    );
  });

  it('refuses Grype and Trivy reports that repeat their findings key', () => {
    const grype = '{"descriptor": {"name": "grype"}, "matches": [{}], "matches": []}';
    expect(tollgateErrorOf(() => normaliseDocument(grype, 'g.json')).message).toMatch(
      /duplicate key "matches"/,
    );
    const trivy =
      '{"SchemaVersion": 2, "Results": [{"Target": "a", "Class": "os-pkgs", "Vulnerabilities": [], "Vulnerabilities": []}]}';
    expect(tollgateErrorOf(() => normaliseDocument(trivy, 't.json')).message).toMatch(
      /duplicate key "Vulnerabilities"/,
    );
  });

  it('refuses a signed statement whose payload repeats a key, though its signature is good', () => {
    const ci = pemKeyPair('p256');
    const key = { name: 'ci', ...loadPublicKey(ci.publicPem, 'ci.pub') };
    const good = JSON.stringify(statementAbout(DIGEST_A));
    const ambiguous = `${good.slice(0, -1)},"predicate":{"ok":false}}`;
    // `tollgate sign` itself refuses to sign it …
    expect(tollgateErrorOf(() => signStatement(Buffer.from(ambiguous), ci.privatePem)).message).toMatch(
      /duplicate key "predicate"/,
    );
    // … and one signed by another tool is refused when read.
    const signer = loadPrivateKey(ci.privatePem, 'ci.key');
    const envelope = Buffer.from(
      JSON.stringify(signEnvelope(Buffer.from(ambiguous), IN_TOTO_PAYLOAD_TYPE, signer)),
    );
    const error = tollgateErrorOf(() =>
      readSignedInputBytes(envelope, 'e.json', {
        artifactDigest: DIGEST_A,
        trust: { keys: [key], identities: [] },
      }),
    );
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toMatch(/duplicate key "predicate"/);
  });

  it('still reads the same documents when each key appears once', () => {
    const sarif = `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "scanner"}}, "results": [${CRITICAL_RESULT}]}]}`;
    const result = normaliseDocument(sarif, 'scan.sarif', 'scan');
    expect(result.type === 'evidence' && result.data).toMatchObject({ counts: { critical: 1 } });
  });
});
