/**
 * `null` in a later file removes what an earlier file set (Helm's `-f a -f b`). With nothing
 * earlier, it removes a default the stage's files do not show (the chart's values.yaml), so it is
 * kept and compared, as a null inside a new map always was.
 */
import { describe, expect, it } from 'vitest';
import { diffConfigs } from '../../src/drift/diff.js';
import { mergeConfig } from '../../src/drift/merge.js';
import { parseConfigBytes } from '../../src/drift/read-config.js';

const stage = (...files: Array<[string, string]>) =>
  mergeConfig(files.flatMap(([name, text]) => parseConfigBytes(new TextEncoder().encode(text), name)));

describe('null in a stage config', () => {
  it('shows a top-level null that removes a default against a stage that keeps it', () => {
    const staging = stage(['staging.yaml', 'replicas: 2\n']);
    const prod = stage(['prod.yaml', 'replicas: 2\nnetworkPolicy: null\n']);
    expect(diffConfigs(staging, prod)).toEqual([{ path: '/networkPolicy', kind: 'added', after: null }]);
  });

  it('reads a top-level null as a nested one is read', () => {
    expect(stage(['a.yaml', 'a: null\nb: {c: null}\n']).plain).toEqual({ a: null, b: { c: null } });
  });

  it('still removes what an earlier file set', () => {
    const merged = stage(['base.yaml', 'a: 1\nb: {c: 2, d: 3}\n'], ['prod.yaml', 'a: null\nb: {c: null}\n']);
    expect(merged.plain).toEqual({ b: { d: 3 } });
  });
});
