import { describe, expect, it } from 'vitest';
import { vulnerabilitiesRequirement } from '../../src/contract/requires/vulnerabilities.js';
import type { VulnerabilitySummary } from '../../src/evidence/evidence.js';
import { normaliseDocument, normalisePredicate } from '../../src/evidence/normalise-evidence.js';
import { allowanceEnd, evaluateVulnerabilities } from '../../src/gates/vulnerabilities-gate.js';
import { fixtureJson, fixtureText } from '../evidence/scan-helpers.js';
import { finding, sbom, scan, testsRecord } from '../support/builders.js';

const req = (r: unknown) => vulnerabilitiesRequirement.parse(r);
const NOW = new Date('2026-11-26T12:00:00Z');

describe('vulnerabilities gate: limits per severity', () => {
  it('fails without a scan, saying how to supply one', () => {
    const result = evaluateVulnerabilities(req({ critical: 0 }), [testsRecord()], NOW);
    expect(result.status).toBe('fail');
    expect(result.required[0]?.text).toBe(
      'a vulnerability scan (SARIF, Grype or Trivy JSON, CycloneDX with vulnerabilities, in-toto vulns) for this digest: `tollgate attest scan --artifact DIGEST FILE`',
    );
  });

  it('passes a clean scan and validates it', () => {
    const record = scan([]);
    const result = evaluateVulnerabilities(req({ critical: 0, high: 0 }), [record], NOW);
    expect(result.status).toBe('pass');
    expect(result.validated.map((v) => v.text)).toEqual([
      `scan by grype (grype; recorded 2026-11-25T10:00:00Z by ci): 0 finding(s)`,
      'findings within limits: critical 0/0, high 0/0',
    ]);
    expect(result.risks).toEqual([]);
  });

  it('fails when a severity is over its limit, naming the findings with fix versions', () => {
    const record = scan([
      finding('CVE-2026-0001', 'critical', 'openssl', { fixedIn: '3.0.15' }),
      finding('CVE-2026-0002', 'high', 'zlib'),
    ]);
    const result = evaluateVulnerabilities(req({ critical: 0, high: 5 }), [record], NOW);
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([
      '1 critical finding(s), at most 0 allowed: CVE-2026-0001 in openssl@1.0.0 (fixed in 3.0.15)',
    ]);
    expect(result.required[0]?.evidence).toEqual([record.id]);
    expect(result.risks.map((r) => r.text)).toEqual([
      '1 high finding(s) within the limit of 5: CVE-2026-0002 in zlib@1.0.0',
    ]);
  });

  it('lists findings of severities without a limit as remaining risk', () => {
    const result = evaluateVulnerabilities(
      req({ critical: 0 }),
      [scan([finding('CVE-1', 'medium'), finding('CVE-2', 'low')])],
      NOW,
    );
    expect(result.status).toBe('pass');
    expect(result.risks.map((r) => r.text)).toEqual([
      '1 medium finding(s) (no medium limit set): CVE-1 in lib@1.0.0',
      '1 low finding(s) (no low limit set): CVE-2 in lib@1.0.0',
    ]);
  });

  it('counts exactly at the limit as passing and one over as failing', () => {
    const two = scan([finding('CVE-1', 'high', 'a'), finding('CVE-2', 'high', 'b')]);
    expect(evaluateVulnerabilities(req({ high: 2 }), [two], NOW).status).toBe('pass');
    expect(evaluateVulnerabilities(req({ high: 1 }), [two], NOW).status).toBe('fail');
  });

  it('limits unknown severity too', () => {
    const result = evaluateVulnerabilities(req({ unknown: 0 }), [scan([finding('TEMP-1', 'unknown')])], NOW);
    expect(result.required[0]?.text).toBe('1 unknown finding(s), at most 0 allowed: TEMP-1 in lib@1.0.0');
  });

  it('counts the same vulnerability in the same package once across scanners, at its worst severity', () => {
    const grype = scan([finding('CVE-2024-45490', 'unknown', 'libexpat1')]);
    const trivy = scan([finding('CVE-2024-45490', 'critical', 'libexpat1')], {}, 'trivy');
    const result = evaluateVulnerabilities(req({ critical: 0 }), [grype, trivy], NOW);
    expect(result.summary).toBe('1 critical, 0 high, 0 medium, 0 low, 0 unknown');
    expect(result.required[0]?.evidence).toEqual([grype.id, trivy.id]);
  });

  it('uses only the latest scan of each scanner', () => {
    const old = scan([finding('CVE-1', 'critical')], { recordedAt: '2026-11-20T00:00:00Z' });
    const fresh = scan([], { recordedAt: '2026-11-24T00:00:00Z' });
    expect(evaluateVulnerabilities(req({ critical: 0 }), [fresh, old], NOW).status).toBe('pass');
  });

  it('names the suppressed findings, worst first, when the report says which and why', () => {
    const record = scan([], {}, 'grype', 7);
    if (record.data.kind !== 'vulnerabilities') throw new Error('not a scan');
    record.data.suppressedFindings = [
      {
        id: 'CVE-2026-9',
        severity: 'critical',
        package: 'openssl',
        version: '3.0.1',
        reason: 'fix-state not-fixed',
      },
      { id: 'CVE-2026-8', severity: 'low', reason: 'vex-status not_affected' },
    ];
    const result = evaluateVulnerabilities(req({ critical: 0, reportSuppressions: 'honour' }), [record], NOW);
    expect(result.status).toBe('pass');
    expect(result.risks.map((r) => r.text)).toEqual([
      '7 finding(s) suppressed in the grype report itself (VEX, ignore rules or suppressions) were not counted (the contract honours report-side suppressions): CVE-2026-9 (critical) in openssl@3.0.1: fix-state not-fixed, CVE-2026-8 (low): vex-status not_affected',
    ]);
  });

  it("lists the scanner's own caveats (an end-of-life OS) as remaining risk", () => {
    const record = scan([], {}, 'trivy');
    if (record.data.kind !== 'vulnerabilities') throw new Error('not a scan');
    record.data.caveats = ['the OS alpine 3.10.2 is past its end of service life'];
    const result = evaluateVulnerabilities(req({ critical: 0 }), [record], NOW);
    expect(result.status).toBe('pass');
    expect(result.risks.map((r) => r.text)).toEqual([
      'scan by trivy: the OS alpine 3.10.2 is past its end of service life',
    ]);
  });

  it('lists findings the report itself suppressed as remaining risk', () => {
    const result = evaluateVulnerabilities(
      req({ critical: 0, reportSuppressions: 'honour' }),
      [scan([], {}, 'trivy', 3)],
      NOW,
    );
    expect(result.risks.map((r) => r.text)).toEqual([
      '3 finding(s) suppressed in the trivy report itself (VEX, ignore rules or suppressions) were not counted (the contract honours report-side suppressions)',
    ]);
  });
});

describe('vulnerabilities gate: allowances', () => {
  const allow = [{ id: 'CVE-2026-1234', reason: 'not reachable', until: '2026-11-30' }];

  it('an active allowance moves the finding to remaining risk', () => {
    const result = evaluateVulnerabilities(
      req({ critical: 0, allow }),
      [scan([finding('CVE-2026-1234', 'critical', 'libfoo')])],
      NOW,
    );
    expect(result.status).toBe('pass');
    expect(result.risks.map((r) => r.text)).toEqual([
      'CVE-2026-1234 in libfoo@1.0.0 (critical) allowed until 2026-11-30: not reachable',
    ]);
    expect(result.summary).toBe('0 critical, 0 high, 0 medium, 0 low, 0 unknown');
  });

  it('an expired allowance fails the gate and says it expired, and the finding counts again', () => {
    const result = evaluateVulnerabilities(
      req({ critical: 0, allow: [{ id: 'CVE-2026-1234', reason: 'not reachable', until: '2026-11-25' }] }),
      [scan([finding('CVE-2026-1234', 'critical', 'libfoo')])],
      NOW,
    );
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([
      'the allowance for CVE-2026-1234 expired on 2026-11-25 ("not reachable"): CVE-2026-1234 in libfoo@1.0.0 (critical) counts again; fix it or renew the allowance',
      '1 critical finding(s), at most 0 allowed: CVE-2026-1234 in libfoo@1.0.0',
    ]);
    expect(result.summary).toBe('1 critical, 0 high, 0 medium, 0 low, 0 unknown; 1 allowance(s) expired');
  });

  it('an expired allowance fails even when the finding is within its limit', () => {
    const result = evaluateVulnerabilities(
      req({ low: 10, allow: [{ id: 'CVE-9', reason: 'noise', until: '2026-01-01' }] }),
      [scan([finding('CVE-9', 'low')])],
      NOW,
    );
    expect(result.status).toBe('fail');
    expect(result.required[0]?.text).toContain('the allowance for CVE-9 expired on 2026-01-01');
  });

  it('a date allowance holds through the end of its day (UTC); a date-time until its instant', () => {
    expect(allowanceEnd('2026-11-26').toISOString()).toBe('2026-11-27T00:00:00.000Z');
    const sameDay = req({ critical: 0, allow: [{ id: 'CVE-1', reason: 'r', until: '2026-11-26' }] });
    expect(evaluateVulnerabilities(sameDay, [scan([finding('CVE-1', 'critical')])], NOW).status).toBe('pass');
    const instant = req({
      critical: 0,
      allow: [{ id: 'CVE-1', reason: 'r', until: '2026-11-26T11:59:59Z' }],
    });
    expect(evaluateVulnerabilities(instant, [scan([finding('CVE-1', 'critical')])], NOW).status).toBe('fail');
  });

  it('matches an allowance by alias and case-insensitively', () => {
    const byAlias = finding('GHSA-jfh8-c2jp-5v3q', 'critical', 'log4j-core', { aliases: ['CVE-2021-44228'] });
    const result = evaluateVulnerabilities(
      req({ critical: 0, allow: [{ id: 'cve-2021-44228', reason: 'JNDI disabled', until: '2027-01-31' }] }),
      [scan([byAlias])],
      NOW,
    );
    expect(result.status).toBe('pass');
    expect(result.risks[0]?.text).toContain('allowed until 2027-01-31: JNDI disabled');
  });

  it('an allowance for an id that is not found changes nothing', () => {
    const result = evaluateVulnerabilities(
      req({ critical: 0, allow }),
      [scan([finding('CVE-OTHER', 'critical')])],
      NOW,
    );
    expect(result.status).toBe('fail');
  });

  it('the contract requires a reason and a valid expiry date', () => {
    expect(
      vulnerabilitiesRequirement.safeParse({ allow: [{ id: 'CVE-1', until: '2027-01-01' }] }).success,
    ).toBe(false);
    expect(
      vulnerabilitiesRequirement.safeParse({ allow: [{ id: 'CVE-1', reason: 'r', until: 'next week' }] })
        .success,
    ).toBe(false);
    expect(vulnerabilitiesRequirement.safeParse({ critical: -1 }).success).toBe(false);
    expect(vulnerabilitiesRequirement.safeParse({ severe: 0 }).success).toBe(false);
  });
});

describe('vulnerabilities gate: counting', () => {
  it('counts repeated results of one scan (SARIF rules without packages) each time', () => {
    const sarif = scan(
      [finding('TUT1001', 'medium', undefined), finding('TUT1001', 'medium', undefined)],
      {},
      'SarifSamples',
    );
    const result = evaluateVulnerabilities(req({ medium: 1 }), [sarif], NOW);
    expect(result.status).toBe('fail');
    expect(result.summary).toBe('0 critical, 0 high, 2 medium, 0 low, 0 unknown');
  });
});

describe('vulnerabilities gate: the image the scan names', () => {
  // trivy integration/testdata/alpine-310.json.golden: Metadata.ImageID sha256:961769676411…
  const TRIVY = 'scans/trivy/integration__testdata__alpine-310.json.golden';
  const IMAGE_ID = 'sha256:961769676411f082461f9ef46626dd7a2d1e2b2a38e6a44364bcbecf51e66dd4';
  // trivy pkg/report/testdata/new.json.golden: RepoDigests test@sha256:0bd0e9e03a02…, ImageID sha256:5c534be56eca…
  const TRIVY_REPO = 'scans/trivy/pkg__report__testdata__new.json.golden';
  // grype explain/testdata/keycloak-test.json: manifestDigest, one repo digest, imageID
  const GRYPE = 'scans/grype/grype__presenter__explain__testdata__keycloak-test.json';

  function realScan(path: string, artifact: string) {
    return scanOf(fixtureText(path), path, { artifact });
  }

  /** A scan record of a report's text (a real one, or one derived from it). */
  function scanOf(text: string, file: string, over: { artifact?: string; recordedAt?: string } = {}) {
    const result = normaliseDocument(text, file, 'scan');
    if (result.type !== 'evidence') throw new Error('not evidence');
    return scan([], { data: result.data, format: result.format, ...over });
  }

  it('lists a Trivy scan naming another image as remaining risk, and still passes', () => {
    const record = realScan(TRIVY_REPO, `sha256:${'a'.repeat(64)}`);
    const result = evaluateVulnerabilities(req({}), [record], NOW);
    expect(result.status).toBe('pass');
    const risk = result.risks.filter((r) => r.text.startsWith('scan from'));
    expect(risk).toEqual([
      {
        gate: 'vulnerabilities',
        text: "scan from trivy names image sha256:0bd0e9e03a022c3b0226667621da84fc9bf562a9056130424b5bfbd8bcb0397f, not this artifact's sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: it may describe another build (a multi-platform image registered by its index names its platforms' manifests)",
        evidence: [record.id],
      },
    ]);
  });

  it('says nothing against the artifact when the scan names only its image id (a config digest)', () => {
    // An image is registered by its manifest's (or index's) digest, never by its config's: an
    // image id that differs shows nothing. Trivy's scans of image tarballs name only the image id.
    const result = evaluateVulnerabilities(req({}), [realScan(TRIVY, `sha256:${'a'.repeat(64)}`)], NOW);
    expect(result.risks.some((r) => r.text.includes('names image'))).toBe(false);
    expect(result.validated[0]?.text).not.toContain('names this digest');
  });

  it('counts the other manifests the scan names, not its image id', () => {
    const result = evaluateVulnerabilities(req({}), [realScan(GRYPE, `sha256:${'a'.repeat(64)}`)], NOW);
    expect(result.risks.map((r) => r.text).filter((t) => t.startsWith('scan from'))).toEqual([
      "scan from grype names image sha256:d1630d3eb8285a978301bcefc5b223e564ae300750af2fc9ea3f413c5376a47e (and 1 more), not this artifact's sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: it may describe another build (a multi-platform image registered by its index names its platforms' manifests)",
    ]);
  });

  it('adds no risk when one of the images it names is the artifact, and says it names it', () => {
    // The repo digest keycloak/keycloak@sha256:347a… is the second digest the report names.
    const record = realScan(GRYPE, 'sha256:347a0d748d05a050dc64b92de2246d2240db6eb38afbc17c3c08d0acb0db1b50');
    const result = evaluateVulnerabilities(req({}), [record], NOW);
    expect(result.risks.some((r) => r.text.includes('names image'))).toBe(false);
    expect(result.validated[0]?.text).toMatch(/: \d+ finding\(s\); the report names this digest$/);
    const trivy = evaluateVulnerabilities(req({}), [realScan(TRIVY, IMAGE_ID)], NOW);
    expect(trivy.risks.some((r) => r.text.includes('names image'))).toBe(false);
  });

  it('lists a Trivy SARIF scan naming another image as remaining risk, as its JSON scan is', () => {
    // The real alpine-310 SARIF with the repo digest Trivy writes for a registry image
    // (pkg/report/sarif_test.go): before, SARIF named no image and this line was never given.
    const log = fixtureJson('scans/trivy/integration__testdata__alpine-310.sarif.golden') as {
      runs: { properties: Record<string, unknown> }[];
    };
    log.runs[0]!.properties.repoDigests = [
      'debian@sha256:a8cc1744bbdd5266678e3e8b3e6387e45c053218438897e86876f2eb104e5534',
    ];
    const record = scanOf(JSON.stringify(log), 'trivy.sarif', { artifact: `sha256:${'a'.repeat(64)}` });
    const result = evaluateVulnerabilities(req({}), [record], NOW);
    expect(result.risks.map((r) => r.text).filter((t) => t.startsWith('scan from'))).toEqual([
      "scan from sarif names image sha256:a8cc1744bbdd5266678e3e8b3e6387e45c053218438897e86876f2eb104e5534, not this artifact's sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: it may describe another build (a multi-platform image registered by its index names its platforms' manifests)",
    ]);
  });

  it('a clean Trivy SARIF of a file system does not replace the Trivy SARIF of the image', () => {
    // Trivy writes the run property bag (imageName, imageID, repoDigests) only for an image scan;
    // `trivy fs` or `trivy config` with `-f sarif` writes none. Both runs name the driver "Trivy".
    // Before, both were the same source (sarif, Trivy) and the later clean run replaced the image
    // scan: the image's 4 medium findings passed `medium: 0`.
    const path = 'scans/trivy/integration__testdata__alpine-310.sarif.golden';
    const image = scanOf(fixtureText(path), path, { recordedAt: '2026-11-20T00:00:00Z' });
    const fsLog = fixtureJson(path) as { runs: { properties?: unknown; results: unknown[] }[] };
    delete fsLog.runs[0]!.properties;
    fsLog.runs[0]!.results = [];
    const fs = scanOf(JSON.stringify(fsLog), 'fs.sarif', { recordedAt: '2026-11-24T00:00:00Z' });
    const result = evaluateVulnerabilities(req({ medium: 0 }), [image, fs], NOW);
    expect(result.status).toBe('fail');
    expect(result.summary).toBe('0 critical, 0 high, 4 medium, 0 low, 0 unknown');
    // A clean re-scan of the image still replaces the image scan.
    const cleanLog = fixtureJson(path) as { runs: { results: unknown[] }[] };
    cleanLog.runs[0]!.results = [];
    const rescan = scanOf(JSON.stringify(cleanLog), 'rescan.sarif', { recordedAt: '2026-11-24T00:00:00Z' });
    expect(evaluateVulnerabilities(req({ medium: 0 }), [image, rescan], NOW).status).toBe('pass');
  });

  it('a clean Grype CycloneDX scan of a directory does not replace its CycloneDX scan of the image', () => {
    // grype/presenter/cyclonedx/testdata/snapshot: the image BOM's metadata.component is of type
    // "container", the directory BOM's of type "file"; both name the tool grype. Before, the later
    // directory scan replaced the image scan and its critical finding passed `critical: 0`.
    const imagePath =
      'scans/grype/grype__presenter__cyclonedx__testdata__snapshot__TestCycloneDxPresenterImage.golden';
    const image = scanOf(fixtureText(imagePath), imagePath, { recordedAt: '2026-11-20T00:00:00Z' });
    const dirLog = fixtureJson(
      'scans/grype/grype__presenter__cyclonedx__testdata__snapshot__TestCycloneDxPresenterDir.golden',
    ) as { vulnerabilities: unknown[] };
    dirLog.vulnerabilities = [];
    const dir = scanOf(JSON.stringify(dirLog), 'dir.cdx.json', { recordedAt: '2026-11-24T00:00:00Z' });
    const result = evaluateVulnerabilities(req({ critical: 0 }), [image, dir], NOW);
    expect(result.status).toBe('fail');
    // CVE-1999-0001 is Grype's vendor low beside a CVSS 8.2: read as high.
    expect(result.summary).toBe('1 critical, 1 high, 0 medium, 0 low, 0 unknown');
  });

  it('says nothing of images for a scan that names none', () => {
    const result = evaluateVulnerabilities(req({}), [scan([])], NOW);
    expect(result.validated[0]?.text).toBe(
      'scan by grype (grype; recorded 2026-11-25T10:00:00Z by ci): 0 finding(s)',
    );
    expect(result.risks).toEqual([]);
  });
});

describe('vulnerabilities gate: what a CycloneDX or SARIF report sets aside', () => {
  function recordOf(document: unknown, file: string) {
    const parsed = normaliseDocument(JSON.stringify(document), file, 'scan');
    if (parsed.type !== 'evidence' || parsed.data.kind !== 'vulnerabilities') throw new Error('not a scan');
    return scan([], { data: parsed.data, format: parsed.format });
  }

  const vex = (analysis: Record<string, string>) => ({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    components: [{ 'bom-ref': 'ssl', name: 'openssl', version: '3.0.1' }],
    vulnerabilities: [
      {
        id: 'CVE-2026-7777',
        ratings: [{ severity: 'critical' }],
        analysis,
        affects: [{ ref: 'ssl' }],
      },
    ],
  });

  const SUPPRESSED_SARIF = {
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'scanner',
            rules: [{ id: 'CVE-2026-5555', properties: { 'security-severity': '9.8' } }],
          },
        },
        results: [
          {
            ruleId: 'CVE-2026-5555',
            message: { text: 'openssl 3.0.1' },
            locations: [{ physicalLocation: { artifactLocation: { uri: 'usr/lib/libssl.so.3' } } }],
            suppressions: [{ kind: 'external', status: 'accepted', justification: 'vendor says unaffected' }],
          },
        ],
      },
    ],
  };

  it('names a critical a CycloneDX VEX statement set aside, with its justification, when the contract honours it', () => {
    const record = recordOf(
      vex({ state: 'not_affected', justification: 'code_not_reachable', detail: 'never loaded' }),
      'vex.json',
    );
    const result = evaluateVulnerabilities(req({ critical: 0, reportSuppressions: 'honour' }), [record], NOW);
    expect(result.status).toBe('pass');
    expect(result.risks.map((r) => r.text)).toEqual([
      '1 finding(s) suppressed in the cyclonedx report itself (VEX, ignore rules or suppressions) were not counted (the contract honours report-side suppressions): CVE-2026-7777 (critical) in openssl@3.0.1: analysis.state not_affected (code_not_reachable): never loaded',
    ]);
  });

  /** A VEX whose one statement sets a critical aside for what `ref` names. */
  const vexRef = (ref: string) => ({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    vulnerabilities: [
      {
        id: 'CVE-2026-7777',
        ratings: [{ severity: 'critical' }],
        analysis: { state: 'not_affected', justification: 'code_not_reachable' },
        affects: [{ ref }],
      },
    ],
  });

  /** A VEX whose one statement sets a critical aside for an image named by its purl, as the affected ref itself. */
  const vexAbout = (product: string) => vexRef(`pkg:oci/app@${product.replace(':', '%3A')}`);

  /** The gate on one CycloneDX document, honouring the waivers it makes for critical: 0. */
  const honouring = (doc: unknown) =>
    evaluateVulnerabilities(
      req({ critical: 0, reportSuppressions: 'honour' }),
      [recordOf(doc, 'vex.json')],
      NOW,
    );

  it('takes a VEX of no components whose every statement is a waiver for no scan, as an SBOM, even under honour', () => {
    const ours = `sha256:${'a'.repeat(64)}`;
    const honour = req({ critical: 0, reportSuppressions: 'honour' });
    const parsed = normaliseDocument(JSON.stringify(vexAbout(ours)), 'vex.json', 'scan');
    if (parsed.type !== 'evidence' || parsed.data.kind !== 'vulnerabilities') throw new Error('not a scan');
    expect(parsed.data.analysisOnly).toBe(true);
    const vex = scan([], { data: parsed.data, format: parsed.format, artifact: ours });
    const alone = evaluateVulnerabilities(honour, [vex], NOW);
    expect(alone.status).toBe('fail');
    expect(alone.summary).toBe('no vulnerability scan for this digest');
    const noScan = `cyclonedx's cyclonedx report lists no components and only sets findings aside (a VEX): it states analysis and is no scan of ${ours}`;
    expect(alone.risks.map((r) => r.text)).toEqual([noScan]);
    const named = evaluateVulnerabilities({ ...honour, scanners: ['cyclonedx'] }, [vex], NOW);
    expect([named.status, named.summary]).toEqual(['fail', 'no scan by cyclonedx for this digest']);
    // Beside a scan its statements still count as ever: honoured, and counted when not.
    expect(evaluateVulnerabilities(honour, [vex, scan([])], NOW).status).toBe('pass');
    expect(evaluateVulnerabilities(req({ critical: 0 }), [vex, scan([])], NOW).status).toBe('fail');
    // A VEX listing the components it speaks of stays a scan.
    const listing = normaliseDocument(
      JSON.stringify({ ...vexAbout(ours), components: [{ name: 'openssl', version: '3.0.1' }] }),
      'vex.json',
      'scan',
    );
    if (listing.type !== 'evidence' || listing.data.kind !== 'vulnerabilities') throw new Error('not a scan');
    expect(listing.data.analysisOnly).toBeUndefined();
  });

  it('takes a VEX whose only statement is about another image digest for no scan of this artifact, even under honour', () => {
    const ours = `sha256:${'a'.repeat(64)}`;
    const other = `sha256:${'b'.repeat(64)}`;
    const honour = req({ critical: 0, reportSuppressions: 'honour' });
    const parsed = normaliseDocument(JSON.stringify(vexAbout(other)), 'vex.json', 'scan');
    if (parsed.type !== 'evidence') throw new Error('not evidence');
    const elsewhere = scan([], { data: parsed.data, format: parsed.format, artifact: ours });
    const result = evaluateVulnerabilities(honour, [elsewhere], NOW);
    expect(result.status).toBe('fail');
    expect(result.summary).toBe('no vulnerability scan for this digest');
    expect(result.risks.map((r) => r.text)).toEqual([
      `cyclonedx's cyclonedx report speaks only of other images than this artifact (${other}): it is no scan of ${ours}, and its 1 statement(s) were ignored`,
    ]);
    // The same statement about this artifact's own digest is honoured.
    const own = normaliseDocument(JSON.stringify(vexAbout(ours)), 'vex.json', 'scan');
    if (own.type !== 'evidence') throw new Error('not evidence');
    const here = scan([], { data: own.data, format: own.format, artifact: ours });
    // Beside a scan of it: alone, a VEX of no components scans nothing.
    expect(evaluateVulnerabilities(honour, [here, scan([])], NOW).status).toBe('pass');
  });

  it('takes a VEX in a statement about this artifact that speaks only of another image for no scan, even under honour', () => {
    const ours = `sha256:${'a'.repeat(64)}`;
    const other = `sha256:${'b'.repeat(64)}`;
    const honour = req({ critical: 0, reportSuppressions: 'honour' });
    // The statement's subject (checked by src/trust) is this artifact; its VEX speaks of another image.
    const read = (product: string) => {
      const result = normalisePredicate(
        'https://cyclonedx.org/bom',
        vexAbout(product),
        'vex.intoto.json',
        'scan',
      );
      if (result === undefined) throw new Error('not read');
      return scan([], { data: result.data, format: result.format, artifact: ours });
    };
    const elsewhere = evaluateVulnerabilities(honour, [read(other)], NOW);
    expect(elsewhere.status).toBe('fail');
    expect(elsewhere.summary).toBe('no vulnerability scan for this digest');
    expect(evaluateVulnerabilities(honour, [read(ours), scan([])], NOW).status).toBe('pass');
  });

  /** A VEX with one statement per product: each sets a critical aside for the image it names. */
  const vexMixed = (statements: Array<{ id: string; product: string }>) => ({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    vulnerabilities: statements.map(({ id, product }) => ({
      id,
      ratings: [{ severity: 'critical' }],
      analysis: { state: 'not_affected', justification: 'code_not_reachable' },
      affects: [{ ref: `pkg:oci/app@${product.replace(':', '%3A')}` }],
    })),
  });

  it('applies each statement of a VEX mixing this artifact and another image only to the product it names', () => {
    const ours = `sha256:${'a'.repeat(64)}`;
    const other = `sha256:${'b'.repeat(64)}`;
    const parsed = normaliseDocument(
      JSON.stringify(
        vexMixed([
          { id: 'CVE-2026-1111', product: ours },
          { id: 'CVE-2026-2222', product: other },
        ]),
      ),
      'vex.json',
      'scan',
    );
    if (parsed.type !== 'evidence') throw new Error('not evidence');
    const record = scan([], { data: parsed.data, format: parsed.format, artifact: ours });
    const ignored = `1 statement(s) in the cyclonedx report are about other images than this artifact (${other}), and were ignored for ${ours}: neither their findings nor what they set aside count here: CVE-2026-2222 (critical)`;
    // Honoured: the statement about this artifact sets its critical aside; the other one is not ours.
    const honoured = evaluateVulnerabilities(
      req({ critical: 0, reportSuppressions: 'honour' }),
      [record, scan([])],
      NOW,
    );
    expect(honoured.status).toBe('pass');
    expect(honoured.risks.map((r) => r.text)).toEqual([
      `cyclonedx's cyclonedx report lists no components and only sets findings aside (a VEX): it states analysis and is no scan of ${ours}`,
      ignored,
      `1 finding(s) suppressed in the cyclonedx report itself (VEX, ignore rules or suppressions) were not counted (the contract honours report-side suppressions): CVE-2026-1111 (critical) in pkg:oci/app@sha256%3A${'a'.repeat(64)}: analysis.state not_affected (code_not_reachable)`,
    ]);
    // Counted: only the statement about this artifact is a finding of it.
    const counted = evaluateVulnerabilities(req({ critical: 0 }), [record, scan([])], NOW);
    expect(counted.status).toBe('fail');
    expect(counted.required.map((r) => r.text)).toEqual([
      `1 critical finding(s), at most 0 allowed: CVE-2026-1111 in pkg:oci/app@sha256%3A${'a'.repeat(64)}`,
    ]);
    expect(counted.risks.map((r) => r.text)).toContain(ignored);
  });

  // CycloneDX/bom-examples VEX/vex.json names jackson-databind by a BOM-link into BOM
  // urn:cdx:3e671687-…/1; the example SBOM beside it, VEX/bom.json, has serial 5f0f0da9-….
  const LINKED = 'urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1';
  const OURS = `sha256:${'a'.repeat(64)}`;
  const bomLinkVex = (artifact = OURS) => {
    const parsed = normaliseDocument(fixtureText('sbom/cyclonedx/VEX__vex.json'), 'vex.json', 'scan');
    if (parsed.type !== 'evidence') throw new Error('not evidence');
    return scan([], { data: parsed.data, format: parsed.format, artifact });
  };
  /** The example SBOM, as published or with its serial number and version replaced. */
  const exampleSbom = (over: { serialNumber?: string; version?: number; artifact?: string } = {}) => {
    const { artifact = OURS, ...fields } = over;
    const document = {
      ...(fixtureJson('sbom/cyclonedx/VEX__bom.json') as Record<string, unknown>),
      ...fields,
    };
    const parsed = normaliseDocument(JSON.stringify(document), 'bom.json', 'sbom');
    if (parsed.type !== 'evidence') throw new Error('not evidence');
    return sbom([], { data: parsed.data, format: parsed.format, artifact });
  };
  const honourHigh = req({ high: 0, reportSuppressions: 'honour' });
  const jackson =
    'CVE-2020-25649 in urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar';

  it('counts what the bom-examples VEX sets aside through a BOM-link to a BOM not attested for this artifact, even under honour', () => {
    for (const evidence of [
      [bomLinkVex(), scan([])],
      [bomLinkVex(), exampleSbom(), scan([])],
    ]) {
      const result = evaluateVulnerabilities(honourHigh, evidence, NOW);
      expect(result.status).toBe('fail');
      expect(result.required.map((r) => r.text)).toEqual([
        `1 high finding(s), at most 0 allowed: ${jackson}`,
      ]);
      const counted = `1 finding(s) the cyclonedx report sets aside are counted: its statements name their product by a BOM-link into ${LINKED}, and no CycloneDX SBOM attested for this artifact has that serial number and version: CVE-2020-25649 (high): analysis.state not_affected (code_not_reachable): Automated dataflow`;
      expect(result.risks.filter((r) => r.text.startsWith(counted))).toHaveLength(1);
    }
  });

  it('honours a BOM-link waiver only with an SBOM of that serial number and version attested for this artifact', () => {
    const serialNumber = 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79';
    const linked = exampleSbom({ serialNumber });
    expect(evaluateVulnerabilities(honourHigh, [bomLinkVex(), linked, scan([])], NOW).status).toBe('pass');
    // Another version of that BOM, or that BOM attested for another artifact, is not what the link names.
    const version2 = exampleSbom({ serialNumber, version: 2 });
    expect(evaluateVulnerabilities(honourHigh, [bomLinkVex(), version2, scan([])], NOW).status).toBe('fail');
    const elsewhere = exampleSbom({ serialNumber, artifact: `sha256:${'b'.repeat(64)}` });
    expect(evaluateVulnerabilities(honourHigh, [bomLinkVex(), elsewhere, scan([])], NOW).status).toBe('fail');
  });

  it('counts a BOM-link waiver whose bom-ref the attested SBOM of that serial and version does not hold', () => {
    const serialNumber = 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79';
    const document = fixtureJson('sbom/cyclonedx/VEX__bom.json') as {
      components: Array<Record<string, unknown>>;
    };
    // The same SBOM with jackson-databind taken out: the link names a part it does not hold.
    const without = document.components.filter((c) => c.name !== 'jackson-databind');
    expect(without).toHaveLength(document.components.length - 1);
    const parsed = normaliseDocument(
      JSON.stringify({ ...document, serialNumber, components: without }),
      'bom.json',
      'sbom',
    );
    if (parsed.type !== 'evidence') throw new Error('not evidence');
    const linked = sbom([], { data: parsed.data, format: parsed.format, artifact: OURS });
    const result = evaluateVulnerabilities(honourHigh, [bomLinkVex(), linked, scan([])], NOW);
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([`1 high finding(s), at most 0 allowed: ${jackson}`]);
    const counted = `1 finding(s) the cyclonedx report sets aside are counted: its statements name their product by a BOM-link to ${LINKED}#pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar, and the CycloneDX SBOM attested for this artifact with that serial number and version holds no component with that bom-ref: CVE-2020-25649 (high)`;
    expect(result.risks.filter((r) => r.text.startsWith(counted))).toHaveLength(1);
  });

  it('honours a BOM-link waiver naming a part by a bom-ref other than its purl only when the SBOM holds it', () => {
    const serialNumber = 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79';
    const vexOf = (ref: string) =>
      recordOf(
        vexRef(`urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#${encodeURIComponent(ref)}`),
        'vex.json',
      );
    const parsed = normaliseDocument(
      JSON.stringify({
        bomFormat: 'CycloneDX',
        specVersion: '1.6',
        serialNumber,
        components: [
          { 'bom-ref': 'ssl-1', name: 'openssl', version: '3.0.1', purl: 'pkg:deb/openssl@3.0.1' },
        ],
      }),
      'bom.json',
      'sbom',
    );
    if (parsed.type !== 'evidence') throw new Error('not evidence');
    const bomRecord = sbom([], { data: parsed.data, format: parsed.format });
    const honour = req({ critical: 0, reportSuppressions: 'honour' });
    expect(evaluateVulnerabilities(honour, [vexOf('ssl-1'), bomRecord, scan([])], NOW).status).toBe('pass');
    // Its purl is not its bom-ref, and another bom-ref names nothing in it.
    expect(
      evaluateVulnerabilities(honour, [vexOf('pkg:deb/openssl@3.0.1'), bomRecord, scan([])], NOW).status,
    ).toBe('fail');
    expect(evaluateVulnerabilities(honour, [vexOf('ssl-2'), bomRecord, scan([])], NOW).status).toBe('fail');
  });

  it('counts a stored BOM-link waiver whose bom-ref does not percent-decode, shown as written', () => {
    const serialNumber = 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79';
    const link = 'urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1';
    const parsed = normaliseDocument(
      JSON.stringify({
        bomFormat: 'CycloneDX',
        specVersion: '1.6',
        serialNumber,
        components: [{ 'bom-ref': 'ssl%zz', name: 'openssl', version: '3.0.1' }],
      }),
      'bom.json',
      'sbom',
    );
    if (parsed.type !== 'evidence') throw new Error('not evidence');
    const bomRecord = sbom([], { data: parsed.data, format: parsed.format });
    const honour = req({ critical: 0, reportSuppressions: 'honour' });
    // Read from a VEX, the fragment is stored escaped (#ssl%25zz) and names the part spelt ssl%zz.
    const read = recordOf(vexRef(`${link}#ssl%zz`), 'vex.json');
    expect(evaluateVulnerabilities(honour, [read, bomRecord, scan([])], NOW).status).toBe('pass');
    // A record holding the fragment as written names no part, even one spelt so.
    const data = read.data as VulnerabilitySummary;
    const undecodable = `${link}#ssl%zz`;
    const stored = scan([], {
      data: {
        ...data,
        suppressedFindings: (data.suppressedFindings ?? []).map((f) => ({ ...f, product: undecodable })),
        vexBoms: [undecodable],
      },
      format: read.format,
    });
    const result = evaluateVulnerabilities(honour, [stored, bomRecord, scan([])], NOW);
    expect(result.status).toBe('fail');
    const counted = `1 finding(s) the cyclonedx report sets aside are counted: its statements name their product by a BOM-link to ${undecodable}, and the CycloneDX SBOM attested for this artifact with that serial number and version holds no component with that bom-ref`;
    expect(result.risks.filter((r) => r.text.startsWith(counted))).toHaveLength(1);
  });

  it('counts a VEX waiver about an image named by a tag only, and honours one naming the digest', () => {
    const honour = req({ critical: 0, reportSuppressions: 'honour' });
    const ours = `sha256%3A${'a'.repeat(64)}`;
    const about = (ref: string) => recordOf(vexRef(ref), 'vex.json');
    const pinned = evaluateVulnerabilities(honour, [about(`pkg:oci/app@${ours}?tag=1.0`), scan([])], NOW);
    expect([pinned.status, pinned.required.map((r) => r.text)]).toEqual(['pass', []]);
    for (const tagged of ['pkg:oci/app?tag=1.0', 'pkg:docker/acme/app@1.0']) {
      const result = evaluateVulnerabilities(honour, [about(tagged), scan([])], NOW);
      expect(result.status).toBe('fail');
      expect(result.required.map((r) => r.text)).toEqual([
        `1 critical finding(s), at most 0 allowed: CVE-2026-7777 in ${tagged}`,
      ]);
      const counted = `1 finding(s) the cyclonedx report sets aside are counted: its statements name the image by a tag only (${tagged}), and a tag can be moved to another build; a waiver holds for this artifact only when its purl names this digest`;
      expect(result.risks.filter((r) => r.text.startsWith(counted))).toHaveLength(1);
    }
  });

  it('counts a VEX waiver about a container component named without a digest, and honours one with its digest', () => {
    const honour = req({ critical: 0, reportSuppressions: 'honour' });
    const about = (container: Record<string, unknown>) =>
      recordOf(
        {
          ...vexRef('img'),
          components: [{ 'bom-ref': 'img', type: 'container', name: 'registry.example/app', ...container }],
        },
        'vex.json',
      );
    const tagged = evaluateVulnerabilities(honour, [about({ version: '1.0' })], NOW);
    expect(tagged.status).toBe('fail');
    expect(
      tagged.risks.filter((r) =>
        r.text.startsWith(
          '1 finding(s) the cyclonedx report sets aside are counted: its statements name the image by a tag only (registry.example/app:1.0)',
        ),
      ),
    ).toHaveLength(1);
    const pinned = about({ version: '1.0', purl: `pkg:oci/app@sha256%3A${'a'.repeat(64)}` });
    expect(evaluateVulnerabilities(honour, [pinned], NOW).status).toBe('pass');
  });

  it('reads a BOM-link to the VEX document itself as a reference to its own component', () => {
    const own = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      serialNumber: 'urn:uuid:0b7c3d4e-1f2a-4b5c-8d9e-0a1b2c3d4e5f',
      version: 3,
      components: [{ 'bom-ref': 'ssl', name: 'openssl', version: '3.0.1' }],
      vulnerabilities: [
        {
          id: 'CVE-2026-7777',
          ratings: [{ severity: 'critical' }],
          analysis: { state: 'not_affected', justification: 'code_not_reachable' },
          affects: [{ ref: 'urn:cdx:0b7c3d4e-1f2a-4b5c-8d9e-0a1b2c3d4e5f/3#ssl' }],
        },
      ],
    };
    const result = evaluateVulnerabilities(
      req({ critical: 0, reportSuppressions: 'honour' }),
      [recordOf(own, 'vex.json')],
      NOW,
    );
    expect(result.status).toBe('pass');
    expect(result.risks.map((r) => r.text)).toEqual([
      '1 finding(s) suppressed in the cyclonedx report itself (VEX, ignore rules or suppressions) were not counted (the contract honours report-side suppressions): CVE-2026-7777 (critical) in openssl@3.0.1: analysis.state not_affected (code_not_reachable)',
    ]);
  });

  it('counts a critical whose VEX statement sets it aside for a BOM-link into itself naming no part of it', () => {
    const own = {
      ...vexRef('urn:cdx:0b7c3d4e-1f2a-4b5c-8d9e-0a1b2c3d4e5f/3#ghost'),
      serialNumber: 'urn:uuid:0b7c3d4e-1f2a-4b5c-8d9e-0a1b2c3d4e5f',
      version: 3,
      components: [{ 'bom-ref': 'ssl', name: 'openssl', version: '3.0.1' }],
    };
    const result = honouring(own);
    expect(result.status).toBe('fail');
    expect(result.risks.map((r) => r.text)).toContain(
      'scan by cyclonedx: 1 vulnerability statement(s) set a finding aside for a BOM-link into this document that names no part of it (no component with that bom-ref), so they are counted as findings: CVE-2026-7777',
    );
  });

  it('counts a critical whose VEX statement sets it aside for a plain ref no component of the document has', () => {
    // The BOM holds openssl 3.0.1 (bom-ref ssl); the statement is about `ssl-3.0.2`, a ref it does
    // not hold: a stale or mistyped ref names no product here, so it waives nothing.
    const own = {
      ...vexRef('ssl-3.0.2'),
      components: [
        { 'bom-ref': 'ssl', name: 'openssl', version: '3.0.1', purl: 'pkg:generic/openssl@3.0.1' },
      ],
    };
    const result = honouring(own);
    expect(result.status).toBe('fail');
    expect(result.risks.map((r) => r.text)).toContain(
      'scan by cyclonedx: 1 vulnerability statement(s) set a finding aside for an "affects" ref that names no component of this document (no component has that bom-ref or purl), so they are counted as findings: CVE-2026-7777',
    );
    // Named by its bom-ref, or by its purl, the same statement waives the finding.
    for (const ref of ['ssl', 'pkg:generic/openssl@3.0.1']) {
      expect(honouring({ ...own, vulnerabilities: vexRef(ref).vulnerabilities }).status).toBe('pass');
    }
  });

  it('counts a critical whose VEX statement sets it aside without naming the product it is about', () => {
    const vex = vexAbout(`sha256:${'a'.repeat(64)}`);
    const { affects: _named, ...statement } = vex.vulnerabilities[0]!;
    const unscoped = { ...vex, vulnerabilities: [statement] };
    const record = recordOf(unscoped, 'vex.json');
    const result = evaluateVulnerabilities(req({ critical: 0, reportSuppressions: 'honour' }), [record], NOW);
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([
      '1 critical finding(s), at most 0 allowed: CVE-2026-7777',
    ]);
    expect(result.risks.map((r) => r.text)).toEqual([
      'scan by cyclonedx: 1 vulnerability statement(s) set a finding aside with no "affects" naming the product they are about, so they are counted as findings: CVE-2026-7777',
    ]);
  });

  it('counts a critical whose VEX statement says not_affected with no justification nor detail', () => {
    const record = recordOf(vex({ state: 'not_affected' }), 'vex.json');
    const result = evaluateVulnerabilities(req({ critical: 0 }), [record], NOW);
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([
      '1 critical finding(s), at most 0 allowed: CVE-2026-7777 in openssl@3.0.1',
    ]);
    expect(result.risks.map((r) => r.text)).toEqual([
      'scan by cyclonedx: 1 vulnerability statement(s) say not_affected with neither analysis.justification nor analysis.detail, so they are counted as findings: CVE-2026-7777',
    ]);
  });

  it('names a SARIF result set aside by an accepted suppression, with its justification, when the contract honours it', () => {
    const record = recordOf(SUPPRESSED_SARIF, 'scan.sarif');
    const result = evaluateVulnerabilities(req({ critical: 0, reportSuppressions: 'honour' }), [record], NOW);
    expect(result.status).toBe('pass');
    expect(result.risks.map((r) => r.text)).toEqual([
      'scan by scanner counted as a vulnerability scan, but scanner is not a vulnerability scanner Tollgate knows (a linter or code scanner finds no vulnerable packages); name the scanners that count with `scanners: [trivy, grype]`',
      '1 finding(s) suppressed in the scanner report itself (VEX, ignore rules or suppressions) were not counted (the contract honours report-side suppressions): CVE-2026-5555 (critical) in usr/lib/libssl.so.3: suppressed external (accepted): vendor says unaffected',
    ]);
  });

  it("a Trivy scan of a lockfile does not replace the scanner's image scan, and is named as no image scan", () => {
    // Real Trivy output: an image scan (alpine 3.10, 4 medium) recorded first, then a
    // filesystem scan of a package-lock.json (1 high). Keyed by (format, scanner) alone the second
    // replaced the first and `medium: 0` passed on a scan that never looked at the image.
    const image = normaliseDocument(
      fixtureText('scans/trivy/integration__testdata__alpine-310.json.golden'),
      'image.json',
      'scan',
    );
    const lockfile = normaliseDocument(
      fixtureText('scans/trivy/integration__testdata__fixtures__convert__npm-with-suppressed.json.golden'),
      'fs.json',
      'scan',
    );
    if (image.type !== 'evidence' || lockfile.type !== 'evidence') throw new Error('not evidence');
    const first = scan([], {
      id: 'ev-image',
      data: image.data,
      format: image.format,
      recordedAt: '2026-11-24T00:00:00Z',
    });
    const second = scan([], {
      id: 'ev-fs',
      data: lockfile.data,
      format: lockfile.format,
      recordedAt: '2026-11-25T00:00:00Z',
    });
    const result = evaluateVulnerabilities(req({ medium: 0 }), [first, second], NOW, 'oci');
    expect(result.status).toBe('fail');
    expect(result.required[0]?.text).toMatch(/^4 medium finding\(s\), at most 0 allowed/);
    expect(result.risks.map((r) => r.text)).toContain(
      'scan by trivy is of a filesystem (package-lock.json), not of an image: what the image holds beyond it (OS packages, other layers) was not scanned',
    );
    // A file artifact scanned as a file system is what it should be: nothing said.
    const asFile = evaluateVulnerabilities(req({}), [second], NOW, 'file');
    expect(asFile.risks.some((r) => r.text.includes('not of an image'))).toBe(false);
  });

  it('counts an UNKNOWN Trivy severity or Unknown Grype severity by the CVSS or related rating it has', () => {
    const trivy = {
      SchemaVersion: 2,
      ArtifactName: 'shop/checkout:1.4.2',
      ArtifactType: 'container_image',
      Results: [
        {
          Target: 'shop/checkout:1.4.2 (alpine 3.20.0)',
          Class: 'os-pkgs',
          Type: 'alpine',
          Vulnerabilities: [
            {
              VulnerabilityID: 'CVE-2026-1111',
              PkgName: 'openssl',
              InstalledVersion: '3.0.1',
              Severity: 'UNKNOWN',
              CVSS: { nvd: { V3Score: 9.8 } },
            },
          ],
        },
      ],
    };
    const grype = {
      descriptor: { name: 'grype', version: '0.80.0' },
      source: { type: 'image', target: { userInput: 'shop/checkout:1.4.2' } },
      matches: [
        {
          vulnerability: { id: 'GHSA-aaaa-bbbb-cccc', severity: 'Unknown' },
          relatedVulnerabilities: [{ id: 'CVE-2026-2222', severity: 'Critical' }],
          artifact: { name: 'left-pad', version: '1.0.0' },
        },
      ],
    };
    const result = evaluateVulnerabilities(
      req({ critical: 0 }),
      [recordOf(trivy, 'trivy.json'), recordOf(grype, 'grype.json')],
      NOW,
    );
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([
      '2 critical finding(s), at most 0 allowed: CVE-2026-1111 in openssl@3.0.1, GHSA-aaaa-bbbb-cccc in left-pad@1.0.0',
    ]);
  });

  it('counts findings a report suppressed itself unless the contract honours them', () => {
    const sarif = evaluateVulnerabilities(
      req({ critical: 0 }),
      [recordOf(SUPPRESSED_SARIF, 'scan.sarif')],
      NOW,
    );
    expect(sarif.status).toBe('fail');
    expect(sarif.required.map((r) => r.text)).toEqual([
      '1 critical finding(s), at most 0 allowed: CVE-2026-5555 in usr/lib/libssl.so.3',
    ]);
    expect(sarif.risks.map((r) => r.text)).toEqual([
      'scan by scanner counted as a vulnerability scan, but scanner is not a vulnerability scanner Tollgate knows (a linter or code scanner finds no vulnerable packages); name the scanners that count with `scanners: [trivy, grype]`',
      '1 finding(s) suppressed in the scanner report itself (VEX, ignore rules or suppressions) are counted, as the contract does not honour report-side suppressions (reportSuppressions: honour would): CVE-2026-5555 (critical) in usr/lib/libssl.so.3: suppressed external (accepted): vendor says unaffected',
    ]);
    const stated = vex({
      state: 'not_affected',
      justification: 'code_not_reachable',
      detail: 'never loaded',
    });
    expect(evaluateVulnerabilities(req({ critical: 0 }), [recordOf(stated, 'vex.json')], NOW).status).toBe(
      'fail',
    );
  });

  it('counts a finding a Trivy ignore file or VEX set aside in real Trivy output', () => {
    const parsed = normaliseDocument(
      fixtureText('scans/trivy/integration__testdata__fixtures__convert__npm-with-suppressed.json.golden'),
      'trivy.json',
      'scan',
    );
    if (parsed.type !== 'evidence') throw new Error('not evidence');
    const record = scan([], { data: parsed.data, format: parsed.format });
    const counted = evaluateVulnerabilities(req({ low: 0 }), [record], NOW);
    expect(counted.status).toBe('fail');
    expect(counted.required.map((r) => r.text)).toEqual([
      '1 low finding(s), at most 0 allowed: CVE-2017-16137 in debug@3.0.1',
    ]);
    expect(evaluateVulnerabilities(req({ low: 0, reportSuppressions: 'honour' }), [record], NOW).status).toBe(
      'pass',
    );
  });

  it('counts suppressed findings the record does not name at the least severe named severity', () => {
    const record = scan([], {}, 'grype', 3);
    if (record.data.kind !== 'vulnerabilities') throw new Error('not a scan');
    record.data.suppressedFindings = [{ id: 'CVE-2026-9', severity: 'high', reason: 'ignore rule' }];
    const result = evaluateVulnerabilities(req({ high: 2 }), [record], NOW);
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([
      '3 high finding(s), at most 2 allowed: (suppressed, unlisted), (suppressed, unlisted), CVE-2026-9',
    ]);
  });

  it('lets an allowance in the contract accept a finding the report suppressed', () => {
    const allowed = req({
      critical: 0,
      allow: [{ id: 'CVE-2026-5555', reason: 'vendor says unaffected', until: '2027-01-31' }],
    });
    expect(evaluateVulnerabilities(allowed, [recordOf(SUPPRESSED_SARIF, 'scan.sarif')], NOW).status).toBe(
      'pass',
    );
  });
});
