/**
 * Plain scalars that look like numbers and that Go's YAML (Helm, kubectl), PyYAML (YAML 1.1) and
 * Tollgate's YAML 1.2 core reading resolve differently (src/drift/yaml-readings.ts): `0o644` is 420
 * here and to Go but text to PyYAML; `0X1F` is 31 to Go and text to the others; `12:30` is 750 to
 * PyYAML (base 60) and text to the others; `1e3` is text to PyYAML; `-.5` is a number to Go only.
 * Read one way, a stage that writes the scalar plain and one that quotes it compared equal, or two
 * that the application reads alike compared different. Refused with the line, like `on` and `089`.
 */
import { describe, expect, it } from 'vitest';
import { mergeConfig } from '../../src/drift/merge.js';
import { parseConfigBytes } from '../../src/drift/read-config.js';
import { tollgateErrorOf } from '../support/builders.js';

const read = (name: string, text: string) =>
  mergeConfig(parseConfigBytes(new TextEncoder().encode(text), name));
const refusal = (text: string) => tollgateErrorOf(() => read('values/prod.yaml', text));

describe('YAML scalars the readers read differently', () => {
  it('refuses 0o644, which PyYAML reads as text, and reads the forms all readers agree on', () => {
    const agreed = read(
      'v.yaml',
      'quoted: "0o644"\nhex: 0x1F\nexp: 1.5e+3\ninf: -.inf\nhalf: .5\ntag: !!float 1e3\neq: =\nmode: 0644\n',
    );
    expect(agreed.plain).toEqual({
      quoted: '0o644',
      hex: 31,
      exp: 1500,
      inf: Number.NEGATIVE_INFINITY,
      half: 0.5,
      tag: 1000,
      eq: '=',
      mode: 420,
    });
    const error = refusal('volumes:\n  defaultMode: 0o644\n');
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(
      /^values\/prod\.yaml:2:16: YAML readers read this plain scalar differently: a number to Tollgate \(YAML 1\.2 core\), a number to Helm and kubectl \(Go's YAML\), text to PyYAML \(YAML 1\.1\)/,
    );
    expect(error.message).not.toContain('644');
  });

  it('refuses upper-case 0X, 0O and 0B prefixes that only Go reads as numbers', () => {
    for (const scalar of ['0X1F', '0O17', '0B101', '-0X10']) {
      expect(refusal(`mask: ${scalar}\n`).message).toContain(
        'text to Tollgate (YAML 1.2 core), a number to Helm and kubectl',
      );
    }
  });

  it('refuses base 60 times and ports that PyYAML reads as numbers, as values and as keys', () => {
    for (const text of [
      'backup: 12:30\n',
      'ports: ["8080:80", 22:22]\n',
      'elapsed: 1:20.5\n',
      '10:30: nightly\n',
    ]) {
      expect(refusal(text).message).toContain('a number to PyYAML (YAML 1.1)');
    }
    expect(refusal('a: 1\nb: [x, 190:20:30]\n').position).toMatchObject({ line: 2, column: 8 });
  });

  it('refuses exponents without a dot and sign, and a sign before a dot', () => {
    for (const scalar of ['1e3', '1.5e3', '2E-5', '1E+3']) {
      expect(refusal(`rate: ${scalar}\n`).message).toContain(
        "a number to Tollgate (YAML 1.2 core), a number to Helm and kubectl (Go's YAML), text to PyYAML",
      );
    }
    for (const scalar of ['-.5', '+.25']) {
      expect(refusal(`offset: ${scalar}\n`).message).toContain(
        'text to Tollgate (YAML 1.2 core), a number to Helm and kubectl',
      );
    }
  });
});
