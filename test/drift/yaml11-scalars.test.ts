/**
 * Plain scalars that YAML 1.1 readers resolve to another type than the YAML 1.2 core schema does.
 * Helm and kubectl read YAML through sigs.k8s.io/yaml over go-yaml v2, whose resolve table
 * (resolve.go, `resolveMapList`) makes y, yes, on, n, no, off (lower, Title and UPPER case)
 * booleans and strips "_" from numbers; PyYAML's resolver does the same for yes/no/on/off and
 * `1_000`. The YAML 1.2 core schema reads all of them as text, so a stage that writes the word
 * plain and one that quotes it compared equal while Helm rendered `true` for one and `on` for the
 * other. Refused with the line, as `089` is (src/drift/numbers.ts).
 */
import { describe, expect, it } from 'vitest';
import { diffConfigs } from '../../src/drift/diff.js';
import { mergeConfig } from '../../src/drift/merge.js';
import { parseConfigBytes } from '../../src/drift/read-config.js';
import { tollgateErrorOf } from '../support/builders.js';

const read = (name: string, text: string) =>
  mergeConfig(parseConfigBytes(new TextEncoder().encode(text), name));

describe('YAML 1.1 plain scalars', () => {
  it('refuses a plain yes, on, off, no, y or n that a quoted one would compare equal to', () => {
    for (const word of ['yes', 'on', 'Off', 'NO', 'y', 'N']) {
      const error = tollgateErrorOf(() => read('values/prod.yaml', `tls:\n  enabled: ${word}\n`));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toMatch(
        new RegExp(
          `^values/prod\\.yaml:2:12: the plain word "${word}" is (true|false) to YAML 1\\.1 readers \\(Helm, kubectl, PyYAML\\)`,
        ),
      );
    }
    expect(tollgateErrorOf(() => read('v.yaml', 'country: NO\n')).message).toContain(
      "quote it ('NO') if text is meant, or write false",
    );
  });

  it('refuses such a word as a key and in flow collections', () => {
    expect(tollgateErrorOf(() => read('f.yaml', 'variants:\n  on: true\n')).message).toMatch(
      /^f\.yaml:2:3: the plain word "on"/,
    );
    expect(tollgateErrorOf(() => read('f.yaml', 'modes: [fast, off]\n')).message).toMatch(
      /^f\.yaml:1:15: the plain word "off"/,
    );
  });

  it('refuses a number with "_" separators, without quoting it', () => {
    const error = tollgateErrorOf(() => read('v.yaml', 'pin: 12_34\n'));
    expect(error.message).toBe(
      'v.yaml:1:6: a number written with "_" separators is a number to YAML 1.1 readers (Helm, kubectl, PyYAML) and text to YAML 1.2 readers; write it without the "_", or quote it if text is meant',
    );
  });

  it('reads quoted words, explicit tags, words inside text and snake_case names as before', () => {
    const upstream = read(
      'a.yaml',
      'a: "on"\nb: !!str yes\nc: turn it on\nd: max_pool_size\ne: true\n"y": 1\nf: 0x_\n',
    );
    const downstream = read(
      'b.yaml',
      "a: 'on'\nb: yes_please\nc: turn it on\nd: max_pool_size\ne: false\n'y': 1\nf: 0x_\n",
    );
    expect(diffConfigs(upstream, downstream)).toEqual([
      { path: '/b', kind: 'changed', before: 'yes', after: 'yes_please' },
      { path: '/e', kind: 'changed', before: true, after: false },
    ]);
  });
});
