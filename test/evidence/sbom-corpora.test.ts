/**
 * SBOMs from three public corpora, read as `attest sbom` reads them: the CycloneDX specification's
 * own test files (1.6, 1.7, valid and invalid), the SPDX project's examples (SPDX 2 and 3, AI and
 * dataset BOMs) and syft's golden snapshots (its CycloneDX and SPDX writers, with redacted values).
 * Each row says what the file holds; the counts were checked by hand and by an independent script
 * over the upstream files (test/fixtures/SOURCES.md names the commits).
 */
import { describe, expect, it } from 'vitest';
import { sbomRequirement } from '../../src/contract/requires/sbom.js';
import type { SbomSummary } from '../../src/evidence/evidence.js';
import { normaliseDocument } from '../../src/evidence/normalise-evidence.js';
import { evaluateSbom } from '../../src/gates/sbom-gate.js';
import { sbom, tollgateErrorOf } from '../support/builders.js';
import { fixtureText } from './scan-helpers.js';

function read(path: string): SbomSummary {
  const result = normaliseDocument(fixtureText(`sbom/${path}`), path, 'sbom');
  if (result.type !== 'evidence' || result.data.kind !== 'sbom') throw new Error(`${path} is no SBOM`);
  return result.data;
}

interface Reads {
  /** CycloneDX `specVersion`, or SPDX `SPDX-2.x` / `3.0.1`. */
  spec: string;
  components: number;
  /** Components with at least one SPDX licence, and with licence names only. */
  withLicense: number;
  withUnparsedLicense?: number;
  /** Every SPDX licence of every component, first appearance first. */
  licenses: string[];
  /** Every licence name that is not an SPDX expression (the gate lists them as unchecked). */
  names?: string[];
  subject?: string;
}

const CDX = 'cyclonedx-spec/';
const SPDX = 'spdx-examples/';
const SYFT = 'syft/';
const NPM = 'npm-sbom/';
const NPM_LICENCES = ['MIT', 'ISC', '(MIT OR GPL-3.0-or-later)', '(MIT AND Zlib)'];

const READS: Array<[string, Reads]> = [
  // CycloneDX 1.7: the full example, twice; a licence name no deny-list can judge.
  [
    `${CDX}1.7__valid-bom-1.7.json`,
    {
      spec: '1.7',
      components: 3,
      withLicense: 2,
      withUnparsedLicense: 1,
      licenses: ['Apache-2.0', 'EPL-2.0 OR GPL-2.0-with-classpath-exception'],
      names: ['Some random license'],
      subject: 'Acme Application',
    },
  ],
  [
    `${CDX}1.7__valid-bom-1.7.xml`,
    {
      spec: '1.7',
      components: 3,
      withLicense: 2,
      withUnparsedLicense: 1,
      licenses: ['Apache-2.0', 'EPL-2.0 OR GPL-2.0-with-classpath-exception'],
      names: ['Some random license'],
      subject: 'Acme Application',
    },
  ],
  // A component inside a component: both count.
  [`${CDX}1.7__valid-assembly-1.7.json`, { spec: '1.7', components: 2, withLicense: 0, licenses: [] }],
  [`${CDX}1.7__valid-assembly-1.7.xml`, { spec: '1.7', components: 2, withLicense: 0, licenses: [] }],
  // <composition><vulnerabilities><vulnerability ref/> lists references, not vulnerabilities.
  [
    `${CDX}1.7__valid-compositions-1.7.json`,
    { spec: '1.7', components: 3, withLicense: 0, licenses: [], subject: 'Acme Application' },
  ],
  [
    `${CDX}1.7__valid-compositions-1.7.xml`,
    { spec: '1.7', components: 3, withLicense: 0, licenses: [], subject: 'Acme Application' },
  ],
  [
    `${CDX}1.6__valid-compositions-1.6.xml`,
    { spec: '1.6', components: 3, withLicense: 0, licenses: [], subject: 'Acme Application' },
  ],
  // Licences found in the component's files (evidence.licenses) apply beside the declared one.
  [
    `${CDX}1.7__valid-evidence-1.7.json`,
    {
      spec: '1.7',
      components: 2,
      withLicense: 1,
      licenses: ['LGPL-3.0-or-later', 'Apache-2.0', 'LGPL-2.1-only'],
    },
  ],
  [
    `${CDX}1.7__valid-evidence-1.7.xml`,
    {
      spec: '1.7',
      components: 2,
      withLicense: 1,
      licenses: ['LGPL-3.0-or-later', 'Apache-2.0', 'LGPL-2.1-only'],
    },
  ],
  // id, name, expression (WITH, OR) and a LicenseRef on one component; the XML's last one is 1.7's
  // <expression-detailed expression="LicenseRef-MIT-Style-2">.
  [
    `${CDX}1.7__valid-license-choice-1.7.json`,
    {
      spec: '1.7',
      components: 1,
      withLicense: 1,
      licenses: ['Apache-2.0', 'EPL-2.0 OR GPL-2.0 WITH Classpath-exception-2.0', 'LicenseRef-MIT-Style-2'],
      names: ['My Own License'],
    },
  ],
  [
    `${CDX}1.7__valid-license-choice-1.7.xml`,
    {
      spec: '1.7',
      components: 1,
      withLicense: 1,
      licenses: ['Apache-2.0', 'EPL-2.0 OR GPL-2.0 WITH Classpath-exception-2.0', 'LicenseRef-MIT-Style-2'],
      names: ['My Own License'],
    },
  ],
  // Declared and concluded licences mixed: all of them apply (five components, none unlicensed).
  [
    `${CDX}1.7__valid-license-declared-concluded-mix-1.7.json`,
    {
      spec: '1.7',
      components: 5,
      withLicense: 5,
      licenses: [
        'MIT',
        'PostgreSQL',
        '(MIT OR PostgreSQL OR Apache-2.0)',
        'MIT OR (GPL-3.0 OR GPL-2.0)',
        '(GPL-3.0-only AND LGPL-2.0-only)',
        'GPL-3.0-or-later OR GPL-2.0',
        'GPL-3.0-only',
        '(MIT AND PostgreSQL AND Apache-2.0)',
      ],
      names: ['Apache Software License'],
    },
  ],
  [
    `${CDX}1.7__valid-license-declared-concluded-mix-1.7.xml`,
    {
      spec: '1.7',
      components: 5,
      withLicense: 5,
      licenses: [
        'MIT',
        'PostgreSQL',
        '(MIT OR PostgreSQL OR Apache-2.0)',
        'MIT OR (GPL-3.0 OR GPL-2.0)',
        '(GPL-3.0-only AND LGPL-2.0-only)',
        'GPL-3.0-or-later OR GPL-2.0',
        'GPL-3.0-only',
        '(MIT AND PostgreSQL AND Apache-2.0)',
      ],
      names: ['Apache Software License'],
    },
  ],
  [
    `${CDX}1.7__valid-license-expression-with-licensing-1.7.json`,
    { spec: '1.7', components: 1, withLicense: 1, licenses: ['LicenseRef-AcmeCommercialLicense'] },
  ],
  [
    `${CDX}1.7__valid-license-expression-with-licensing-1.7.xml`,
    { spec: '1.7', components: 1, withLicense: 1, licenses: ['LicenseRef-AcmeCommercialLicense'] },
  ],
  [
    `${CDX}1.7__valid-license-expression-with-text-1.7.json`,
    {
      spec: '1.7',
      components: 1,
      withLicense: 1,
      licenses: [
        'LicenseRef-my-custom-license AND (EPL-2.0 OR GPL-2.0 WITH Classpath-exception-2.0) AND MIT',
      ],
    },
  ],
  [
    `${CDX}1.7__valid-license-expression-with-text-1.7.xml`,
    {
      spec: '1.7',
      components: 1,
      withLicense: 1,
      licenses: [
        'LicenseRef-my-custom-license AND (EPL-2.0 OR GPL-2.0 WITH Classpath-exception-2.0) AND MIT',
      ],
    },
  ],
  // 1.7's external component with a versionRange and no version: counted, without a version.
  [
    `${CDX}1.7__valid-component-external-with-versionRange.json`,
    { spec: '1.7', components: 1, withLicense: 0, licenses: [], subject: 'My Application' },
  ],
  [
    `${CDX}1.7__valid-component-external-with-versionRange.xml`,
    { spec: '1.7', components: 1, withLicense: 0, licenses: [], subject: 'My Application' },
  ],
  // 1.7's patents and patent assertions: not licences, nothing to read.
  [`${CDX}1.7__valid-patent-1.7.json`, { spec: '1.7', components: 1, withLicense: 0, licenses: [] }],
  [`${CDX}1.7__valid-patent-1.7.xml`, { spec: '1.7', components: 1, withLicense: 0, licenses: [] }],
  // A service's licence ("Partner license") is not a component's: services are not read.
  [
    `${CDX}1.7__valid-service-1.7.json`,
    { spec: '1.7', components: 1, withLicense: 1, licenses: ['Apache-2.0'] },
  ],
  // Elements of other namespaces (and pedigree ancestors) are skipped; the component is read.
  [
    `${CDX}1.7__valid-external-elements-1.7.xml`,
    { spec: '1.7', components: 1, withLicense: 1, licenses: ['Apache-2.0'] },
  ],
  // Schema-invalid files read without losing anything (see docs/evidence.md for why each is harmless).
  // A choice holding both an expression and a licence: both are kept.
  [
    `${CDX}1.7__invalid-license-choice-1.7.json`,
    {
      spec: '1.7',
      components: 1,
      withLicense: 1,
      licenses: ['EPL-2.0 OR GPL-2.0 WITH Classpath-exception-2.0'],
      names: ['Apache License 2.0'],
    },
  ],
  [
    `${CDX}1.6__invalid-license-choice-1.6.xml`,
    {
      spec: '1.6',
      components: 1,
      withLicense: 1,
      licenses: ['Apache-2.0', 'EPL-2.0 OR GPL-2.0 WITH Classpath-exception-2.0'],
    },
  ],
  // "Apache-2" is no SPDX id: kept as a name, which the gate lists as unchecked.
  [
    `${CDX}1.7__invalid-license-id-1.7.json`,
    { spec: '1.7', components: 1, withLicense: 0, withUnparsedLicense: 1, licenses: [], names: ['Apache-2'] },
  ],
  // An empty licence says nothing: the component counts as declaring none.
  [
    `${CDX}1.7__invalid-license-missing-id-and-name-1.7.json`,
    { spec: '1.7', components: 1, withLicense: 0, licenses: [] },
  ],
  [
    `${CDX}1.7__invalid-component-type-1.7.json`,
    { spec: '1.7', components: 1, withLicense: 0, licenses: [] },
  ],

  // SPDX examples. An AI BOM: AIPackage and DatasetPackage elements are packages; the IAM dataset's
  // CustomLicense has only its text, so it is named by its IRI (unchecked, never dropped).
  [
    `${SPDX}ai__example01__spdx3.0__simplehtr-example.json`,
    {
      spec: '3.0.1',
      components: 12,
      withLicense: 9,
      withUnparsedLicense: 1,
      licenses: ['MIT', 'OLDAP-2.8', 'PSF-2.0', 'BSD-2-Clause-FreeBSD'],
      names: ['https://spdx.org/spdxdocs/CustomLicense-c63547c2-62e0-48ec-b98d-ff1b917d67db'],
      subject: 'SimpleHTR',
    },
  ],
  [
    `${SPDX}ai__example02__spdx3.0__sbom.spdx3.json`,
    {
      spec: '3.0.1',
      components: 1,
      withLicense: 1,
      licenses: ['CC0-1.0'],
      subject: 'Sentiment Demo: A Simple AI Application and its AI BOM Example',
    },
  ],
  [
    `${SPDX}dataset__example01__spdx3.0__example01.spdx3.json`,
    { spec: '3.0.1', components: 1, withLicense: 1, licenses: ['CC-BY-4.0'] },
  ],
  // A LicenseRef- in tag-value and in SPDX 3 (whose ConjunctiveLicenseSet it writes as an expression).
  [
    `${SPDX}software__example6__spdx2.2__example6-bin.spdx`,
    {
      spec: 'SPDX-2.2',
      components: 1,
      withLicense: 1,
      licenses: ['GPL-3.0-or-later AND LicenseRef-Golang-BSD-plus-Patents'],
    },
  ],
  [
    `${SPDX}software__example6__spdx3.0__example6-bin.json`,
    {
      spec: '3.0.1',
      components: 1,
      withLicense: 1,
      licenses: ['(GPL-3.0-or-later AND LicenseRef-Golang-BSD-plus-Patents)'],
    },
  ],
  // Concluded licence over declared: "(LicenseRef-1 AND Apache-2.0)" concluded, "Apache-2.0" declared.
  [
    `${SPDX}software__example9__spdx2.2__appbomination.spdx.json`,
    {
      spec: 'SPDX-2.2',
      components: 6,
      withLicense: 6,
      licenses: ['Apache-2.0', 'LicenseRef-1', 'BSD-3-Clause', 'EPL-1.0'],
      subject: 'App-BOM-ination',
    },
  ],
  [
    `${SPDX}software__example9__spdx3.0__appbomination.spdx3.json`,
    {
      spec: '3.0.1',
      components: 6,
      withLicense: 6,
      licenses: ['LicenseRef-1', 'Apache-2.0', 'BSD-3-Clause', 'EPL-1.0'],
      subject: 'App-BOM-ination',
    },
  ],
  [
    `${SPDX}software__example11__spdx2.3__sbom.spdx.json`,
    {
      spec: 'SPDX-2.3',
      components: 3,
      withLicense: 3,
      licenses: ['MIT', 'MIT OR Apache-2.0'],
      subject: 'hello-server-src',
    },
  ],
  [
    `${SPDX}software__example11__spdx3.0__sbom.spdx3.json`,
    {
      spec: '3.0.1',
      components: 3,
      withLicense: 3,
      licenses: ['MIT', '(MIT OR Apache-2.0)'],
      subject: 'hello-server-src',
    },
  ],
  [
    `${SPDX}software__example4__spdx2.2__example4-bin.spdx`,
    { spec: 'SPDX-2.2', components: 2, withLicense: 0, licenses: [], subject: 'main-bin' },
  ],
  // Its root is a File (the built binary), not a package: no components, and the summary says 0.
  [
    `${SPDX}software__example7__spdx3.0__example7-bin.spdx3.json`,
    { spec: '3.0.1', components: 0, withLicense: 0, licenses: [] },
  ],

  // syft's golden snapshots (redacted serial numbers, timestamps and digests; a placeholder purl
  // "a-purl-1" is kept as written). The third CycloneDX component is the distro.
  [
    `${SYFT}cyclonedxjson__testdata__snapshot__TestCycloneDxImageEncoder.golden`,
    { spec: '1.7', components: 3, withLicense: 1, licenses: ['MIT'], subject: 'user-image-input' },
  ],
  [
    `${SYFT}cyclonedxxml__testdata__snapshot__TestCycloneDxImageEncoder.golden`,
    { spec: '1.7', components: 3, withLicense: 1, licenses: ['MIT'], subject: 'user-image-input' },
  ],
  [
    `${SYFT}cyclonedxxml__testdata__snapshot__TestCycloneDxDirectoryEncoder.golden`,
    { spec: '1.7', components: 3, withLicense: 1, licenses: ['MIT'], subject: 'some/path' },
  ],
  [
    `${SYFT}spdxjson__testdata__snapshot__TestSPDXJSONImageEncoder.golden`,
    { spec: 'SPDX-2.3', components: 2, withLicense: 1, licenses: ['MIT'], subject: 'user-image-input' },
  ],
  [
    `${SYFT}spdxtagvalue__testdata__snapshot__TestSPDXTagValueImageEncoder.golden`,
    { spec: 'SPDX-2.3', components: 2, withLicense: 1, licenses: ['MIT'], subject: 'user-image-input' },
  ],
  // NOASSERTION everywhere: two packages without licence; the described root has an empty name.
  [
    `${SYFT}spdxjson__testdata__snapshot__TestSPDX22JSONRequredProperties.golden`,
    { spec: 'SPDX-2.2', components: 2, withLicense: 0, licenses: [], subject: '' },
  ],
  [
    `${SYFT}spdxtagvalue__testdata__snapshot__TestSPDXJSONSPDXIDs.golden`,
    { spec: 'SPDX-2.3', components: 3, withLicense: 0, licenses: [], subject: 'foobar/baz' },
  ],
  // npm 11.19.1's own `npm sbom` of one project, in both formats: 14 packages (a scoped one, whose
  // purl percent-encodes the @), licences as npm's package.json holds them, expressions in parentheses.
  // Its CycloneDX names the root after the directory npm ran in (`sbomp`), its SPDX after package.json.
  [
    `${NPM}npm-sbom.spdx.json`,
    { spec: 'SPDX-2.3', components: 14, withLicense: 14, licenses: NPM_LICENCES, subject: 'sbom-demo' },
  ],
  [
    `${NPM}npm-sbom.cdx.json`,
    { spec: '1.5', components: 14, withLicense: 14, licenses: NPM_LICENCES, subject: 'sbomp' },
  ],
];

const REFUSED: Array<[string, RegExp]> = [
  [
    `${CDX}1.7__invalid-empty-component-1.7.json`,
    /at components\[0\]\.name: expected a string, found nothing/,
  ],
  [`${CDX}1.7__invalid-empty-component-1.7.xml`, /:7:38: <component> has no <name>/],
  // Two ids in one licence: the second would hide the first.
  [`${CDX}1.7__invalid-license-id-count-1.7.xml`, /:24:24: <id> appears twice in <license>/],
  [
    `${CDX}1.7__invalid-namespace-1.7.xml`,
    /namespace "http:\/\/cyclonedx\.org\/schema\/bom\/12"; expected CycloneDX's/,
  ],
  [
    `${SPDX}software__example8__content__examplemaven__pom.xml`,
    /XML with root element <project> is neither JUnit XML/,
  ],
  [
    `${SYFT}syftjson__testdata__snapshot__TestImageEncoder.golden`,
    /found syft's own JSON .*-o cyclonedx-json/,
  ],
  [`${SYFT}github__testdata__snapshot__TestGithubImageEncoder.golden`, /found a GitHub dependency snapshot/],
  [
    `${SYFT}table__testdata__snapshot__TestTableEncoder.golden`,
    /the file is neither JSON, XML nor SPDX tag-value; expected one of .*CycloneDX/,
  ],
];

describe('SBOM corpora: each file reads to what it holds', () => {
  it.each(READS)('%s', (path, expected) => {
    const summary = read(path);
    expect(summary.specVersion).toBe(expected.spec);
    expect(summary.counts.components).toBe(expected.components);
    expect(summary.components).toHaveLength(expected.components);
    expect(summary.counts.withLicense).toBe(expected.withLicense);
    expect(summary.counts.withUnparsedLicense).toBe(expected.withUnparsedLicense ?? 0);
    expect([...new Set(summary.components.flatMap((c) => c.licenses))]).toEqual(expected.licenses);
    expect([...new Set(summary.components.flatMap((c) => c.licenseNames ?? []))]).toEqual(
      expected.names ?? [],
    );
    expect(summary.subject?.name).toBe(expected.subject);
  });

  it.each(REFUSED)('%s is refused, naming the file', (path, reason) => {
    const error = tollgateErrorOf(() => read(path));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message.startsWith(path)).toBe(true);
    expect(error.message).toMatch(reason);
  });

  it.each([
    'valid-bom-1.7',
    'valid-assembly-1.7',
    'valid-compositions-1.7',
    'valid-evidence-1.7',
    'valid-license-declared-concluded-mix-1.7',
    'valid-license-expression-with-licensing-1.7',
    'valid-license-expression-with-text-1.7',
    'valid-component-external-with-versionRange',
    'valid-patent-1.7',
  ])('CycloneDX 1.7 %s: the XML reads to the same components as the JSON', (name) => {
    expect(read(`${CDX}1.7__${name}.xml`).components).toEqual(read(`${CDX}1.7__${name}.json`).components);
  });
});

describe('SBOM corpora: syft writes one catalogue in four encodings', () => {
  it('its CycloneDX XML reads to what its CycloneDX JSON does, its SPDX tag-value to its SPDX JSON', () => {
    const cdxJson = read(`${SYFT}cyclonedxjson__testdata__snapshot__TestCycloneDxImageEncoder.golden`);
    const cdxXml = read(`${SYFT}cyclonedxxml__testdata__snapshot__TestCycloneDxImageEncoder.golden`);
    expect(cdxXml.components).toEqual(cdxJson.components);
    // syft orders packages differently per writer: compared by name.
    const byName = (s: SbomSummary) => [...s.components].sort((a, b) => (a.name < b.name ? -1 : 1));
    const spdxJson = read(`${SYFT}spdxjson__testdata__snapshot__TestSPDXJSONImageEncoder.golden`);
    const spdxTag = read(`${SYFT}spdxtagvalue__testdata__snapshot__TestSPDXTagValueImageEncoder.golden`);
    expect(byName(spdxTag)).toEqual(byName(spdxJson));
    // The two standards agree on the packages; CycloneDX adds the distro as a component, and its
    // bom-refs (what a BOM-link names), which SPDX does not have.
    expect(byName(spdxJson)).toEqual(
      byName(cdxJson)
        .filter((c) => c.name !== 'debian')
        .map(({ bomRef: _bomRef, ...c }) => c),
    );
    expect(cdxJson.components.map((c) => c.bomRef)).toEqual([
      '2f52f617f1548337',
      'pkg:deb/debian/package-2@2.0.1?package-id=4b756c6f6fb127a3',
      'os:debian@1.2.3',
    ]);
  });
});

describe('SBOM corpora: licences as the sbom gate sees them', () => {
  const policy = (denyLicenses: string[]) => sbomRequirement.parse({ denyLicenses });

  it('npm sbom in either format: a licence offered as a choice does not block, one required with AND does', () => {
    for (const file of ['npm-sbom.spdx.json', 'npm-sbom.cdx.json']) {
      const summary = read(`${NPM}${file}`);
      expect(summary.components.find((c) => c.name === '@sindresorhus/is')?.purl).toBe(
        'pkg:npm/%40sindresorhus/is@7.2.0',
      );
      expect(evaluateSbom(policy(['GPL-3.0-or-later']), [sbom(summary.components)]).status).toBe('pass');
      const result = evaluateSbom(policy(['Zlib']), [sbom(summary.components)]);
      expect(result.status).toBe('fail');
      expect(result.required[0]?.text).toContain(
        'pako@1.0.11 is licensed (MIT AND Zlib), which needs denied licence Zlib',
      );
    }
  });

  it('a denied licence found only in evidence.licenses blocks', () => {
    const components = read(`${CDX}1.7__valid-evidence-1.7.xml`).components;
    const result = evaluateSbom(policy(['LGPL-2.1-only']), [sbom(components)]);
    expect(result.status).toBe('fail');
    expect(result.required[0]?.text).toBe(
      'com.google.code.findbugs/findbugs-project@3.0.0 is licensed LGPL-3.0-or-later AND Apache-2.0 AND LGPL-2.1-only, which needs denied licence LGPL-2.1-only',
    );
  });

  it('a denied licence inside a 1.7 <expression-detailed> blocks', () => {
    const components = read(`${CDX}1.7__valid-license-choice-1.7.xml`).components;
    const result = evaluateSbom(policy(['LicenseRef-MIT-Style-2']), [sbom(components)]);
    expect(result.status).toBe('fail');
    expect(result.required[0]?.text).toContain('which needs denied licence LicenseRef-MIT-Style-2');
    // Its free-text licence is listed as unchecked even though the component has SPDX licences.
    expect(result.risks.map((r) => r.text)).toEqual([
      expect.stringContaining('com.acme/tomcat-catalina@9.0.14 ("My Own License")'),
    ]);
  });

  it('an AI BOM dataset under a custom licence is listed as unchecked, not as unlicensed', () => {
    const components = read(`${SPDX}ai__example01__spdx3.0__simplehtr-example.json`).components;
    const result = evaluateSbom(policy(['GPL-3.0-only']), [sbom(components)]);
    expect(result.risks.map((r) => r.text)).toEqual([
      expect.stringMatching(/^1 component\(s\) name licences that are not SPDX expressions .*IAMdataset/),
      '2 component(s) declare no licence and were not checked against denyLicenses',
    ]);
  });
});
