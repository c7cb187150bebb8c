import { describe, expect, it } from 'vitest';
import { sbomRequirement } from '../../src/contract/requires/sbom.js';
import { normaliseDocument } from '../../src/evidence/normalise-evidence.js';
import { evaluateSbom } from '../../src/gates/sbom-gate.js';
import { fixtureText, sampleJson } from '../evidence/scan-helpers.js';
import { component, sbom, testsRecord } from '../support/builders.js';

const policy = (p: unknown) => sbomRequirement.parse(p);

/**
 * An SPDX 2.3 JSON document by `creator` describing package `app`, with `packages` beside it: each
 * given SPDXRef-a, -b, … and version 1, 2, … in order, and no download location.
 */
function spdxApp(creator: string, packages: Array<{ name: string } & Record<string, string>>) {
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: 'app',
    documentNamespace: 'https://example.com/app',
    creationInfo: { created: '2026-01-01T00:00:00Z', creators: [creator] },
    packages: [
      { name: 'app', SPDXID: 'SPDXRef-app', downloadLocation: 'NOASSERTION' },
      ...packages.map(({ name, ...rest }, index) => ({
        name,
        SPDXID: `SPDXRef-${String.fromCharCode(97 + index)}`,
        versionInfo: String(index + 1),
        downloadLocation: 'NOASSERTION',
        ...rest,
      })),
    ],
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-app' },
    ],
  };
}

describe('sbom gate: presence', () => {
  it('required and missing: fails and says how to supply one', () => {
    const result = evaluateSbom(policy('required'), [testsRecord()]);
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([
      'an SBOM (CycloneDX or SPDX JSON) for this digest: `tollgate attest sbom --artifact DIGEST FILE`',
    ]);
  });

  it('optional and missing: passes with the absence as remaining risk', () => {
    const result = evaluateSbom(policy('optional'), []);
    expect(result.status).toBe('pass');
    expect(result.risks[0]?.text).toContain('no SBOM attested for this digest (optional here)');
    expect(result.required).toEqual([]);
  });

  it('present: passes and validates it with the evidence id', () => {
    const record = sbom([component('react', '18.3.1'), component('lodash', '4.17.21')]);
    const result = evaluateSbom(policy('required'), [record]);
    expect(result.status).toBe('pass');
    expect(result.summary).toBe('2 component(s) in 1 SBOM(s)');
    expect(result.validated[0]).toMatchObject({ gate: 'sbom', evidence: [record.id] });
    expect(result.validated[0]?.text).toContain(
      'SBOM of checkout@1.4.2: 2 component(s) (CycloneDX 1.6, syft 1.18.1',
    );
  });

  it('an SBOM with no components passes, with the emptiness as remaining risk', () => {
    const empty = sbom([], {}, 'syft 1.18.1');
    const result = evaluateSbom(policy({ denyLicenses: ['GPL-3.0-only'] }), [empty]);
    expect(result.status).toBe('pass');
    expect(result.risks.map((r) => r.text)).toEqual([
      'the SBOM of checkout@1.4.2 (CycloneDX 1.6) lists no components: no licence or component in it was checked',
    ]);
  });

  it('object form with required: false behaves as optional', () => {
    expect(evaluateSbom(policy({ required: false }), []).status).toBe('pass');
    expect(evaluateSbom(policy({}), []).status).toBe('fail');
  });

  it('a newer SBOM from the same tool replaces the older one; another tool adds up', () => {
    const old = sbom([component('gpl-lib', '1.0.0', ['GPL-3.0-only'])], {
      recordedAt: '2026-11-20T00:00:00Z',
    });
    const fresh = sbom([component('mit-lib', '1.0.0')], { recordedAt: '2026-11-21T00:00:00Z' });
    const deny = policy({ denyLicenses: ['GPL-3.0-only'] });
    expect(evaluateSbom(deny, [old, fresh]).status).toBe('pass');
    const other = sbom([component('gpl-lib', '1.0.0', ['GPL-3.0-only'])], {}, 'cdxgen 10');
    expect(evaluateSbom(deny, [old, fresh, other]).status).toBe('fail');
  });
});

describe('sbom gate: licence deny-list', () => {
  const deny = policy({ denyLicenses: ['GPL-3.0-or-later', 'AGPL-3.0-only'] });

  it('fails on a component that needs a denied licence, naming it and the licence', () => {
    const result = evaluateSbom(deny, [
      sbom([component('ok', '1.0.0'), component('copyleft', '2.1.0', ['GPL-3.0-only'])]),
    ]);
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([
      'copyleft@2.1.0 is licensed GPL-3.0-only, which needs denied licence GPL-3.0-only',
    ]);
  });

  it('passes a dual-licensed component with an allowed choice, fails one whose every choice is denied', () => {
    const records = [
      sbom([
        component('dual', '1.0.0', ['MIT OR GPL-3.0-only']),
        component('both', '1.0.0', ['GPL-3.0-only OR AGPL-3.0-only']),
      ]),
    ];
    const result = evaluateSbom(deny, records);
    expect(result.required.map((r) => r.text)).toEqual([
      'both@1.0.0 is licensed GPL-3.0-only OR AGPL-3.0-only, which needs denied licence GPL-3.0-only, AGPL-3.0-only',
    ]);
  });

  it('honours -or-later ranges: denying GPL-2.0-or-later catches GPL-3.0-only', () => {
    const result = evaluateSbom(policy({ denyLicenses: ['GPL-2.0-or-later'] }), [
      sbom([component('x', '1', ['GPL-3.0-only'])]),
    ]);
    expect(result.status).toBe('fail');
  });

  it('does not deny a licence with an exception when only the plain licence is denied', () => {
    const records = [sbom([component('jdk-lib', '1', ['GPL-2.0-only WITH Classpath-exception-2.0'])])];
    expect(evaluateSbom(policy({ denyLicenses: ['GPL-2.0-only'] }), records).status).toBe('pass');
  });

  it('denies a licence written in another case: SPDX ids match case-insensitively', () => {
    // A CycloneDX document whose licences are written in lower case ("gpl-3.0-only", as some
    // ecosystems' metadata has them) once read as free text: unchecked, and the gate passed.
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [
        { name: 'lower-id', version: '1', licenses: [{ license: { id: 'gpl-3.0-only' } }] },
        { name: 'lower-expr', version: '2', licenses: [{ expression: 'mit and agpl-3.0-only' }] },
        { name: 'lower-plus', version: '3', licenses: [{ license: { name: 'gpl-3.0+' } }] },
        { name: 'ref', version: '4', licenses: [{ expression: 'licenseref-vendor or Mit' }] },
      ],
    };
    const parsed = normaliseDocument(JSON.stringify(bom), 'bom.json', 'sbom');
    if (parsed.type !== 'evidence' || parsed.data.kind !== 'sbom') throw new Error('not an SBOM');
    expect(parsed.data.components.map((c) => c.licenses)).toEqual([
      ['GPL-3.0-only'],
      ['MIT AND AGPL-3.0-only'],
      ['GPL-3.0+'],
      ['LicenseRef-vendor OR MIT'],
    ]);
    const result = evaluateSbom(deny, [sbom([], { data: parsed.data, format: parsed.format })]);
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([
      'lower-id@1 is licensed GPL-3.0-only, which needs denied licence GPL-3.0-only',
      'lower-expr@2 is licensed MIT AND AGPL-3.0-only, which needs denied licence AGPL-3.0-only',
      'lower-plus@3 is licensed GPL-3.0+, which needs denied licence GPL-3.0+',
    ]);
    expect(result.risks.map((r) => r.text).join('\n')).not.toContain('not SPDX expressions');
  });

  it('denies a licence an expression joins with NOASSERTION or NONE, as ClearlyDefined writes them', () => {
    // "GPL-3.0-only AND NOASSERTION" (ClearlyDefined's declared licence, which sbom-tool copies into
    // SPDX) is no expression spdx-expression-parse accepts: read as free text it went unchecked and
    // the gate passed a component that needs GPL-3.0-only whatever else applies.
    const spdx = spdxApp('Tool: Microsoft.SBOMTool-2.2.7', [
      { name: 'declared', licenseConcluded: 'NOASSERTION', licenseDeclared: 'GPL-3.0-only AND NOASSERTION' },
      { name: 'concluded', licenseConcluded: 'none and (MIT AND AGPL-3.0-only)' },
      { name: 'choice', licenseConcluded: 'GPL-3.0-only OR NOASSERTION' },
    ]);
    const parsed = normaliseDocument(JSON.stringify(spdx), 'app.spdx.json', 'sbom');
    if (parsed.type !== 'evidence' || parsed.data.kind !== 'sbom') throw new Error('not an SBOM');
    expect(parsed.data.components.map((c) => [c.licenses, c.licenseNames])).toEqual([
      [['GPL-3.0-only AND LicenseRef-NOASSERTION'], undefined],
      [['LicenseRef-NONE AND (MIT AND AGPL-3.0-only)'], undefined],
      [['GPL-3.0-only OR LicenseRef-NOASSERTION'], undefined],
    ]);
    const result = evaluateSbom(deny, [sbom([], { data: parsed.data, format: parsed.format })]);
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([
      'declared@1 is licensed GPL-3.0-only AND LicenseRef-NOASSERTION, which needs denied licence GPL-3.0-only',
      'concluded@2 is licensed LicenseRef-NONE AND (MIT AND AGPL-3.0-only), which needs denied licence AGPL-3.0-only',
    ]);
  });

  it('validates no licence or banned-component check when no component could be checked', () => {
    // Two components with neither a licence nor a purl: nothing was judged, so nothing is validated.
    const bare = { ...component('bare', '1', []), purl: undefined };
    const other = { ...component('other', '2', []), purl: undefined };
    const result = evaluateSbom(
      policy({ denyLicenses: ['GPL-3.0-only'], bannedComponents: ['pkg:npm/event-stream'] }),
      [sbom([bare, other])],
    );
    expect(result.status).toBe('pass');
    expect(result.validated.map((v) => v.text)).toEqual([
      'SBOM of checkout@1.4.2: 2 component(s) (CycloneDX 1.6, syft 1.18.1; recorded 2026-11-25T10:00:00Z by ci)',
    ]);
    expect(result.risks.map((r) => r.text)).toEqual([
      '2 component(s) declare no licence and were not checked against denyLicenses',
      '2 component(s) have no package URL and were not checked against bannedComponents',
    ]);
  });

  it('treats several licence entries on one component as all applying', () => {
    const records = [sbom([component('multi', '1', ['MIT', 'AGPL-3.0-only'])])];
    const result = evaluateSbom(deny, records);
    expect(result.required[0]?.text).toBe(
      'multi@1 is licensed MIT AND AGPL-3.0-only, which needs denied licence AGPL-3.0-only',
    );
  });

  it('lists components with non-SPDX licence names or none as remaining risk, not failures', () => {
    const named = { ...component('named', '1', []), licenseNames: ['BSD licence'] };
    const result = evaluateSbom(deny, [sbom([named, component('bare', '1', [])])]);
    expect(result.status).toBe('pass');
    expect(result.risks.map((r) => r.text)).toEqual([
      '1 component(s) name licences that are not SPDX expressions and were not checked against denyLicenses: named@1 ("BSD licence")',
      '1 component(s) declare no licence and were not checked against denyLicenses',
    ]);
    // Neither component had an SPDX licence to check: nothing is validated about licences.
    expect(result.validated.map((v) => v.text).join('\n')).not.toContain('denied licence');
  });

  it('lists a licence name given beside SPDX licences as unchecked too, and still checks the SPDX ones', () => {
    // As CycloneDX's own 1.7 example valid-license-choice-1.7.json gives a component: an id, an
    // expression and a name ("My Own License") that no deny-list can judge.
    const mixed = { ...component('mixed', '1', ['Apache-2.0']), licenseNames: ['My Own License'] };
    const denied = { ...component('denied', '1', ['AGPL-3.0-only']), licenseNames: ['Vendor terms'] };
    const result = evaluateSbom(deny, [sbom([mixed, denied])]);
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([
      'denied@1 is licensed AGPL-3.0-only, which needs denied licence AGPL-3.0-only',
    ]);
    expect(result.risks.map((r) => r.text)).toEqual([
      '2 component(s) name licences that are not SPDX expressions and were not checked against denyLicenses: mixed@1 ("My Own License"), denied@1 ("Vendor terms")',
    ]);
  });

  it('caps the listed offenders at 10 and sums up the rest', () => {
    const many = Array.from({ length: 13 }, (_, i) => component(`gpl-${i}`, '1', ['GPL-3.0-only']));
    const result = evaluateSbom(deny, [sbom(many)]);
    expect(result.required).toHaveLength(11);
    expect(result.required[10]?.text).toBe(
      '3 more component(s) need a denied licence: gpl-10@1, gpl-11@1, gpl-12@1',
    );
    expect(result.summary).toBe('11 SBOM policy violation(s) in 13 component(s)');
  });

  it('the contract refuses a deny entry that is not an SPDX expression', () => {
    const parsed = sbomRequirement.safeParse({ denyLicenses: ['GPL v3'] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain('an SPDX licence id or expression');
  });
});

describe('sbom gate: banned components written another way than the SBOM writes them', () => {
  it('fails on a pypi ban written lower-case when the SBOM spells the name as PyPI does', () => {
    // syft and others write the name from the package metadata: `pkg:pypi/PyYAML@5.3.1`.
    const record = sbom([component('PyYAML', '5.3.1', ['MIT'], 'pkg:pypi/PyYAML@5.3.1')]);
    const result = evaluateSbom(policy({ bannedComponents: ['pkg:pypi/pyyaml@5.3*'] }), [record]);
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([
      'banned component pkg:pypi/PyYAML@5.3.1 (matches pkg:pypi/pyyaml@5.3*); remove or replace it',
    ]);
  });
});

describe('sbom gate: banned components', () => {
  const banned = policy({
    bannedComponents: [
      'pkg:npm/event-stream@3.3.6',
      'pkg:maven/org.apache.logging.log4j/log4j-core@2.1*',
      'pkg:npm/%40evil/*',
    ],
  });

  it('fails on matching purls, any version when the pattern has none, qualifiers ignored', () => {
    const records = [
      sbom([
        component('event-stream', '3.3.6'),
        component('event-stream', '3.3.5'),
        component(
          'log4j-core',
          '2.14.1',
          ['Apache-2.0'],
          'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar',
        ),
        component(
          'log4j-core',
          '2.24.0',
          ['Apache-2.0'],
          'pkg:maven/org.apache.logging.log4j/log4j-core@2.24.0',
        ),
        component('@evil/pkg', '0.0.1', ['MIT'], 'pkg:npm/@evil/pkg@0.0.1'),
      ]),
    ];
    const result = evaluateSbom(banned, records);
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([
      'banned component pkg:npm/event-stream@3.3.6 (matches pkg:npm/event-stream@3.3.6); remove or replace it',
      'banned component pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar (matches pkg:maven/org.apache.logging.log4j/log4j-core@2.1*); remove or replace it',
      'banned component pkg:npm/@evil/pkg@0.0.1 (matches pkg:npm/%40evil/*); remove or replace it',
    ]);
  });

  it('passes without matches and lists components without a purl as risk', () => {
    const noPurl: ReturnType<typeof component> = { name: 'vendored', version: '1', licenses: ['MIT'] };
    const result = evaluateSbom(banned, [sbom([component('left-pad', '1.3.0'), noPurl])]);
    expect(result.status).toBe('pass');
    expect(result.risks.map((r) => r.text)).toEqual([
      '1 component(s) have no package URL and were not checked against bannedComponents',
    ]);
  });

  it('the contract refuses a pattern that is not a purl', () => {
    expect(sbomRequirement.safeParse({ bannedComponents: ['event-stream'] }).success).toBe(false);
  });
});

describe('sbom gate: the image the SBOM names', () => {
  // syft spdxjson/testdata/snapshot/TestSPDXJSONImageEncoder.golden: the described image package's
  // versionInfo, SHA256 checksum and pkg:oci purl all name sha256:2731251dc349…
  const SYFT = 'sbom/syft/spdxjson__testdata__snapshot__TestSPDXJSONImageEncoder.golden';
  const IMAGE = 'sha256:2731251dc34951c0e50fcc643b4c5f74922dad1a5d98f302b504cf46cd5d9368';

  function realSbom(artifact: string) {
    const result = normaliseDocument(fixtureText(SYFT), SYFT, 'sbom');
    if (result.type !== 'evidence') throw new Error('not evidence');
    return sbom([], { data: result.data, format: result.format, artifact });
  }

  it('lists an SBOM naming another image as remaining risk, and still passes', () => {
    const record = realSbom(`sha256:${'a'.repeat(64)}`);
    const result = evaluateSbom(policy('required'), [record]);
    expect(result.status).toBe('pass');
    expect(result.risks.filter((r) => r.text.includes('names image'))).toEqual([
      {
        gate: 'sbom',
        text: "SBOM from spdx names image sha256:2731251dc34951c0e50fcc643b4c5f74922dad1a5d98f302b504cf46cd5d9368, not this artifact's sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: it may describe another build (a multi-platform image registered by its index names its platforms' manifests)",
        evidence: [record.id],
      },
    ]);
  });

  it('adds no risk when the SBOM names the artifact, and says it names it', () => {
    const result = evaluateSbom(policy('required'), [realSbom(IMAGE)]);
    expect(result.risks.some((r) => r.text.includes('names image'))).toBe(false);
    expect(result.validated[0]?.text).toMatch(/; it names this digest$/);
  });

  it('says nothing of images for an SBOM that names none', () => {
    const result = evaluateSbom(policy('required'), [sbom([component('a', '1.0.0')])]);
    expect(result.validated[0]?.text).not.toContain('names');
    expect(result.risks).toEqual([]);
  });
});

describe('sbom gate: which SBOMs count', () => {
  // syft's golden snapshots (test/fixtures/sbom/syft/): the image BOM's metadata.component is a
  // "container", the directory BOM's a "file"; both name the tool "syft v0.42.0-bogus".
  const IMAGE = 'sbom/syft/cyclonedxjson__testdata__snapshot__TestCycloneDxImageEncoder.golden';
  const DIRECTORY = 'sbom/syft/cyclonedxxml__testdata__snapshot__TestCycloneDxDirectoryEncoder.golden';

  /** The SBOM as read; `clean` drops its components, as a later run that no longer finds them. */
  function recordOf(path: string, recordedAt: string, clean = false) {
    const parsed = normaliseDocument(fixtureText(path), path, 'sbom');
    if (parsed.type !== 'evidence' || parsed.data.kind !== 'sbom') throw new Error('not an SBOM');
    const data = clean
      ? { ...parsed.data, components: [], counts: { ...parsed.data.counts, components: 0, withLicense: 0 } }
      : parsed.data;
    return sbom(data.components, { data, format: parsed.format, recordedAt });
  }

  it('a later SBOM of a directory from the same tool does not replace its SBOM of the image', () => {
    const image = recordOf(IMAGE, '2026-11-20T00:00:00Z');
    const directory = recordOf(DIRECTORY, '2026-11-24T00:00:00Z', true);
    // Before, the directory SBOM replaced the image SBOM and the image's denied licence passed.
    const result = evaluateSbom(policy({ denyLicenses: ['MIT'] }), [image, directory]);
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text).join('\n')).toContain('MIT');
  });

  it('a later SBOM of the image from the same tool still replaces its earlier one', () => {
    const older = recordOf(IMAGE, '2026-11-20T00:00:00Z');
    const newer = recordOf(IMAGE, '2026-11-24T00:00:00Z', true);
    expect(evaluateSbom(policy({ denyLicenses: ['MIT'] }), [older, newer]).status).toBe('pass');
  });
});

describe('evaluateSbom with a WITH exception that is not on the SPDX exception list', () => {
  // An exception only adds permissions to its base licence; one Tollgate cannot read (SPDX 3
  // AdditionRef-…, a LicenseRef-… after WITH, an unknown id) made the whole expression free text,
  // unchecked, and a denied base licence passed denyLicenses.
  const deny = policy({ denyLicenses: ['GPL-3.0-only', 'LGPL-2.1-or-later'] });
  const evaluate = (text: string, file: string) => {
    const parsed = normaliseDocument(text, file, 'sbom');
    if (parsed.type !== 'evidence' || parsed.data.kind !== 'sbom') throw new Error('not an SBOM');
    return {
      data: parsed.data,
      result: evaluateSbom(deny, [sbom([], { data: parsed.data, format: parsed.format })]),
    };
  };
  const unhonoured = (exception: string) =>
    `(its exception ${exception} is not on the SPDX exception list and was not honoured)`;

  it('denies the base licence of an SPDX 2.3 JSON package whose exception is a LicenseRef or unknown', () => {
    const spdx = spdxApp('Tool: example', [
      { name: 'ref', licenseConcluded: 'GPL-3.0-only WITH LicenseRef-our-linking-exception' },
      { name: 'unknown', licenseConcluded: 'MIT AND gpl-3.0-only with Vendor-exception-1.0' },
      { name: 'listed', licenseConcluded: 'GPL-3.0-only WITH GCC-exception-3.1' },
      { name: 'choice', licenseConcluded: 'MIT OR GPL-3.0-only WITH LicenseRef-x' },
    ]);
    const { data, result } = evaluate(JSON.stringify(spdx), 'app.spdx.json');
    expect(data.components.map((c) => [c.licenses, c.licenseNames])).toEqual([
      [['GPL-3.0-only WITH LicenseRef-our-linking-exception'], undefined],
      [['MIT AND GPL-3.0-only WITH Vendor-exception-1.0'], undefined],
      [['GPL-3.0-only WITH GCC-exception-3.1'], undefined],
      [['MIT OR GPL-3.0-only WITH LicenseRef-x'], undefined],
    ]);
    expect(result.status).toBe('fail');
    // A listed exception still lifts the denial of its base; a choice of MIT still avoids it.
    expect(result.required.map((r) => r.text)).toEqual([
      `ref@1 is licensed GPL-3.0-only WITH LicenseRef-our-linking-exception, which needs denied licence GPL-3.0-only ${unhonoured('LicenseRef-our-linking-exception')}`,
      `unknown@2 is licensed MIT AND GPL-3.0-only WITH Vendor-exception-1.0, which needs denied licence GPL-3.0-only ${unhonoured('Vendor-exception-1.0')}`,
    ]);
  });

  it('denies the base licence of an SPDX 3.0 package whose exception is an AdditionRef', () => {
    const doc = sampleJson('spdx-3.0.1.spdx3.json') as { '@graph': Array<Record<string, unknown>> };
    const lgpl = doc['@graph'].find((e) => e.spdxId === 'https://example.com/spdx/license/lgpl-2.1')!;
    lgpl.simplelicensing_licenseExpression = 'LGPL-2.1-or-later WITH AdditionRef-mariadb-linking';
    const { result } = evaluate(JSON.stringify(doc), 'inventory.spdx3.json');
    expect(result.status).toBe('fail');
    expect(result.required.map((r) => r.text)).toEqual([
      `mariadb-java-client@3.4.1 is licensed LGPL-2.1-or-later WITH AdditionRef-mariadb-linking, which needs denied licence LGPL-2.1-or-later ${unhonoured('AdditionRef-mariadb-linking')}`,
    ]);
  });

  it('denies the base licence of a CycloneDX expression whose exception is an AdditionRef', () => {
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      components: [
        { name: 'addition', version: '1', licenses: [{ expression: 'GPL-3.0-only WITH AdditionRef-foo' }] },
        {
          name: 'listed',
          version: '2',
          licenses: [{ expression: 'GPL-3.0-only WITH Classpath-exception-2.0' }],
        },
        { name: 'plus', version: '3', licenses: [{ expression: 'GPL-3.0+ WITH LicenseRef-bar' }] },
      ],
    };
    const { result } = evaluate(JSON.stringify(bom), 'bom.json');
    expect(result.required.map((r) => r.text)).toEqual([
      `addition@1 is licensed GPL-3.0-only WITH AdditionRef-foo, which needs denied licence GPL-3.0-only ${unhonoured('AdditionRef-foo')}`,
      `plus@3 is licensed GPL-3.0+ WITH LicenseRef-bar, which needs denied licence GPL-3.0+ ${unhonoured('LicenseRef-bar')}`,
    ]);
    expect(result.risks.map((r) => r.text).join('\n')).not.toContain('not SPDX expressions');
  });
});
