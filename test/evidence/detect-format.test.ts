import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/evidence/detect-format.js';
import { tollgateErrorOf } from '../support/builders.js';
import { fixtureText, sampleText } from './scan-helpers.js';

const format = (text: string) => detectFormat(text, 'input').format;

describe('detectFormat', () => {
  it('tells every real fixture and sample apart by content', () => {
    expect(format(fixtureText('sbom/cyclonedx/dropwizard-1.3.15__bom.json'))).toBe('cyclonedx');
    expect(format(fixtureText('sbom/cyclonedx/VEX__CISA-Use-Cases__Case-2__vex.json'))).toBe('cyclonedx');
    expect(format(fixtureText('sarif/empty-log.sarif.json'))).toBe('sarif');
    expect(format(fixtureText('sarif/Suppressions.sarif'))).toBe('sarif');
    expect(format(sampleText('spdx-2.3-package-manager-hyphen.spdx.json'))).toBe('spdx');
    expect(format(sampleText('spdx-3.0.1.spdx3.json'))).toBe('spdx3');
    expect(format(sampleText('grype.json'))).toBe('grype');
    expect(format(sampleText('trivy.json'))).toBe('trivy');
    expect(format(sampleText('trivy-0.19-bare-array.json'))).toBe('trivy');
    expect(format(sampleText('slsa-v1.intoto.json'))).toBe('in-toto');
    expect(format(fixtureText('junit/maven_surefire_flaky__surefire-report.xml'))).toBe('junit');
  });

  it('recognises JUnit roots after a declaration and comments, with or without a BOM', () => {
    expect(format('\uFEFF<?xml version="1.0"?><!-- a --><testsuite name="x"/>')).toBe('junit');
    expect(format('<testsuites/>')).toBe('junit');
  });

  it('recognises a DSSE envelope, a Sigstore bundle and a bare SLSA v1 predicate', () => {
    expect(format('{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}')).toBe(
      'dsse',
    );
    expect(
      format('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{}}'),
    ).toBe('sigstore-bundle');
    expect(format('{"buildDefinition":{},"runDetails":{}}')).toBe('slsa');
  });

  it('hands back the parsed JSON so it is not parsed twice', () => {
    expect(detectFormat('{"bomFormat":"CycloneDX","specVersion":"1.6"}', 'b.json').value).toEqual({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
    });
  });

  it('refuses malformed JSON with the file, line and column', () => {
    const error = tollgateErrorOf(() =>
      detectFormat('{\n  "bomFormat": "CycloneDX",\n  "specVersion" "1.4"\n}', 'bom.json'),
    );
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.position).toEqual({ file: 'bom.json', line: 3, column: 17 });
    expect(error.message).toMatch(/^bom\.json:3:17: malformed JSON: /);
  });

  it('refuses truncated JSON at its end', () => {
    const error = tollgateErrorOf(() => detectFormat('{\n "runs": [', 'cut.sarif'));
    expect(error.position).toEqual({ file: 'cut.sarif', line: 2, column: 11 });
    expect(error.message).toContain('expected a value, found the end of the file');
  });

  it('refuses JSON of no known format, naming what it found', () => {
    const error = tollgateErrorOf(() => detectFormat('{"hello": 1}', 'x.json'));
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toContain(
      'x.json: not a known evidence format: expected one of JUnit XML, CycloneDX, SPDX 2, SPDX 3 JSON-LD',
    );
    expect(error.message).toContain('found JSON an object with keys "hello"');
  });

  it('names SPDX YAML, RDF/XML, syft JSON and plain text when it refuses them', () => {
    const refuse = (text: string, file: string) => tollgateErrorOf(() => detectFormat(text, file)).message;
    expect(refuse('spdxVersion: SPDX-2.3\ndataLicense: CC0-1.0\n', 'doc.spdx.yaml')).toBe(
      'doc.spdx.yaml: SPDX 2 YAML is not read; expected SPDX as JSON, tag-value or SPDX 3 JSON-LD: convert it (e.g. `pyspdxtools -i doc.spdx.yaml -o out.spdx.json`)',
    );
    expect(
      refuse(
        '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
        'doc.spdx.rdf',
      ),
    ).toMatch(
      /^doc\.spdx\.rdf: RDF\/XML \(root <rdf:RDF>, as SPDX 2 can be written\) is not read; expected SPDX as JSON/,
    );
    expect(
      refuse('{"artifacts": [], "source": {}, "descriptor": {"name": "syft", "version": "1.0.0"}}', 's.json'),
    ).toMatch(
      /^s\.json: not a known evidence format: found syft's own JSON .* which Tollgate does not read; expected one of/,
    );
    expect(refuse('NAME  VERSION  TYPE\nleft-pad  1.3.0  npm\n', 'table.txt')).toMatch(
      /^table\.txt: not a known evidence format: the file is neither JSON, XML nor SPDX tag-value; expected one of JUnit XML, CycloneDX/,
    );
  });

  it('names an OpenVEX or CSAF VEX document when it refuses one, and says where VEX belongs', () => {
    const refuse = (text: string, file: string) => tollgateErrorOf(() => detectFormat(text, file)).message;
    const openvex = JSON.stringify({
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://openvex.dev/docs/example/vex-9fb3463de1b57',
      author: 'Wolfi J Inkinson',
      timestamp: '2023-01-08T18:02:03.647787998-06:00',
      version: 1,
      statements: [
        {
          vulnerability: { name: 'CVE-2014-123456' },
          products: [{ '@id': 'pkg:apk/distro/git@2.39.0-r1?arch=armv7' }],
          status: 'not_affected',
          justification: 'inline_mitigations_already_exist',
        },
      ],
    });
    expect(refuse(openvex, 'vex.openvex.json')).toMatch(
      /^vex\.openvex\.json: not a known evidence format: found an OpenVEX document \(1 statement\(s\)\): statements are no scan, .*`grype --vex FILE`, `trivy --vex FILE`.* which Tollgate does not read; expected one of/,
    );
    const csaf = JSON.stringify({
      document: { category: 'csaf_vex', csaf_version: '2.0' },
      vulnerabilities: [],
    });
    expect(refuse(csaf, 'csaf.json')).toMatch(
      /^csaf\.json: not a known evidence format: found a CSAF VEX document: /,
    );
  });

  it('reads CycloneDX XML, refuses other XML and empty files', () => {
    expect(
      detectFormat('<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.4"/>', 'bom.xml'),
    ).toEqual({ format: 'cyclonedx', value: { bomFormat: 'CycloneDX', specVersion: '1.4' } });
    expect(tollgateErrorOf(() => detectFormat('<?xml version="1.0"?><report/>', 'r.xml')).message).toBe(
      'r.xml: XML with root element <report> is neither JUnit XML (<testsuites> or <testsuite>) nor CycloneDX XML (<bom>); SPDX is read as JSON, tag-value or SPDX 3 JSON-LD',
    );
    expect(tollgateErrorOf(() => detectFormat('  \n', 'empty.json')).message).toBe(
      'empty.json: the file is empty',
    );
  });
});

describe('jsonSyntaxError (line and column when the engine gives no position)', () => {
  it('points at the unexpected token', async () => {
    const { jsonSyntaxError } = await import('../../src/text/json-text.js');
    const jsonErrorOffset = (text: string) => jsonSyntaxError(text)?.offset;
    const text = '{\n  "matches": [\n    {"vulnerability": }\n  ]\n}\n';
    expect(jsonErrorOffset(text)).toBe(text.indexOf('}'));
    expect(jsonErrorOffset('{"a": [1, 2,]}')).toBe(12);
    expect(jsonErrorOffset('{"a": "x\\q"}')).toBe(9);
    expect(jsonErrorOffset('[1] x')).toBe(4);
    expect(jsonErrorOffset('{"a": [true, null, -1.5e3, "\\u00e9"]}')).toBeUndefined();
  });

  it('gives detectFormat the position for such errors', () => {
    const error = tollgateErrorOf(() =>
      detectFormat('{\n  "matches": [\n    {"vulnerability": }\n  ]\n}\n', 'g.json'),
    );
    expect(error.position).toEqual({ file: 'g.json', line: 3, column: 23 });
    expect(error.message).toBe("g.json:3:23: malformed JSON: expected a value, found '}'");
  });
});
