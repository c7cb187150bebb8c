/**
 * A key set twice must not let a difference hide where the readers of the file disagree on which
 * setting counts. In one YAML map js-yaml refuses it but named only the second line. A plain YAML
 * config file with several documents was merged in order (the last setting won), while Helm reads
 * only the first document (go-yaml's Unmarshal), PyYAML's safe_load refuses the file and Spring
 * Boot merges documents by active profile: `x: 1` then `---` `x: 2` compared as 2 against a stage
 * with 2, and Helm deployed 1.
 */
import { describe, expect, it } from 'vitest';
import { mergeConfig } from '../../src/drift/merge.js';
import { parseConfigBytes } from '../../src/drift/read-config.js';
import { tollgateErrorOf } from '../support/builders.js';

const read = (name: string, text: string) =>
  mergeConfig(parseConfigBytes(new TextEncoder().encode(text), name));

describe('duplicate keys', () => {
  it('names both lines of a YAML key set twice in one map, as js-yaml compares keys', () => {
    expect(tollgateErrorOf(() => read('v.yaml', 'db:\n  host: a\n  port: 1\n  host: b\n')).message).toBe(
      'v.yaml:4:3: invalid YAML: duplicated mapping key (first set on line 2)',
    );
    expect(tollgateErrorOf(() => read('v.yaml', 'ports:\n  0x10: a\n  16: b\n')).message).toContain(
      '(first set on line 2)',
    );
  });

  it('refuses a plain YAML file with more than one document', () => {
    const error = tollgateErrorOf(() => read('values/prod.yaml', 'x: 1\n---\nx: 2\n'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(
      /^values\/prod\.yaml: 2 YAML documents in a plain config file: Helm reads only the first, PyYAML refuses the file/,
    );
    expect(tollgateErrorOf(() => read('v.yaml', 'a: 1\n---\nb: 2\n')).message).toContain('2 YAML documents');
  });
});
