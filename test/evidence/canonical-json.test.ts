import { describe, expect, it } from 'vitest';
import { fastCanonicalJson } from '../../src/evidence/canonical-json.js';
import { parseCycloneDx } from '../../src/evidence/cyclonedx-parser.js';
import { parseSpdx } from '../../src/evidence/spdx-parser.js';
import { evidenceContentJson } from '../../src/ledger/evidence-chain.js';
import { canonicalJsonReference as canonicalJson } from '../../src/ledger/hash-chain.js';
import { fixtureJson, sampleJson } from './scan-helpers.js';

const fast = (value: unknown) => fastCanonicalJson(value, canonicalJson);

describe('fastCanonicalJson gives exactly the ledger canonical JSON', () => {
  it('on real SBOM summaries (sorted and unsorted keys, undefined members, nested arrays)', () => {
    const values = [
      parseCycloneDx(fixtureJson('sbom/cyclonedx/dropwizard-1.3.15__bom.json'), 'd'),
      parseSpdx(sampleJson('spdx-3.0.1.spdx3.json'), 's'),
      fixtureJson('sarif/Suppressions.sarif'),
      {
        artifact: 'sha256:x',
        stage: null,
        data: { kind: 'sbom', b: [1, 'two', null, { z: 1, a: undefined }], a: true },
      },
    ];
    for (const value of values) expect(fast(value)).toBe(canonicalJson(value));
  });

  it('sorts keys by UTF-16 code units, not locale', () => {
    const value = { b: 1, B: 2, é: 3, a: { y: [], x: {} } };
    expect(fast(value)).toBe('{"B":2,"a":{"x":{},"y":[]},"b":1,"é":3}');
    expect(fast(value)).toBe(canonicalJson(value));
  });

  it('falls back for integer-like keys (which engines enumerate first) and toJSON', () => {
    const labels = { 10: 'ten', 9: 'nine', a: 'letter' };
    expect(fast(labels)).toBe('{"10":"ten","9":"nine","a":"letter"}');
    const withDate = { at: new Date(0) };
    expect(fast(withDate)).toBe(canonicalJson(withDate));
  });

  it('refuses non-finite numbers like the ledger does', () => {
    expect(() => fast({ n: Number.NaN })).toThrow('non-finite number');
  });
});

describe('the evidence id', () => {
  it('is the digest of the canonical JSON of the record content, assembled around the data text', () => {
    const data = parseCycloneDx(fixtureJson('sbom/cyclonedx/dropwizard-1.3.15__bom.json'), 'd');
    for (const stage of [null, 'staging', 'qa "quoted" \u2028']) {
      const input = { stage, format: 'cyclonedx', sourceDigest: 'sha256:s\\"', data };
      const content = {
        artifact: 'sha256:a',
        stage,
        format: input.format,
        sourceDigest: input.sourceDigest,
        data,
      };
      expect(evidenceContentJson('sha256:a', input, canonicalJson(data))).toBe(canonicalJson(content));
    }
  });
});
