/**
 * CycloneDX XML: the XML twins of the real JSON fixtures (CycloneDX/bom-examples writes both from
 * one build) read to the same SBOM, a VEX written in 1.4 XML reads as a scan, and broken XML is
 * refused at its line.
 */
import { describe, expect, it } from 'vitest';
import { parseCycloneDxXml } from '../../src/evidence/cyclonedx-xml.js';
import { detectFormat } from '../../src/evidence/detect-format.js';
import type { SbomSummary, VulnerabilitySummary } from '../../src/evidence/evidence.js';
import { normaliseDocument } from '../../src/evidence/normalise-evidence.js';
import { tollgateErrorOf } from '../support/builders.js';
import { fixtureText } from './scan-helpers.js';

const CDX = 'sbom/cyclonedx/';

function sbomOf(name: string): SbomSummary {
  const result = normaliseDocument(fixtureText(`${CDX}${name}`), name, 'sbom');
  if (result.type !== 'evidence' || result.data.kind !== 'sbom') throw new Error(`${name} is no SBOM`);
  return result.data;
}

function scanOf(text: string): VulnerabilitySummary {
  const result = normaliseDocument(text, 'vex.xml');
  if (result.type !== 'evidence' || result.data.kind !== 'vulnerabilities') throw new Error('no scan');
  return result.data;
}

describe('CycloneDX XML, against the JSON of the same build', () => {
  it.each([
    ['cern-lhc-vdm-editor-e564943__bom.xml', 'cern-lhc-vdm-editor-e564943__bom.json', 43],
    ['laravel-7.12.0__bom.1.4.xml', 'laravel-7.12.0__bom.1.4.json', 62],
    ['proton-bridge__proton-bridge-v1.8.0.bom.xml', 'proton-bridge__proton-bridge-v1.8.0.bom.json', 201],
  ])('%s reads to exactly what %s does (%i components)', (xml, json, components) => {
    // The two files were written seconds apart: each states its own metadata.timestamp, and each
    // has its own serialNumber (a BOM-link names one of them, not the build).
    const { ranAt: xmlTime, bomLink: xmlLink, ...fromXml } = sbomOf(xml);
    const { ranAt: jsonTime, bomLink: jsonLink, ...fromJson } = sbomOf(json);
    expect(fromXml).toEqual(fromJson);
    expect(xmlTime === undefined).toBe(jsonTime === undefined);
    expect(xmlLink === undefined).toBe(jsonLink === undefined);
    expect(fromXml.counts.components).toBe(components);
  });

  it('dropwizard: the same 167 components, but for the one licence expression only the JSON file holds', () => {
    const fromXml = sbomOf('dropwizard-1.3.15__bom.xml');
    const fromJson = sbomOf('dropwizard-1.3.15__bom.json');
    expect(fromXml.components.map((c) => c.purl)).toEqual(fromJson.components.map((c) => c.purl));
    const differ = fromXml.components.filter(
      (c, i) => JSON.stringify(c) !== JSON.stringify(fromJson.components[i]),
    );
    // The upstream XML has no <licenses> for osgi-resource-locator; its JSON twin was given an expression.
    expect(differ.map((c) => [c.name, c.licenses])).toEqual([
      ['org.glassfish.hk2/osgi-resource-locator', []],
    ]);
    expect(fromXml.counts).toEqual({ ...fromJson.counts, withLicense: 118, withoutLicense: 35 });
    expect(fromXml.tool).toBe('CycloneDX Maven plugin 2.0.2');
    expect(fromXml.subject).toEqual(fromJson.subject);
  });

  it('reads CycloneDX 1.1, which exists only as XML: values in CDATA, licences as ids', () => {
    const sbom = sbomOf('laravel-7.12.0__bom.1.1.xml');
    expect(sbom.specVersion).toBe('1.1');
    expect(sbom.counts.components).toBe(62);
    expect(sbom.components[0]).toEqual({
      licenseNames: undefined,
      licenses: ['MIT'],
      name: 'asm89/stack-cors',
      purl: 'pkg:composer/asm89/stack-cors@1.3.0',
      version: '1.3.0',
    });
    expect(detectFormat(fixtureText(`${CDX}laravel-7.12.0__bom.1.1.xml`), 'bom.xml').format).toBe(
      'cyclonedx',
    );
  });
});

const VEX_14 = `<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.4" serialNumber="urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79" version="1">
  <metadata>
    <tools><tool><vendor>Example</vendor><name>scanner</name><version>2.1</version></tool></tools>
  </metadata>
  <components>
    <component type="library" bom-ref="pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4">
      <group>com.fasterxml.jackson.core</group>
      <name>jackson-databind</name>
      <version>2.9.4</version>
      <purl>pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4</purl>
    </component>
  </components>
  <vulnerabilities>
    <vulnerability bom-ref="v1">
      <id>CVE-2018-7489</id>
      <source><name>NVD</name><url>https://nvd.nist.gov/vuln/detail/CVE-2018-7489</url></source>
      <references><reference><id>GHSA-645p-88qh-w398</id><source><name>GitHub</name></source></reference></references>
      <ratings>
        <rating><source><name>NVD</name></source><score>9.8</score><severity>critical</severity><method>CVSSv3</method></rating>
      </ratings>
      <cwes><cwe>184</cwe><cwe>502</cwe></cwes>
      <description>FasterXML jackson-databind before 2.9.5 allows unauthenticated remote code execution</description>
      <affects><target><ref>pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4</ref></target></affects>
    </vulnerability>
    <vulnerability>
      <id>CVE-2020-0001</id>
      <ratings><rating><score>7.5</score><method>CVSSv31</method></rating></ratings>
      <affects><target><ref>pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4</ref></target></affects>
    </vulnerability>
    <vulnerability>
      <id>CVE-2021-0002</id>
      <ratings><rating><severity>high</severity></rating></ratings>
      <analysis><state>not_affected</state><justification>code_not_reachable</justification></analysis>
      <affects><target><ref>pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4</ref></target></affects>
    </vulnerability>
  </vulnerabilities>
</bom>
`;

describe('CycloneDX XML vulnerabilities (1.4 schema)', () => {
  it('reads ratings, scores, aliases and VEX analysis as the JSON form is read', () => {
    const scan = scanOf(VEX_14.replace(/<components>[\s\S]*<\/components>/, ''));
    // Without components it is a VEX: read as a scan, findings keyed by the ref itself.
    expect(scan.findings.map((f) => [f.id, f.severity, f.package])).toEqual([
      ['CVE-2018-7489', 'critical', 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4'],
      ['CVE-2020-0001', 'high', 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4'],
    ]);
    expect(scan.suppressed).toBe(1);
    expect(scan.scanner).toBe('scanner 2.1');
    expect(scan.findings[0]).toMatchObject({ source: 'cyclonedx:NVD', aliases: ['GHSA-645p-88qh-w398'] });
  });

  it('reads a word beside a CVSS score as the worse of the two, as in JSON', () => {
    const low = VEX_14.replace(/<components>[\s\S]*<\/components>/, '').replace(
      '<score>9.8</score><severity>critical</severity><method>CVSSv3</method>',
      '<score>9.8</score><severity>low</severity><method>CVSSv3</method>',
    );
    expect(scanOf(low).findings[0]).toMatchObject({ id: 'CVE-2018-7489', severity: 'critical' });
    const owasp = low.replace('<method>CVSSv3</method>', '<method>OWASP</method>');
    expect(scanOf(owasp).findings[0]).toMatchObject({ id: 'CVE-2018-7489', severity: 'low' });
  });

  it('reads a BOM with components and vulnerabilities as an SBOM with a scan beside it', () => {
    const result = normaliseDocument(VEX_14, 'bom.xml');
    if (result.type !== 'evidence' || !result.also) throw new Error('expected an SBOM and a scan');
    expect(result.data.kind === 'sbom' && result.data.components.map((c) => c.name)).toEqual([
      'com.fasterxml.jackson.core/jackson-databind',
    ]);
    const scan = result.also.data as VulnerabilitySummary;
    expect(scan.findings[0]).toMatchObject({
      id: 'CVE-2018-7489',
      package: 'jackson-databind',
      version: '2.9.4',
    });
  });

  it('reads 1.5 tools (components, not <tool>) and leaves out elements of other namespaces', () => {
    const bom = `<bom xmlns="http://cyclonedx.org/schema/bom/1.5" xmlns:x="urn:example:ext" version="1">
  <metadata><tools><components><component type="application"><name>syft</name><version>1.0.0</version></component></components></tools></metadata>
  <components>
    <component type="library"><name>left-pad</name><x:name>not this</x:name><x:component><name>nor this</name></x:component></component>
  </components>
</bom>`;
    const result = normaliseDocument(bom, 'bom.xml', 'sbom');
    if (result.type !== 'evidence' || result.data.kind !== 'sbom') throw new Error('no SBOM');
    expect(result.data.tool).toBe('syft 1.0.0');
    expect(result.data.components.map((c) => c.name)).toEqual(['left-pad']);
    expect(result.data.specVersion).toBe('1.5');
  });
});

describe('broken CycloneDX XML, refused at its line', () => {
  const refuse = (text: string) => tollgateErrorOf(() => normaliseDocument(text, 'bom.xml', 'sbom')).message;

  it('names a component without a name, a vulnerability without an id, a target without a ref', () => {
    expect(
      refuse(
        '<bom xmlns="http://cyclonedx.org/schema/bom/1.4">\n<components>\n<component type="library"><version>1</version></component></components></bom>',
      ),
    ).toMatch(/^bom\.xml:3:\d+: <component> has no <name>; expected every component to have its name$/);
    expect(
      tollgateErrorOf(() =>
        normaliseDocument(
          '<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><vulnerabilities>\n<vulnerability><description>x</description></vulnerability></vulnerabilities></bom>',
          'vex.xml',
        ),
      ).message,
    ).toMatch(/^vex\.xml:2:\d+: <vulnerability> has no <id>/);
    expect(
      tollgateErrorOf(() =>
        normaliseDocument(
          '<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><vulnerabilities><vulnerability><id>CVE-1</id><affects>\n\n<target><versions/></target></affects></vulnerability></vulnerabilities></bom>',
          'vex.xml',
        ),
      ).message,
    ).toMatch(/^vex\.xml:3:\d+: <target> has no <ref>/);
  });

  it('refuses a licence form it does not know, and a 1.7 <expression-detailed> without its expression', () => {
    const bom = (licenses: string) =>
      `<bom xmlns="http://cyclonedx.org/schema/bom/1.7"><components><component type="library"><name>a</name>\n<licenses>\n${licenses}</licenses></component></components></bom>`;
    // A future licence element would otherwise vanish from the summary with whatever it names.
    expect(refuse(bom('<license-set><id>GPL-3.0-only</id></license-set>'))).toMatch(
      /^bom\.xml:3:\d+: <license-set> in <licenses>; expected <license>, <expression> or <expression-detailed>/,
    );
    expect(
      refuse(bom('<expression-detailed><details license-identifier="MIT"/></expression-detailed>')),
    ).toMatch(/^bom\.xml:3:\d+: <expression-detailed> has no expression attribute/);
  });

  it('refuses a truncated file, a DOCTYPE, and a <bom> outside CycloneDX', () => {
    expect(refuse('<bom xmlns="http://cyclonedx.org/schema/bom/1.4">\n<components>\n<component>')).toMatch(
      /^bom\.xml:3:\d+: the file ends while <component> is still open; expected a complete CycloneDX XML document/,
    );
    expect(
      refuse(
        '<?xml version="1.0"?>\n<!DOCTYPE bom [<!ENTITY x "y">]>\n<bom xmlns="http://cyclonedx.org/schema/bom/1.4"/>',
      ),
    ).toMatch(/^bom\.xml:2:\d+: a DOCTYPE declaration is not allowed/);
    expect(refuse('<bom xmlns="urn:other"><components/></bom>')).toMatch(
      /^bom\.xml:1:\d+: the root <bom> is in namespace "urn:other"; expected CycloneDX's/,
    );
    expect(refuse('<bom><components/></bom>')).toMatch(/the root <bom> is in namespace ""/);
    // The same words as the JUnit reader's: one rephrasing of saxes for both.
    expect(
      refuse('<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components>&evil;</components></bom>'),
    ).toMatch(/^bom\.xml:1:\d+: an entity reference that is not one of XML's five .*; entities are refused$/);
  });

  it('refuses a field given twice that would hide the first, and lists other repeated elements', () => {
    const bom = (inner: string) => `<bom xmlns="http://cyclonedx.org/schema/bom/1.4">\n${inner}\n</bom>`;
    // A second <licenses> would replace the first, hiding its denied licence.
    expect(
      refuse(
        bom(
          '<components><component><name>a</name>\n<licenses><license><id>AGPL-3.0-only</id></license></licenses>\n<licenses><license><id>MIT</id></license></licenses></component></components>',
        ),
      ),
    ).toMatch(
      /^bom\.xml:4:\d+: <licenses> appears twice in <component>: the second would hide what the first says/,
    );
    // A second <components> would hide the first's (banned) package.
    expect(
      refuse(
        bom(
          '<components><component><name>event-stream</name></component></components>\n<components><component><name>left-pad</name></component></components>',
        ),
      ),
    ).toMatch(/^bom\.xml:3:\d+: <components> appears twice in <bom>/);
    expect(
      refuse(
        bom(
          '<components><component><name>a</name><version>1</version><version>2</version></component></components>',
        ),
      ),
    ).toMatch(/<version> appears twice in <component>/);
    // <url> may repeat in an organisational entity (JSON: a list); nothing read is hidden.
    const supplied = normaliseDocument(
      bom(
        '<components><component><supplier><name>S</name><url>https://a</url><url>https://b</url><url>https://c</url></supplier><name>a</name></component></components>',
      ),
      'bom.xml',
      'sbom',
    );
    expect(
      supplied.type === 'evidence' && supplied.data.kind === 'sbom' && supplied.data.counts.components,
    ).toBe(1);
    const model = parseCycloneDxXml(
      bom(
        '<metadata><supplier><url>https://a</url><url>https://b</url><url>https://c</url></supplier></metadata>',
      ),
      'bom.xml',
    );
    expect(model.metadata).toEqual({ supplier: { url: ['https://a', 'https://b', 'https://c'] } });
    // Only where a reader looks: a <name> repeated inside a <supplier> (not read) is a list, not an error.
    expect(
      parseCycloneDxXml(
        bom(
          '<components><component><supplier><name>S</name><name>T</name></supplier><name>a</name></component></components>',
        ),
        'bom.xml',
      ).components,
    ).toEqual([{ supplier: { name: ['S', 'T'] }, name: 'a' }]);
  });

  it('still refuses other XML by its root element', () => {
    expect(refuse('<spdx:Document xmlns:spdx="http://spdx.org/rdf/terms#"/>')).toMatch(
      /XML with root element <spdx:Document> is neither JUnit XML .* nor CycloneDX XML \(<bom>\)/,
    );
  });
});

describe('CycloneDX XML: a bom-ref two parts share', () => {
  it('refuses the document at the line of the second one', () => {
    const xml = [
      '<?xml version="1.0"?>',
      '<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">',
      '  <components>',
      '    <component type="library" bom-ref="lib"><name>openssl</name><version>3.0.1</version></component>',
      '    <component type="library" bom-ref="lib"><name>left-pad</name><version>1.0.0</version></component>',
      '  </components>',
      '  <vulnerabilities><vulnerability><id>CVE-2026-7001</id>',
      '    <analysis><state>not_affected</state><justification>code_not_reachable</justification></analysis>',
      '    <affects><target><ref>lib</ref></target></affects>',
      '  </vulnerability></vulnerabilities>',
      '</bom>',
    ].join('\n');
    const error = tollgateErrorOf(() => scanOf(xml));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toMatch(
      /^vex\.xml:5:\d+: <component> has bom-ref "lib", which the <component> at line 4 has already; expected every bom-ref unique within the BOM/,
    );
    const services = xml
      .replace(
        '  </components>',
        '  </components>\n  <services><service bom-ref="lib"><name>api</name></service></services>',
      )
      .replace('bom-ref="lib"><name>left-pad', 'bom-ref="pad"><name>left-pad');
    expect(tollgateErrorOf(() => scanOf(services)).message).toMatch(
      /^vex\.xml:7:\d+: <service> has bom-ref "lib", which the <component> at line 4/,
    );
  });

  it('reads 1.7 patentRefs as the references they are, as the JSON list of strings', () => {
    const bom = parseCycloneDxXml(
      [
        '<bom xmlns="http://cyclonedx.org/schema/bom/1.7">',
        '  <components><component type="library"><name>a</name><patentAssertions>',
        '    <patentAssertion bom-ref="pa-1"><assertionType>ownership</assertionType><patentRefs><bom-ref>patent-1</bom-ref></patentRefs></patentAssertion>',
        '  </patentAssertions></component></components>',
        '  <definitions><patents><patent bom-ref="patent-1"><patentNumber>1</patentNumber></patent></patents></definitions>',
        '</bom>',
      ].join('\n'),
      'p.xml',
    );
    const component = (bom.components as Array<Record<string, unknown>>)[0]!;
    expect(JSON.stringify(component.patentAssertions)).toContain('"patentRefs":["patent-1"]');
  });
});
