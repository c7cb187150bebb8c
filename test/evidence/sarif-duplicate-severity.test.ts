/**
 * OWASP dependency-check since 12.0 writes "security-severity" twice in one rule's properties when
 * NVD gives both a CVSS v3 and a v4 score (its sarifReport.vsl). That one duplicate is read as the
 * worst of its scores; every other duplicate key is still refused at its line and column.
 */
import { describe, expect, it } from 'vitest';
import { attestEvidence } from '../../src/app/attest-evidence.js';
import { evidenceOfStatement } from '../../src/app/attest-statement.js';
import { registerArtifact } from '../../src/app/register.js';
import type { VulnerabilitySummary } from '../../src/evidence/evidence.js';
import { normaliseDocument } from '../../src/evidence/normalise-evidence.js';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../../src/trust/dsse.js';
import { loadPrivateKey, loadPublicKey } from '../../src/trust/keys.js';
import { readSignedInputBytes } from '../../src/trust/signed-input.js';
import { contractOf, tollgateErrorOf } from '../support/builders.js';
import { requestUnder, sqliteBackend, storePerTest } from '../support/stores.js';
import { DIGEST_A, pemKeyPair, statementAbout } from '../trust/helpers.js';
import { sampleText } from './scan-helpers.js';

function scanOf(text: string, file = 'dc.sarif'): VulnerabilitySummary {
  const result = normaliseDocument(text, file, 'scan');
  if (result.type !== 'evidence') throw new Error(`not evidence: ${result.type}`);
  return result.data as VulnerabilitySummary;
}

/** A dependency-check 12 log of one rule whose property bag is `properties` (JSON text). */
function oneRule(properties: string, resultProperties = ''): string {
  return `{
  "version": "2.1.0",
  "runs": [{
    "tool": { "driver": { "name": "dependency-check", "version": "12.1.0", "rules": [{
      "id": "CVE-2024-0001",
      "shortDescription": { "text": "Medium severity - CVE-2024-0001 in pkg:maven/a/b@1" },
      "properties": ${properties}
    }]}},
    "results": [{ "ruleId": "CVE-2024-0001", "level": "warning", "message": { "text": "x" }${resultProperties} }]
  }]
}`;
}

const COSIGN_VULN = 'https://cosign.sigstore.dev/attestation/vuln/v1';
const scope = storePerTest();

/**
 * An in-toto statement about DIGEST_A whose cosign vuln predicate holds `result` (JSON text, put in
 * as written, so its duplicate keys stay), as a CI step writing the statement around the scanner's
 * file does; `predicateType` another type to hold the same text elsewhere.
 */
function statementHolding(result: string, predicateType = COSIGN_VULN): string {
  const around = JSON.stringify(
    statementAbout(DIGEST_A, predicateType, {
      invocation: { uri: '', event_id: '', 'builder.id': '' },
      scanner: { uri: 'pkg:github/jeremylong/DependencyCheck@12.1.0', version: '12.1.0', result: 0 },
      metadata: { scanStartedOn: '2026-11-24T09:20:00Z', scanFinishedOn: '2026-11-24T09:21:00Z' },
    }),
    null,
    2,
  );
  return around.replace('"result": 0', `"result": ${result}`);
}

/** `statement` signed into a DSSE envelope by a fresh key, read as `attest` reads it, trusting that key. */
function readSigned(statement: string) {
  const ci = pemKeyPair('p256');
  const key = { name: 'ci', ...loadPublicKey(ci.publicPem, 'ci.pub') };
  const envelope = signEnvelope(
    Buffer.from(statement),
    IN_TOTO_PAYLOAD_TYPE,
    loadPrivateKey(ci.privatePem, 'ci.key'),
  );
  return readSignedInputBytes(Buffer.from(JSON.stringify(envelope)), 'dc.intoto.json', {
    artifactDigest: DIGEST_A,
    trust: { keys: [key], identities: [] },
  });
}

describe('dependency-check 12 SARIF with security-severity given twice', () => {
  it('reads each rule at the worse of its CVSS v3 and v4 scores, whichever comes first', () => {
    const scan = scanOf(sampleText('dependency-check-12.sarif'));
    // CVE-2024-38816: v3 7.5 then v4 9.3 (the higher second); CVE-2024-47072: v3 9.1 then v4 8.7.
    expect(scan.findings.map((f) => [f.id, f.severity])).toEqual([
      ['CVE-2024-38816', 'critical'],
      ['CVE-2024-47072', 'critical'],
    ]);
    expect(scan.counts.critical).toBe(2);
    expect(scan.caveats).toHaveLength(2);
    expect(scan.caveats?.[0]).toMatch(
      /^rule "CVE-2024-38816" gives security-severity 2 times \("7\.5", "9\.3"; .*line 40\): read as the worst, "9\.3"/,
    );
    expect(scan.caveats?.[1]).toMatch(
      /^rule "CVE-2024-47072" .*\("9\.1", "8\.7"; .*read as the worst, "9\.1"/,
    );
  });

  it('reads numbers as well as numeric strings, and a result bag as a rule bag', () => {
    const text = oneRule(
      '{ "security-severity": 9.8, "security-severity": 5.0, "source": "NVD" }',
      ', "properties": { "security-severity": "4.0", "security-severity": "9.0" }',
    );
    const scan = scanOf(text);
    expect(scan.findings.map((f) => f.severity)).toEqual(['critical']);
    expect(scan.caveats).toHaveLength(2);
    expect(scan.caveats?.[0]).toMatch(
      /^rule "CVE-2024-0001" gives security-severity 2 times \(9\.8, 5; .*read as the worst, 9\.8/,
    );
    expect(scan.caveats?.[1]).toMatch(
      /^result "CVE-2024-0001" gives .*\("4\.0", "9\.0"; .*read as the worst, "9\.0" \(runs\[0\]\.results\[0\]\.properties\)$/,
    );
  });

  it('refuses a repeated security-severity outside a rule or result property bag', () => {
    const text = `{
  "version": "2.1.0",
  "runs": [{
    "tool": { "driver": { "name": "dependency-check", "rules": [] } },
    "properties": { "security-severity": "1.0", "security-severity": "2.0" },
    "results": []
  }]
}`;
    const error = tollgateErrorOf(() => normaliseDocument(text, 'dc.sarif', 'scan'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toMatch(
      /^dc\.sarif:5:49: duplicate key "security-severity" in the object that starts at line 5; each key may appear once/,
    );
  });

  it('refuses a repeated security-severity in the results of a document that is not SARIF', () => {
    const text = `{"runs": [{"results": [{"properties": {"security-severity": 1, "security-severity": 2}}]}]}`;
    const error = tollgateErrorOf(() => normaliseDocument(text, 'x.json'));
    expect(error.message).toMatch(/^x\.json:1:64: duplicate key "security-severity"/);
  });

  it('refuses another key named twice inside a rule property bag', () => {
    const text = oneRule('{ "security-severity": "9.8", "cvssv3_baseScore": 9.8, "cvssv3_baseScore": 5.0 }');
    const error = tollgateErrorOf(() => normaliseDocument(text, 'dc.sarif', 'scan'));
    expect(error.message).toMatch(/^dc\.sarif:7:76: duplicate key "cvssv3_baseScore"/);
  });

  it('refuses a repeated security-severity whose values are not all numbers', () => {
    for (const second of ['"critical"', '"9.8 (v4)"', 'null', '[9.8]']) {
      const text = oneRule(`{ "security-severity": "5.0", "security-severity": ${second} }`);
      const error = tollgateErrorOf(() => normaliseDocument(text, 'dc.sarif', 'scan'));
      expect(error.message).toMatch(
        /^dc\.sarif:7:\d+: duplicate key "security-severity" in the object that starts at line 7/,
      );
    }
  });

  it('refuses a repeated security-severity score off the 0 to 10 scale as any such score', () => {
    const text = oneRule('{ "security-severity": "5.0", "security-severity": "98" }');
    expect(tollgateErrorOf(() => normaliseDocument(text, 'dc.sarif', 'scan')).message).toMatch(
      /security-severity: expected a score from 0 to 10/,
    );
  });

  it('reads the same log inside a signed statement or a plain one as it reads the file', () => {
    const file = scanOf(sampleText('dependency-check-12.sarif'));
    const statement = statementHolding(sampleText('dependency-check-12.sarif'));
    const signed = readSigned(statement);
    expect(signed.signer).toMatchObject({ name: 'ci', method: 'key' });
    const plain = readSignedInputBytes(Buffer.from(statement), 'dc.intoto.json', {
      artifactDigest: DIGEST_A,
      trust: { keys: [], identities: [] },
    });
    // `attest scan` of the plain statement sniffs the file first, then reads the statement.
    expect(normaliseDocument(statement, 'dc.intoto.json', 'scan').type).toBe('wrapped');
    for (const input of [signed, plain]) {
      const { format, data } = evidenceOfStatement(input, 'dc.intoto.json', { expected: 'scan' });
      expect(format).toBe('sarif');
      const scan = data as VulnerabilitySummary;
      expect(scan.findings.map((f) => [f.id, f.severity])).toEqual([
        ['CVE-2024-38816', 'critical'],
        ['CVE-2024-47072', 'critical'],
      ]);
      expect(scan.counts).toEqual(file.counts);
      // The caveat names the rule as in the file; its line is the statement's.
      expect(scan.caveats).toHaveLength(2);
      expect(scan.caveats?.[0]).toMatch(
        /^rule "CVE-2024-38816" gives security-severity 2 times \("7\.5", "9\.3"; .*read as the worst, "9\.3" \(runs\[0\]\.tool\.driver\.rules\[0\]\.properties\)$/,
      );
    }
  });

  it('keeps the caveats when attest scan records the plain statement it sniffed', async () => {
    const { store } = await scope.open(sqliteBackend);
    const request = requestUnder(
      store,
      'ci',
      contractOf('version: 1\npipeline: shop\nartifact: { type: file }\nstages:\n  dev: { purpose: dev }\n'),
    );
    await registerArtifact(request, { digest: DIGEST_A });
    const statement = statementHolding(sampleText('dependency-check-12.sarif'));
    const result = await attestEvidence(request, {
      artifact: DIGEST_A,
      expected: 'scan',
      content: { name: 'dc.intoto.json', bytes: Buffer.from(statement) },
    });
    expect(result.wrapper).toBe('in-toto');
    const scan = result.records[0]?.record.data as VulnerabilitySummary;
    expect(scan.counts).toEqual(scanOf(sampleText('dependency-check-12.sarif')).counts);
    expect(scan.caveats).toHaveLength(2);
    expect(scan.caveats?.[0]).toMatch(/^rule "CVE-2024-38816" gives security-severity 2 times/);
  });

  it('refuses every other duplicate key in a statement, the log not read as SARIF included', () => {
    const log = sampleText('dependency-check-12.sarif');
    const refusals = [
      // Another key repeated beside the log's security-severity.
      statementHolding(
        log.replace('"cvssv3_baseScore": 7.5,', '"cvssv3_baseScore": 7.5, "cvssv3_baseScore": 1.0,'),
      ),
      // The same log under a predicate type whose result is not read as a scanner's report.
      statementHolding(log, 'https://example.com/predicate/v1'),
      // The same shape in a cosign vuln result that is no SARIF log.
      statementHolding(
        '{"runs": [{"results": [{"properties": {"security-severity": 1, "security-severity": 2}}]}]}',
      ),
      // The key repeated in the statement, outside the log.
      statementHolding(log).replace('"version": "12.1.0"', '"security-severity": 1, "security-severity": 2'),
    ];
    for (const statement of refusals) {
      const error = tollgateErrorOf(() => readSigned(statement));
      expect(error.code).toBe('EVIDENCE_INVALID');
      expect(error.message).toMatch(
        /^dc\.intoto\.json: DSSE payload:\d+:\d+: duplicate key "(cvssv3_baseScore|security-severity)" in the object that starts at line \d+; each key may appear once/,
      );
      expect(tollgateErrorOf(() => normaliseDocument(statement, 'dc.intoto.json')).message).toMatch(
        /^dc\.intoto\.json:\d+:\d+: duplicate key/,
      );
    }
  });
});
