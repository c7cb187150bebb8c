import { describe, expect, it } from 'vitest';
import { parseCycloneDx, parseCycloneDxVulnerabilities } from '../../src/evidence/cyclonedx-parser.js';
import { normaliseDocument } from '../../src/evidence/normalise-evidence.js';
import { tollgateErrorOf } from '../support/builders.js';
import { fixtureJson, sampleJson } from './scan-helpers.js';

const CDX = 'sbom/cyclonedx/';

describe('parseCycloneDx on the real CycloneDX fixtures', () => {
  it('reads dropwizard 1.3.15 (CycloneDX 1.2): 167 components, licence ids, names and one expression', () => {
    const sbom = parseCycloneDx(fixtureJson(`${CDX}dropwizard-1.3.15__bom.json`), 'dropwizard.json');
    expect(sbom.standard).toBe('cyclonedx');
    expect(sbom.specVersion).toBe('1.2');
    expect(sbom.tool).toBe('CycloneDX Maven plugin 2.0.2');
    expect(sbom.subject).toEqual({
      name: 'io.dropwizard/dropwizard-parent',
      version: '1.3.15',
      purl: 'pkg:maven/io.dropwizard/dropwizard-parent@1.3.15',
      type: 'library',
    });
    // 133 components carry licences: 119 with at least one SPDX id/expression, 14 with names only.
    expect(sbom.counts).toEqual({
      components: 167,
      withPurl: 167,
      withLicense: 119,
      withUnparsedLicense: 14,
      withoutLicense: 34,
    });
    const locator = sbom.components.find((c) => c.name === 'org.glassfish.hk2/osgi-resource-locator');
    expect(locator?.licenses).toEqual(['(CDDL-1.0 OR GPL-2.0-with-classpath-exception)']);
    const logback = sbom.components.find((c) => c.name === 'ch.qos.logback/logback-core');
    expect(logback).toMatchObject({
      version: '1.2.3',
      purl: 'pkg:maven/ch.qos.logback/logback-core@1.2.3?type=jar',
      licenses: ['EPL-1.0'],
      licenseNames: ['GNU Lesser General Public License'],
    });
  });

  it('reads lhc-vdm-editor (1.2), laravel (1.4) and proton-bridge (1.2) with their component counts', () => {
    const cern = parseCycloneDx(fixtureJson(`${CDX}cern-lhc-vdm-editor-e564943__bom.json`), 'cern.json');
    expect(cern.counts.components).toBe(43);
    expect(cern.counts.withLicense).toBe(43);
    expect(cern.subject?.name).toBe('lhc-vdm-editor');

    const laravel = parseCycloneDx(fixtureJson(`${CDX}laravel-7.12.0__bom.1.4.json`), 'laravel.json');
    expect(laravel.specVersion).toBe('1.4');
    expect(laravel.counts).toMatchObject({
      components: 62,
      withPurl: 62,
      withLicense: 62,
      withoutLicense: 0,
    });

    const proton = parseCycloneDx(
      fixtureJson(`${CDX}proton-bridge__proton-bridge-v1.8.0.bom.json`),
      'proton.json',
    );
    expect(proton.counts).toMatchObject({ components: 201, withLicense: 193, withoutLicense: 8 });
    expect(proton.tool).toBe('cyclonedx-gomod v0.6.1');
    // LGPL-3.0 is a deprecated SPDX id, still a valid expression.
    expect(proton.components.some((c) => c.licenses.includes('LGPL-3.0'))).toBe(true);
  });

  it('reads the VEX document as an SBOM with no components and its product as subject', () => {
    const vex = parseCycloneDx(fixtureJson(`${CDX}VEX__CISA-Use-Cases__Case-2__vex.json`), 'vex.json');
    expect(vex.counts.components).toBe(0);
    expect(vex.subject).toEqual({ name: 'ABC', version: '4.2', type: 'application', bomRef: 'product-ABC' });
  });
});

describe('parseCycloneDxVulnerabilities', () => {
  it('counts the 19 not_affected statements of the CISA VEX case 2 as suppressed, none as findings', () => {
    const scan = parseCycloneDxVulnerabilities(
      fixtureJson(`${CDX}VEX__CISA-Use-Cases__Case-2__vex.json`),
      'vex.json',
    );
    expect(scan.findings).toEqual([]);
    expect(scan.suppressed).toBe(19);
    expect(scan.counts).toEqual({ critical: 0, high: 0, medium: 0, low: 0, unknown: 0 });
  });

  it('keeps exploitable and untriaged vulnerabilities, one finding per affected component, worst rating wins', () => {
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      components: [{ 'bom-ref': 'lib-a', name: 'lib-a', version: '1.0.0', purl: 'pkg:npm/lib-a@1.0.0' }],
      vulnerabilities: [
        {
          id: 'CVE-2026-0001',
          ratings: [
            { severity: 'medium', method: 'CVSSv31' },
            { severity: 'high', method: 'OWASP' },
          ],
          analysis: { state: 'exploitable' },
          affects: [{ ref: 'lib-a' }, { ref: 'unknown-ref' }],
          references: [{ id: 'GHSA-aaaa-bbbb-cccc', source: { name: 'GitHub' } }],
        },
        { id: 'CVE-2026-0002', ratings: [{ score: 9.1, method: 'CVSSv31' }] },
        { id: 'CVE-2026-0003', analysis: { state: 'false_positive' }, affects: [{ ref: 'lib-a' }] },
      ],
    };
    const scan = parseCycloneDxVulnerabilities(bom, 'vdr.json');
    expect(scan.findings).toEqual([
      {
        id: 'CVE-2026-0001',
        aliases: ['GHSA-aaaa-bbbb-cccc'],
        severity: 'high',
        package: 'lib-a',
        version: '1.0.0',
        purl: 'pkg:npm/lib-a@1.0.0',
        source: 'cyclonedx',
      },
      {
        id: 'CVE-2026-0001',
        aliases: ['GHSA-aaaa-bbbb-cccc'],
        severity: 'high',
        package: 'unknown-ref',
        source: 'cyclonedx',
      },
      { id: 'CVE-2026-0002', severity: 'critical', source: 'cyclonedx' },
    ]);
    expect(scan.suppressed).toBe(1);
    expect(scan.counts).toEqual({ critical: 1, high: 2, medium: 0, low: 0, unknown: 0 });
  });
});

describe('parseCycloneDxVulnerabilities: ratings', () => {
  /** Each vulnerability's id and severity, read from a VDR holding these. */
  const severitiesOf = (vulnerabilities: unknown[]) =>
    parseCycloneDxVulnerabilities(
      { bomFormat: 'CycloneDX', specVersion: '1.6', vulnerabilities },
      'vdr.json',
    ).findings.map((f) => [f.id, f.severity]);

  it('rates a rating named "unknown" by the score beside it', () => {
    expect(
      severitiesOf([
        { id: 'CVE-2026-3333', ratings: [{ severity: 'unknown', score: 9.8, method: 'CVSSv31' }] },
        { id: 'CVE-2026-4444', ratings: [{ severity: 'unknown' }] },
      ]),
    ).toEqual([
      ['CVE-2026-3333', 'critical'],
      ['CVE-2026-4444', 'unknown'],
    ]);
  });

  it('reads a vendor word beside a CVSS score as the worse of the two, as Grype writes low with 8.2', () => {
    expect(
      severitiesOf([
        {
          id: 'CVE-2026-8282',
          ratings: [{ score: 8.2, severity: 'low', method: 'CVSSv31', source: { name: 'debian' } }],
        },
        { id: 'CVE-2026-8283', ratings: [{ score: 9.1, severity: 'none' }] },
        { id: 'CVE-2026-8284', ratings: [{ score: 5, severity: 'critical', method: 'CVSSv4' }] },
      ]),
    ).toEqual([
      ['CVE-2026-8282', 'high'],
      ['CVE-2026-8283', 'critical'],
      ['CVE-2026-8284', 'critical'],
    ]);
  });

  it('keeps the word of a rating whose score is of another method than CVSS', () => {
    expect(
      severitiesOf([
        { id: 'CVE-2026-8285', ratings: [{ score: 8, severity: 'medium', method: 'OWASP' }] },
        { id: 'CVE-2026-8286', ratings: [{ score: 8, method: 'OWASP' }] },
      ]),
    ).toEqual([
      ['CVE-2026-8285', 'medium'],
      ['CVE-2026-8286', 'high'],
    ]);
  });

  it('reads a score of another method with no word as unknown, never low (Grype EPSS and KEV)', () => {
    // Grype rates EPSS (a probability) and KEV (1 when listed) with method other and no word: read
    // as a CVSS band they were low, and a finding nothing rated passed high: 0.
    expect(
      severitiesOf([
        { id: 'CVE-2026-8288', ratings: [{ score: 0.03, method: 'other' }] },
        {
          id: 'CVE-2026-8289',
          ratings: [
            { score: 1, method: 'other' },
            { score: 0.97, method: 'other' },
          ],
        },
        {
          id: 'CVE-2026-8290',
          ratings: [
            { score: 2, method: 'SSVC' },
            { score: 0.1, severity: 'unknown', method: 'other' },
          ],
        },
        {
          id: 'CVE-2026-8291',
          ratings: [
            { score: 0.5, method: 'other' },
            { severity: 'high', method: 'other' },
          ],
        },
        { id: 'CVE-2026-8292', ratings: [{ score: 6.5, method: 'OWASP' }] },
      ]),
    ).toEqual([
      ['CVE-2026-8288', 'unknown'],
      ['CVE-2026-8289', 'unknown'],
      ['CVE-2026-8290', 'unknown'],
      ['CVE-2026-8291', 'high'],
      ['CVE-2026-8292', 'high'],
    ]);
  });

  it('refuses a CVSS score outside 0 to 10 rather than read the word beside it', () => {
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      vulnerabilities: [{ id: 'CVE-2026-8287', ratings: [{ score: 82, severity: 'low', method: 'CVSSv3' }] }],
    };
    const error = tollgateErrorOf(() => parseCycloneDxVulnerabilities(bom, 'vdr.json'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toBe(
      'vdr.json: not a valid CycloneDX document: at vulnerabilities[0].ratings[0].score: expected a CVSS score from 0 to 10 (method CVSSv3), found number 82',
    );
  });
});

describe('parseCycloneDxVulnerabilities: a rating score that is no number', () => {
  const vdr = (score: unknown) => ({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    components: [{ type: 'library', 'bom-ref': 'lib', name: 'lib', version: '1' }],
    vulnerabilities: [
      { id: 'CVE-2026-8301', ratings: [{ score, method: 'CVSSv31' }], affects: [{ ref: 'lib' }] },
    ],
  });

  it('reads a CVSS score written as a numeric string by its band, not as unknown', () => {
    // Read as unknown, a critical written "9.8" passed critical: 0.
    const scan = parseCycloneDxVulnerabilities(vdr('9.8'), 'vdr.json');
    expect(scan.findings.map((f) => f.severity)).toEqual(['critical']);
    expect(parseCycloneDxVulnerabilities(vdr(' 7.5 '), 'vdr.json').findings[0]?.severity).toBe('high');
  });

  it('refuses a score that is no number at all instead of reading unknown', () => {
    for (const [score, found] of [
      ['NaN', 'the string "NaN"'],
      ['9.8/10', 'the string "9.8/10"'],
      [true, 'true'],
      [{ value: 9.8 }, 'an object'],
    ] as const) {
      const error = tollgateErrorOf(() => parseCycloneDxVulnerabilities(vdr(score), 'vdr.json'));
      expect(error.code).toBe('EVIDENCE_INVALID');
      expect(error.message).toContain(
        'at vulnerabilities[0].ratings[0].score: expected a CVSS score from 0 to 10',
      );
      expect(error.message).toContain(found);
    }
  });

  it('refuses an XML score too large for a number, which read as unknown where its JSON twin was refused', () => {
    const xml = `<?xml version="1.0"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">
  <components><component type="library" bom-ref="lib"><name>lib</name><version>1</version></component></components>
  <vulnerabilities><vulnerability><id>CVE-2026-8301</id>
    <ratings><rating><score>1e400</score><method>CVSSv31</method></rating></ratings>
    <affects><target><ref>lib</ref></target></affects>
  </vulnerability></vulnerabilities>
</bom>`;
    const error = tollgateErrorOf(() => normaliseDocument(xml, 'vdr.xml', 'scan'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toContain(
      'vulnerabilities[0].ratings[0].score: expected a CVSS score from 0 to 10',
    );
  });

  it('takes a blank score as no score', () => {
    expect(parseCycloneDxVulnerabilities(vdr(''), 'vdr.json').findings[0]?.severity).toBe('unknown');
  });
});

describe('parseCycloneDxVulnerabilities: an empty list beside no components', () => {
  const empty = (extra: Record<string, unknown> = {}) => ({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    metadata: {
      tools: { components: [{ name: 'acme-scanner' }] },
      component: { type: 'container', name: 'app' },
    },
    vulnerabilities: [],
    ...extra,
  });

  it('refuses it as a scan of nothing, which passed critical 0 as a clean scan', () => {
    const error = tollgateErrorOf(() => parseCycloneDxVulnerabilities(empty(), 'cdx.json'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toMatch(
      /^cdx\.json: not a vulnerability scan: this CycloneDX document has an empty "vulnerabilities" list and no components: it lists nothing that was scanned/,
    );
    const xml = tollgateErrorOf(() =>
      normaliseDocument(
        '<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"><vulnerabilities/></bom>',
        'cdx.xml',
        'scan',
      ),
    );
    expect(xml.message).toMatch(/^cdx\.xml: not a vulnerability scan: this CycloneDX document has an empty/);
  });

  it('reads it as a clean scan when the document lists what was scanned', () => {
    const listed = empty({ components: [{ name: 'openssl', version: '3.0.1' }] });
    expect(parseCycloneDxVulnerabilities(listed, 'cdx.json').findings).toEqual([]);
  });
});

describe('parseCycloneDxVulnerabilities: a severity word outside the enum', () => {
  // Read as unknown, which only an `unknown` limit counts, Red Hat's "important" passed `high: 0`.
  const bom = (rating: Record<string, unknown>) => ({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    vulnerabilities: [{ id: 'CVE-2026-5151', ratings: [{ method: 'other', ...rating }] }],
  });

  it('refuses it when no score says how bad the finding is', () => {
    const error = tollgateErrorOf(() =>
      parseCycloneDxVulnerabilities(bom({ severity: 'important' }), 'v.json'),
    );
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toBe(
      'v.json: not a valid CycloneDX document: at vulnerabilities[0].ratings[0].severity: expected one of "critical", "high", "medium", "low", "info", "none", "unknown" (or a "score" beside another word), found the string "important"',
    );
    expect(
      tollgateErrorOf(() => parseCycloneDxVulnerabilities(bom({ severity: 'constructor' }), 'v.json')).code,
    ).toBe('EVIDENCE_INVALID');
  });

  it('rates it by the score beside it, and reads the enum in any case', () => {
    expect(
      parseCycloneDxVulnerabilities(bom({ severity: 'important', score: 8.1 }), 'v.json').counts.high,
    ).toBe(1);
    expect(parseCycloneDxVulnerabilities(bom({ severity: 'CRITICAL' }), 'v.json').counts.critical).toBe(1);
  });
});

describe('parseCycloneDx on CycloneDX 1.5 and 1.6 samples', () => {
  it('1.5: tools as an object, group/name, nested components flattened, a licence name kept as a name', () => {
    const sbom = parseCycloneDx(sampleJson('cyclonedx-1.5.cdx.json'), 'storefront.cdx.json');
    expect(sbom.specVersion).toBe('1.5');
    expect(sbom.tool).toBe('cdxgen 10.10.0');
    expect(sbom.components.map((c) => c.name)).toEqual([
      'react',
      '@babel/runtime',
      'regenerator-runtime',
      'caniuse-lite',
      'event-stream',
      'mysql-native',
    ]);
    expect(sbom.counts).toEqual({
      components: 6,
      withPurl: 6,
      withLicense: 5,
      withUnparsedLicense: 1,
      withoutLicense: 0,
    });
    expect(sbom.components.find((c) => c.name === 'mysql-native')).toMatchObject({
      licenses: [],
      licenseNames: ['GPL v2'],
    });
    expect(sbom.components.find((c) => c.name === 'caniuse-lite')?.licenses).toEqual(['CC-BY-4.0']);
  });

  it('1.6: expression with acknowledgement, a file component without purl or licence', () => {
    const sbom = parseCycloneDx(sampleJson('cyclonedx-1.6.cdx.json'), 'image.cdx.json');
    expect(sbom.specVersion).toBe('1.6');
    expect(sbom.tool).toBe('syft 1.18.1');
    expect(sbom.subject?.name).toBe('registry.example.com/shop/checkout');
    expect(sbom.counts).toEqual({
      components: 4,
      withPurl: 3,
      withLicense: 3,
      withUnparsedLicense: 0,
      withoutLicense: 1,
    });
    expect(sbom.components.find((c) => c.name === 'libc6')?.licenses).toEqual([
      'LGPL-2.1-or-later AND GPL-2.0-or-later WITH GCC-exception-2.0',
    ]);
  });
});

describe('parseCycloneDx never drops a licence or a component', () => {
  it('counts the components the subject holds (metadata.component.components) as components', () => {
    const sbom = parseCycloneDx(
      {
        bomFormat: 'CycloneDX',
        specVersion: '1.6',
        metadata: {
          component: {
            type: 'application',
            name: 'app',
            components: [{ type: 'library', name: 'bundled', licenses: [{ expression: 'GPL-3.0-only' }] }],
          },
        },
        components: [{ type: 'library', name: 'top' }],
      },
      'bom.json',
    );
    expect(sbom.subject).toEqual({ name: 'app', type: 'application' });
    expect(sbom.components.map((c) => [c.name, c.licenses])).toEqual([
      ['top', []],
      ['bundled', ['GPL-3.0-only']],
    ]);
    expect(sbom.counts.components).toBe(2);
  });

  it('keeps both halves of a malformed choice (expression and licence; id and name)', () => {
    const sbom = parseCycloneDx(
      {
        bomFormat: 'CycloneDX',
        specVersion: '1.6',
        components: [
          {
            name: 'a',
            licenses: [
              { expression: 'MIT', license: { id: 'GPL-3.0-only' } },
              { license: { id: 'Apache-2.0', name: 'AGPL-3.0-only' } },
              { expression: null, license: { id: 'MIT', name: null } },
            ],
          },
        ],
      },
      'bom.json',
    );
    expect(sbom.components[0]?.licenses).toEqual(['MIT', 'GPL-3.0-only', 'Apache-2.0', 'AGPL-3.0-only']);
  });

  it('refuses a licence choice with neither a licence nor an expression', () => {
    const error = tollgateErrorOf(() =>
      parseCycloneDx(
        {
          bomFormat: 'CycloneDX',
          specVersion: '1.7',
          components: [{ name: 'a', licenses: [{ acknowledgement: 'declared' }] }],
        },
        'bom.json',
      ),
    );
    expect(error.message).toBe(
      'bom.json: not a valid CycloneDX document: at components[0].licenses[0]: expected a licence choice with "license" or "expression", found an object',
    );
    expect(
      tollgateErrorOf(() =>
        parseCycloneDx(
          {
            bomFormat: 'CycloneDX',
            specVersion: '1.7',
            components: [{ name: 'a', evidence: { licenses: [{}] } }],
          },
          'bom.json',
        ),
      ).message,
    ).toContain('at components[0].evidence.licenses[0]: expected a licence choice');
  });
});

describe('parseCycloneDx refuses the wrong shape, naming the file and the path', () => {
  it('a component without a name', () => {
    const error = tollgateErrorOf(() =>
      parseCycloneDx(
        { bomFormat: 'CycloneDX', specVersion: '1.4', components: [{ version: '1' }] },
        'bad.json',
      ),
    );
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toBe(
      'bad.json: not a valid CycloneDX document: at components[0].name: expected a string, found nothing (the field is missing)',
    );
  });

  it('components that are not an array, and a non-1.x spec version', () => {
    expect(
      tollgateErrorOf(() =>
        parseCycloneDx({ bomFormat: 'CycloneDX', specVersion: '1.4', components: {} }, 'x.json'),
      ).message,
    ).toContain('at components: expected an array, found an object');
    expect(
      tollgateErrorOf(() => parseCycloneDx({ bomFormat: 'CycloneDX', specVersion: '2.0' }, 'x.json')).message,
    ).toContain('at specVersion: expected a CycloneDX 1.x version, found the string "2.0"');
  });
});

describe('CycloneDX: a bom-ref two parts share', () => {
  // Unique within a BOM by the spec; a VEX resolved a shared one to whichever part came last, so
  // a waiver written for one package was taken for another.
  const vex = (extra: Record<string, unknown>) => ({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    components: [
      { 'bom-ref': 'lib', name: 'openssl', version: '3.0.1', purl: 'pkg:deb/debian/openssl@3.0.1' },
      { name: 'app', components: [{ 'bom-ref': 'lib', name: 'left-pad', version: '1.0.0' }] },
    ],
    vulnerabilities: [
      {
        id: 'CVE-2026-7001',
        ratings: [{ severity: 'critical' }],
        affects: [{ ref: 'lib' }],
        analysis: { state: 'not_affected', justification: 'code_not_reachable' },
      },
    ],
    ...extra,
  });

  it('refuses the VEX and the SBOM, naming the second one and the first', () => {
    const message =
      'v.json: not a valid CycloneDX document: at components[1].components[0].bom-ref: expected a bom-ref no other part of the BOM has (CycloneDX requires it unique: a reference to it would name either part), but components[0].bom-ref has it already, found the string "lib"';
    const scan = tollgateErrorOf(() => parseCycloneDxVulnerabilities(vex({}), 'v.json'));
    expect(scan.code).toBe('EVIDENCE_INVALID');
    expect(scan.message).toBe(message);
    expect(tollgateErrorOf(() => parseCycloneDx(vex({}), 'v.json')).message).toBe(message);
  });

  it('refuses a service sharing a component bom-ref, and a vulnerability sharing one', () => {
    const unique = vex({});
    (unique.components[1]!.components as Array<Record<string, unknown>>)[0]!['bom-ref'] = 'pad';
    expect(parseCycloneDxVulnerabilities(unique, 'v.json').suppressed).toBe(1);
    expect(
      tollgateErrorOf(() =>
        parseCycloneDxVulnerabilities({ ...unique, services: [{ 'bom-ref': 'pad', name: 'api' }] }, 'v.json'),
      ).message,
    ).toMatch(
      /^v\.json: not a valid CycloneDX document: at services\[0\]\.bom-ref: .*but components\[1\]\.components\[0\]\.bom-ref has it already/,
    );
    const vulnerabilities = [{ ...unique.vulnerabilities[0], 'bom-ref': 'lib' }];
    expect(
      tollgateErrorOf(() => parseCycloneDxVulnerabilities({ ...unique, vulnerabilities }, 'v.json')).message,
    ).toMatch(/at vulnerabilities\[0\]\.bom-ref: .*but components\[0\]\.bom-ref has it already/);
  });
});
