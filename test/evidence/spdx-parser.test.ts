import { describe, expect, it } from 'vitest';
import { normaliseDocument } from '../../src/evidence/normalise-evidence.js';
import { parseSpdx, parseSpdx2, parseSpdx3 } from '../../src/evidence/spdx-parser.js';
import { tollgateErrorOf } from '../support/builders.js';
import { fixtureJson, sampleJson } from './scan-helpers.js';

describe('parseSpdx2 (SPDX 2.3 JSON)', () => {
  it('reads purls written with PACKAGE-MANAGER and takes the described package as subject', () => {
    const sbom = parseSpdx2(sampleJson('spdx-2.3-package-manager-hyphen.spdx.json'), 'checkout.spdx.json');
    expect(sbom.standard).toBe('spdx');
    expect(sbom.specVersion).toBe('SPDX-2.3');
    expect(sbom.tool).toBe('syft-1.18.1');
    expect(sbom.subject).toEqual({
      name: 'checkout',
      version: '1.4.2',
      purl: 'pkg:npm/%40shop/checkout@1.4.2',
      type: 'APPLICATION',
    });
    expect(sbom.components.map((c) => [c.name, c.purl])).toEqual([
      ['express', 'pkg:npm/express@4.21.1'],
      ['node-forge', 'pkg:npm/node-forge@1.3.1'],
      ['ghostscript-wrapper', 'pkg:npm/ghostscript-wrapper@0.2.0'],
      ['internal-metrics', 'pkg:npm/%40shop/internal-metrics@3.0.0'],
      ['zlib', undefined],
    ]);
    expect(sbom.counts).toEqual({
      components: 5,
      withPurl: 4,
      withLicense: 4,
      withUnparsedLicense: 0,
      withoutLicense: 1,
    });
  });

  it('uses licenseConcluded, falling back to licenseDeclared when it is NOASSERTION', () => {
    const sbom = parseSpdx2(sampleJson('spdx-2.3-package-manager-hyphen.spdx.json'), 'checkout.spdx.json');
    const licences = Object.fromEntries(sbom.components.map((c) => [c.name, c.licenses]));
    expect(licences).toEqual({
      express: ['MIT'],
      'node-forge': ['(BSD-3-Clause OR GPL-2.0-only)'],
      'ghostscript-wrapper': ['AGPL-3.0-or-later'],
      'internal-metrics': ['LicenseRef-Example-Proprietary'],
      zlib: [],
    });
  });

  it('falls back to licenseInfoFromFiles when neither concluded nor declared says anything', () => {
    const pkg = (name: string, fields: Record<string, unknown>) => ({
      SPDXID: `SPDXRef-${name}`,
      name,
      ...fields,
    });
    const sbom = parseSpdx2(
      {
        spdxVersion: 'SPDX-2.3',
        SPDXID: 'SPDXRef-DOCUMENT',
        packages: [
          pkg('scanned', {
            licenseConcluded: 'NOASSERTION',
            licenseDeclared: 'NOASSERTION',
            licenseInfoFromFiles: ['GPL-3.0-only', 'NOASSERTION', 'MIT'],
          }),
          // A conclusion stands: the files' licences were what it was drawn from.
          pkg('concluded', { licenseConcluded: 'Apache-2.0', licenseInfoFromFiles: ['GPL-3.0-only'] }),
        ],
      },
      'scan.spdx.json',
    );
    expect(sbom.components.map((c) => [c.name, c.licenses])).toEqual([
      ['scanned', ['GPL-3.0-only', 'MIT']],
      ['concluded', ['Apache-2.0']],
    ]);
    const fromTags = normaliseDocument(
      'SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\nPackageName: scanned\nSPDXID: SPDXRef-scanned\nPackageLicenseConcluded: NOASSERTION\nPackageLicenseInfoFromFiles: GPL-3.0-only\nPackageLicenseInfoFromFiles: MIT\n',
      'scan.spdx',
      'sbom',
    );
    expect(
      fromTags.type === 'evidence' && fromTags.data.kind === 'sbom' && fromTags.data.components[0]?.licenses,
    ).toEqual(['GPL-3.0-only', 'MIT']);
  });

  it('reads purls written with PACKAGE_MANAGER (older tools), the subject from a DESCRIBES relationship', () => {
    const sbom = parseSpdx(sampleJson('spdx-2.3-package-manager-underscore.spdx.json'), 'worker.spdx.json');
    expect(sbom.tool).toBe('microsoft/sbom-tool-2.2.8');
    expect(sbom.subject).toEqual({
      name: 'payments-worker',
      version: '2.0.0',
      purl: 'pkg:pypi/payments-worker@2.0.0',
    });
    expect(sbom.components.map((c) => c.purl)).toEqual([
      'pkg:pypi/requests@2.32.3',
      'pkg:pypi/urllib3@1.26.5',
      'pkg:pypi/psycopg2@2.9.9',
      'pkg:pypi/certifi@2024.8.30',
    ]);
    expect(sbom.components.find((c) => c.name === 'psycopg2')?.licenses).toEqual([
      'LGPL-3.0-or-later WITH openvpn-openssl-exception',
    ]);
    // A declared licence that is free text is kept as a name, not an expression.
    expect(sbom.components.find((c) => c.name === 'certifi')).toMatchObject({
      licenses: [],
      licenseNames: ['Mozilla Public License 2.0'],
    });
    expect(sbom.counts).toEqual({
      components: 4,
      withPurl: 4,
      withLicense: 3,
      withUnparsedLicense: 1,
      withoutLicense: 0,
    });
  });

  it('keeps every package when the document describes all of them', () => {
    const doc = {
      spdxVersion: 'SPDX-2.3',
      SPDXID: 'SPDXRef-DOCUMENT',
      documentDescribes: ['SPDXRef-a', 'SPDXRef-b'],
      packages: [
        { SPDXID: 'SPDXRef-a', name: 'a', licenseConcluded: 'MIT' },
        { SPDXID: 'SPDXRef-b', name: 'b', licenseConcluded: 'NONE' },
      ],
    };
    const sbom = parseSpdx2(doc, 'both.json');
    expect(sbom.components.map((c) => c.name)).toEqual(['a', 'b']);
    expect(sbom.subject).toBeUndefined();
  });

  it('refuses an SPDX 1.x or 3 version string and a package without a name', () => {
    expect(
      tollgateErrorOf(() => parseSpdx2({ spdxVersion: 'SPDX-1.2', packages: [] }, 'old.json')).message,
    ).toBe(
      'old.json: not a valid SPDX 2 document: at spdxVersion: expected "SPDX-2.2" or "SPDX-2.3", found the string "SPDX-1.2"',
    );
    const error = tollgateErrorOf(() =>
      parseSpdx2({ spdxVersion: 'SPDX-2.3', packages: [{ SPDXID: 'SPDXRef-x' }] }, 'p.json'),
    );
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toContain('at packages[0].name: expected a string');
  });
});

describe('parseSpdx3 (SPDX 3.0 JSON-LD)', () => {
  it('indexes the @graph by spdxId: packages, purls from both places, licences from relationships', () => {
    const sbom = parseSpdx3(sampleJson('spdx-3.0.1.spdx3.json'), 'inventory.spdx3.json');
    expect(sbom.specVersion).toBe('3.0.1');
    expect(sbom.tool).toBe('example-sbom-generator 0.9.0');
    expect(sbom.subject).toEqual({
      name: 'inventory',
      version: '3.2.0',
      purl: 'pkg:maven/com.example/inventory@3.2.0',
    });
    expect(sbom.components).toEqual([
      {
        name: 'jackson-databind',
        version: '2.17.2',
        purl: 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.17.2',
        licenses: ['Apache-2.0'],
      },
      {
        name: 'log4j-core',
        version: '2.14.1',
        purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
        licenses: ['Apache-2.0'],
      },
      {
        name: 'mariadb-java-client',
        version: '3.4.1',
        purl: 'pkg:maven/org.mariadb.jdbc/mariadb-java-client@3.4.1',
        licenses: ['LGPL-2.1-or-later'],
      },
    ]);
    expect(sbom.counts.components).toBe(3);
  });

  it('accepts listed licences by URI and properties without their profile prefix', () => {
    const doc = {
      '@context': 'https://spdx.org/rdf/3.0.0/spdx-context.jsonld',
      '@graph': [
        { type: 'CreationInfo', '@id': '_:c', specVersion: '3.0.0', created: '2026-01-01T00:00:00Z' },
        {
          type: 'software_Package',
          spdxId: 'urn:p',
          name: 'p',
          packageVersion: '1.0',
          packageUrl: 'pkg:pypi/p@1.0',
        },
        {
          type: 'Relationship',
          spdxId: 'urn:r',
          from: 'urn:p',
          relationshipType: 'hasDeclaredLicense',
          to: ['https://spdx.org/licenses/BSD-2-Clause'],
        },
      ],
    };
    const sbom = parseSpdx(doc, 'p.json');
    expect(sbom.components).toEqual([
      { name: 'p', version: '1.0', purl: 'pkg:pypi/p@1.0', licenses: ['BSD-2-Clause'] },
    ]);
  });

  it('spells out expanded licences (AND/OR sets, or-later, WITH) and names a custom licence it cannot', () => {
    const doc = {
      '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld',
      '@graph': [
        { type: 'CreationInfo', '@id': '_:c', specVersion: '3.0.1', created: '2026-01-01T00:00:00Z' },
        { type: 'software_Package', spdxId: 'urn:a', name: 'a' },
        { type: 'ai_AIPackage', spdxId: 'urn:model', name: 'model' },
        { type: 'dataset_DatasetPackage', spdxId: 'urn:data', name: 'data' },
        {
          type: 'expandedlicensing_ConjunctiveLicenseSet',
          spdxId: 'urn:set',
          expandedlicensing_member: ['urn:later', 'urn:with'],
        },
        {
          type: 'expandedlicensing_OrLaterOperator',
          spdxId: 'urn:later',
          expandedlicensing_subjectLicense: 'https://spdx.org/licenses/LGPL-2.1',
        },
        {
          type: 'expandedlicensing_WithAdditionOperator',
          spdxId: 'urn:with',
          expandedlicensing_subjectExtendableLicense: 'https://spdx.org/licenses/GPL-2.0-only',
          expandedlicensing_subjectAddition: 'https://spdx.org/licenses/Classpath-exception-2.0',
        },
        {
          type: 'expandedlicensing_CustomLicense',
          spdxId: 'urn:custom',
          simplelicensing_licenseText: 'research only',
        },
        {
          type: 'Relationship',
          spdxId: 'urn:r1',
          from: 'urn:a',
          relationshipType: 'hasConcludedLicense',
          to: ['urn:set'],
        },
        {
          type: 'Relationship',
          spdxId: 'urn:r2',
          from: 'urn:model',
          relationshipType: 'hasDeclaredLicense',
          to: ['https://spdx.org/licenses/MIT'],
        },
        {
          type: 'Relationship',
          spdxId: 'urn:r3',
          from: 'urn:data',
          relationshipType: 'hasConcludedLicense',
          to: ['urn:custom'],
        },
      ],
    };
    const sbom = parseSpdx3(doc, 'ai.spdx3.json');
    expect(sbom.components).toEqual([
      { name: 'a', licenses: ['(LGPL-2.1+ AND GPL-2.0-only WITH Classpath-exception-2.0)'] },
      { name: 'model', licenses: ['MIT'] },
      { name: 'data', licenses: [], licenseNames: ['urn:custom'] },
    ]);
  });

  it('refuses a graph without CreationInfo', () => {
    const doc = { '@context': 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld', '@graph': [] };
    const error = tollgateErrorOf(() => parseSpdx3(doc, 'empty.json'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toContain(
      'empty.json: not a valid SPDX 3 document: at @graph: expected a CreationInfo element',
    );
  });
});

describe('parseSpdx3 on Microsoft sbom-tool output', () => {
  // sbom-tool's SPDX 3.0 sample (test/fixtures/SOURCES.md) writes its own spellings: purls as
  // ExternalIdentifier elements referenced by id with type "purl", licences as AnyLicenseInfo
  // elements named by their expression behind HAS_CONCLUDED_LICENSE / HAS_DECLARED_LICENSE
  // relationships, NOASSERTION as an Element of that name, and its root package by a DESCRIBES
  // relationship from SPDXRef-DOCUMENT. Read by the spec's spellings only, every package had no
  // purl and no licence: bannedComponents and denyLicenses checked nothing.
  const sample = () =>
    fixtureJson('sbom/sbom-tool/samples__spdx_3.0__manifest.spdx.json') as {
      '@graph': Record<string, unknown>[];
    };

  it('reads the purls, the root package and the tool of the real sample', () => {
    const sbom = parseSpdx3(sample(), 'manifest.spdx.json');
    expect(sbom.tool).toBe('Microsoft.SBOMTool-0.0.0-preview.0');
    expect(sbom.subject).toMatchObject({ name: 'sbom-tool sample', version: '4.0.3' });
    expect(sbom.counts).toMatchObject({
      components: 266,
      withPurl: 266,
      withLicense: 0,
      withoutLicense: 266,
    });
    expect(sbom.components.find((c) => c.name === 'Castle.Core')).toMatchObject({
      version: '5.1.1',
      purl: 'pkg:nuget/Castle.Core@5.1.1',
      licenses: [],
    });
    expect(sbom.components.some((c) => c.licenseNames !== undefined)).toBe(false);
  });

  it('reads a licence sbom-tool names in an AnyLicenseInfo element', () => {
    const doc = sample();
    const graph = doc['@graph'];
    const castle = graph.find((e) => e.name === 'Castle.Core')!;
    const declared = graph.find(
      (e) => e.relationshipType === 'HAS_DECLARED_LICENSE' && e.from === castle.spdxId,
    )!;
    graph.push({
      creationInfo: '_:creationinfo',
      name: 'GPL-3.0-only',
      spdxId: 'SPDXRef-AnyLicenseInfo-test',
      type: 'AnyLicenseInfo',
    });
    declared.to = ['SPDXRef-AnyLicenseInfo-test'];
    const component = parseSpdx3(doc, 'manifest.spdx.json').components.find((c) => c.name === 'Castle.Core');
    expect(component?.licenses).toEqual(['GPL-3.0-only']);
  });
});
