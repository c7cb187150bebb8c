import { describe, expect, it } from 'vitest';
import { compileKeyRules, diffConfigs, diffValues } from '../../src/drift/diff.js';
import { mergeConfig } from '../../src/drift/merge.js';
import { matchPath } from '../../src/drift/pointer.js';
import type { ConfigMap, ConfigSet } from '../../src/drift/types.js';

const set = (plain: ConfigMap, more: Partial<ConfigSet> = {}): ConfigSet => ({
  plain,
  flagd: {},
  k8s: {},
  sources: [],
  ...more,
});

describe('semantic diff', () => {
  it('compares maps by key and reports added, removed and changed with both values', () => {
    expect(diffValues({ a: 1, b: { c: 'x' }, gone: true }, { a: 2, b: { c: 'x', d: [1] } })).toEqual([
      { path: '/a', kind: 'changed', before: 1, after: 2 },
      { path: '/b/d', kind: 'added', after: [1] },
      { path: '/gone', kind: 'removed', before: true },
    ]);
  });

  it('treats types as significant: "1" is not 1, a list is not a map', () => {
    expect(diffValues({ port: '1', x: [], y: null }, { port: 1, x: {}, y: false })).toEqual([
      { path: '/port', kind: 'changed', before: '1', after: 1 },
      { path: '/x', kind: 'changed', before: [], after: {} },
      { path: '/y', kind: 'changed', before: null, after: false },
    ]);
  });

  it('matches list items by name, so a reordered list is no difference', () => {
    const a = {
      containers: [
        { name: 'app', image: 'a' },
        { name: 'proxy', image: 'p' },
      ],
    };
    const b = {
      containers: [
        { name: 'proxy', image: 'p' },
        { name: 'app', image: 'a' },
      ],
    };
    expect(diffValues(a, b)).toEqual([]);
  });

  it('names identity-matched items name=x in the path, as in the issue', () => {
    const spec = (url: string) => ({
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'sidecar', env: [] },
              {
                name: 'app',
                env: [
                  { name: 'MODE', value: 'x' },
                  { name: 'DB_URL', value: url },
                ],
              },
            ],
          },
        },
      },
    });
    expect(diffValues(spec('postgres://staging'), spec('postgres://prod'))).toEqual([
      {
        path: '/spec/template/spec/containers/name=app/env/name=DB_URL/value',
        kind: 'changed',
        before: 'postgres://staging',
        after: 'postgres://prod',
      },
    ]);
  });

  it('reports a head-inserted item once, where a positional diff would report every item', () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ id: i, v: i }));
    const diff = diffValues({ items }, { items: [{ id: 'new', v: 0 }, ...items] });
    expect(diff).toEqual([{ path: '/items/id=new', kind: 'added', after: { id: 'new', v: 0 } }]);
  });

  it('falls back to position when identities repeat or are missing on one side', () => {
    const a = {
      l: [
        { name: 'x', v: 1 },
        { name: 'x', v: 2 },
      ],
    };
    const b = {
      l: [
        { name: 'x', v: 1 },
        { name: 'x', v: 3 },
      ],
    };
    expect(diffValues(a, b)).toEqual([{ path: '/l/1/v', kind: 'changed', before: 2, after: 3 }]);
    expect(diffValues({ l: [1, 2, 3] }, { l: [1, 3] })).toEqual([
      { path: '/l/1', kind: 'changed', before: 2, after: 3 },
      { path: '/l/2', kind: 'removed', before: 3 },
    ]);
  });

  it('tries id and key when name is absent, and a contract key for a path before the built-ins', () => {
    expect(
      diffValues(
        {
          l: [
            { key: 'a', v: 1 },
            { key: 'b', v: 1 },
          ],
        },
        {
          l: [
            { key: 'b', v: 1 },
            { key: 'a', v: 2 },
          ],
        },
      ),
    ).toEqual([{ path: '/l/key=a/v', kind: 'changed', before: 1, after: 2 }]);
    const a = {
      servers: [
        { name: 'same', host: 'a', w: 1 },
        { name: 'same', host: 'b', w: 1 },
      ],
    };
    const b = {
      servers: [
        { name: 'same', host: 'b', w: 2 },
        { name: 'same', host: 'a', w: 1 },
      ],
    };
    expect(diffValues(a, b, '', { keys: compileKeyRules({ '/servers': 'host' }) })).toEqual([
      { path: '/servers/host=b/w', kind: 'changed', before: 1, after: 2 },
    ]);
  });

  it('escapes / and ~ in keys per RFC 6901 and the escaped path still matches patterns', () => {
    const diff = diffValues({ 'a/b': { 'c~d': 1 } }, { 'a/b': { 'c~d': 2 } });
    expect(diff[0]?.path).toBe('/a~1b/c~0d');
    expect(matchPath('/a~1b/*', diff[0]!.path)).toBe(true);
  });

  it('never reads inherited properties: a key named like a prototype member is an ordinary key', () => {
    expect(diffValues({}, { toString: 1, constructor: 2 }).map((d) => d.path)).toEqual([
      '/toString',
      '/constructor',
    ]);
  });

  it('diffs the flagd and k8s namespaces with their prefixes, resources added and removed whole', () => {
    const up = set(
      { a: 1 },
      {
        flagd: { f: { state: 'ENABLED', default: false } },
        k8s: { 'Deployment/shop/web': { spec: { replicas: 1 } }, 'Job/-/old': {} },
      },
    );
    const down = set(
      { a: 1 },
      {
        flagd: { f: { state: 'ENABLED', default: true } },
        k8s: { 'Deployment/shop/web': { spec: { replicas: 3 } }, 'Role/shop/r': {} },
      },
    );
    expect(diffConfigs(up, down)).toEqual([
      { path: 'flagd:/f/default', kind: 'changed', before: false, after: true },
      { path: 'k8s:Deployment/shop/web/spec/replicas', kind: 'changed', before: 1, after: 3 },
      { path: 'k8s:Job/-/old', kind: 'removed', before: {} },
      { path: 'k8s:Role/shop/r', kind: 'added', after: {} },
    ]);
  });
});

describe('merge (later files over earlier, like helm -f a -f b)', () => {
  const source = (file: string) => ({ file, format: 'yaml' as const, digest: 'sha256:0' });

  it('deep-merges maps, replaces lists whole and deletes a key set to null', () => {
    const merged = mergeConfig([
      {
        source: source('base.yaml'),
        namespace: 'plain',
        value: { db: { host: 'a', port: 1 }, list: [1, 2, 3], drop: { x: 1 } },
      },
      {
        source: source('prod.yaml'),
        namespace: 'plain',
        value: { db: { host: 'b' }, list: [9], drop: null },
      },
    ]);
    expect(merged.plain).toEqual({ db: { host: 'b', port: 1 }, list: [9] });
    expect(merged.sources.map((s) => s.file)).toEqual(['base.yaml', 'prod.yaml']);
  });

  it('replaces a flag or a resource whole', () => {
    const merged = mergeConfig([
      {
        source: source('a.json'),
        namespace: 'flagd',
        value: { f: { state: 'ENABLED', default: 1, targeting: {} } },
      },
      { source: source('b.json'), namespace: 'flagd', value: { f: { state: 'ENABLED', default: 2 } } },
    ]);
    expect(merged.flagd).toEqual({ f: { state: 'ENABLED', default: 2 } });
  });

  it('refuses a map turned into a scalar at one path, naming both files', () => {
    expect(() =>
      mergeConfig([
        { source: source('base.yaml'), namespace: 'plain', value: { db: { host: 'a' } } },
        { source: source('prod.env'), namespace: 'plain', value: { db: 'x' } },
      ]),
    ).toThrow(/prod\.env: \/db is a scalar here but a map in base\.yaml/);
    expect(() =>
      mergeConfig([
        { source: source('a.yaml'), namespace: 'plain', value: { l: [1] } },
        { source: source('b.yaml'), namespace: 'plain', value: { l: { x: 1 } } },
      ]),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('allows a scalar to change type between files (the diff reports it, the merge does not judge)', () => {
    const merged = mergeConfig([
      { source: source('a.yaml'), namespace: 'plain', value: { port: '80' } },
      { source: source('b.yaml'), namespace: 'plain', value: { port: 80 } },
    ]);
    expect(merged.plain).toEqual({ port: 80 });
  });
});

describe('path patterns', () => {
  it.each([
    ['flagd:/**', 'flagd:/f/default', true],
    ['flagd:/**', '/flags/f', false],
    ['/features/**', '/features', true],
    ['/features/**', '/features/a/b', true],
    ['**/url', '/a/b/url', true],
    ['**/url', 'k8s:ConfigMap/ns/c/data/url', true],
    ['**/*_URL', '/env/DB_URL', true],
    ['**/*_URL', '/env/DB_URLS', false],
    ['k8s:NetworkPolicy/**', 'k8s:NetworkPolicy/shop/deny/spec', true],
    ['k8s:NetworkPolicy/**', 'k8s:Deployment/shop/NetworkPolicy', false],
    ['/database/host', '/database/host', true],
    ['/database/host', '/database/hostname', false],
    ['/d?/x', '/db/x', true],
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(matchPath(pattern, path)).toBe(expected);
  });
});
