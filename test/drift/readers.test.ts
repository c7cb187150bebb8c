import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../src/drift/env-reader.js';
import { readFlagd } from '../../src/drift/flagd-reader.js';
import { readK8s } from '../../src/drift/k8s-reader.js';
import { parseProperties } from '../../src/drift/properties-reader.js';
import { parseConfigBytes } from '../../src/drift/read-config.js';
import type { ConfigValue } from '../../src/drift/types.js';
import { parseYamlDocuments } from '../../src/drift/yaml-reader.js';
import { parseStrictJson } from '../../src/text/json-text.js';

const parseJson = (text: string, file: string) => parseStrictJson(text, file) as ConfigValue;

import { tollgateErrorOf } from '../support/builders.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/flagd/${name}`, import.meta.url), 'utf8');

describe('JSON reader', () => {
  it('parses values with their types', () => {
    expect(parseJson('{"a": "1", "b": 1, "c": [true, null]}', 'x.json')).toEqual({
      a: '1',
      b: 1,
      c: [true, null],
    });
  });

  it('reports a syntax error with line and column', () => {
    const error = tollgateErrorOf(() => parseJson('{\n  "a": 1,\n  "b": 2,\n}\n', 'conf/app.json'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.position).toEqual({ file: 'conf/app.json', line: 4, column: 1 });
    expect(error.message).toMatch(/^conf\/app\.json:4:1: invalid JSON: expected a property name/);
  });

  it('refuses a duplicate key that JSON.parse would silently keep', () => {
    const error = tollgateErrorOf(() => parseJson('{"db": {"host": "a",\n "host": "b"}}', 'v.json'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('duplicate key "host"');
    expect(error.position).toMatchObject({ line: 2, column: 2 });
  });

  it('treats escaped keys as the same key', () => {
    expect(tollgateErrorOf(() => parseJson('{"a": 1, "\\u0061": 2}', 'v.json')).message).toContain(
      'duplicate key "a"',
    );
  });

  it('reports an empty file and trailing garbage', () => {
    expect(tollgateErrorOf(() => parseJson('  ', 'e.json')).message).toContain('empty file');
    expect(tollgateErrorOf(() => parseJson('{} x', 'e.json')).message).toContain(
      'expected the end of the file',
    );
  });
});

describe('YAML reader', () => {
  it('reads every document and skips empty ones', () => {
    expect(parseYamlDocuments('a: 1\n---\n---\nb: [x]\n', 'v.yaml')).toEqual([{ a: 1 }, { b: ['x'] }]);
  });

  it('keeps dates and a quoted yes as strings (YAML 1.2 core) and applies merge keys', () => {
    const [document] = parseYamlDocuments(
      'd: 2026-01-01\nz: "yes"\nbase: &b {x: 1}\nm: {<<: *b, z: 2}\n',
      'v.yaml',
    );
    expect(document).toEqual({ d: '2026-01-01', z: 'yes', base: { x: 1 }, m: { x: 1, z: 2 } });
  });

  it('reports invalid YAML with line and column', () => {
    const error = tollgateErrorOf(() => parseYamlDocuments('a: 1\nb: [1, 2\nc: 3\n', 'deploy/values.yaml'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.position?.file).toBe('deploy/values.yaml');
    expect(error.position?.line).toBeGreaterThanOrEqual(2);
    expect(error.position?.column).toBeGreaterThanOrEqual(1);
    expect(error.message).toMatch(/^deploy\/values\.yaml:\d+:\d+: invalid YAML/);
  });

  it('refuses duplicate keys', () => {
    const error = tollgateErrorOf(() => parseYamlDocuments('db:\n  host: a\n  host: b\n', 'v.yaml'));
    expect(error.message).toContain('duplicated mapping key');
    expect(error.position).toMatchObject({ file: 'v.yaml', line: 3 });
  });

  it('refuses an alias bomb quickly instead of expanding it', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const name = String.fromCharCode(97 + i);
      const previous = String.fromCharCode(96 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const error = tollgateErrorOf(() => parseYamlDocuments(levels.join('\n'), 'bomb.yaml'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('alias bomb');
  });

  it('refuses a recursive alias', () => {
    expect(tollgateErrorOf(() => parseYamlDocuments('a: &a [*a]\n', 'loop.yaml')).message).toContain('cycle');
  });

  it('expands a modest alias into independent copies', () => {
    const [document] = parseYamlDocuments('x: &x {k: 1}\nz: *x\n', 'v.yaml') as [{ x: object; z: object }];
    expect(document.z).toEqual({ k: 1 });
    expect(document.z).not.toBe(document.x);
  });
});

describe('.env reader', () => {
  it('parses with util.parseEnv semantics', () => {
    const text =
      '# comment\nDB_URL=postgres://db:5432/app\nexport MODE=prod\nQUOTED="a b"\nMULTI="line1\nline2"\n';
    expect(parseEnvFile(text, '.env')).toEqual({
      DB_URL: 'postgres://db:5432/app',
      MODE: 'prod',
      QUOTED: 'a b',
      MULTI: 'line1\nline2',
    });
  });

  it('refuses a duplicate key with both lines', () => {
    const error = tollgateErrorOf(() => parseEnvFile('A=1\nB=2\nA=3\n', 'prod.env'));
    expect(error.message).toBe('prod.env:3:1: duplicate key "A" (first set on line 1)');
  });

  it('does not mistake a line inside a multi-line value for a key', () => {
    expect(parseEnvFile('A="x\nA=inside\n"\nB=1\n', '.env')).toEqual({ A: 'x\nA=inside\n', B: '1' });
  });
});

describe('.properties reader (java.util.Properties.load)', () => {
  it('accepts =, : and white space as separators, as the Javadoc examples do', () => {
    const text = 'Truth = Beauty\n  Truth2:Beauty\nTruth3                    :Beauty\nTruth4 Beauty\n';
    expect(parseProperties(text, 'a.properties')).toEqual({
      Truth: 'Beauty',
      Truth2: 'Beauty',
      Truth3: 'Beauty',
      Truth4: 'Beauty',
    });
  });

  it('joins continuation lines and drops their leading white space', () => {
    const text =
      'fruits                           apple, banana, pear, \\\n                                  cantaloupe, watermelon, \\\n                                  kiwi, mango\n';
    expect(parseProperties(text, 'a.properties')).toEqual({
      fruits: 'apple, banana, pear, cantaloupe, watermelon, kiwi, mango',
    });
  });

  it('reads a key alone as an empty value and skips # and ! comments', () => {
    expect(parseProperties('# c\n! c \\\ncheeses\n\n', 'a.properties')).toEqual({ cheeses: '' });
  });

  it('handles escapes: separators in keys, \\uXXXX, \\t, an escaped trailing backslash', () => {
    const text = 'key\\ with\\:colon = v\n\\u0041=\\u00e9\\tx\npath=C:\\\\dir\\\\\nnext=1\nr=\\r\\n\\f\\q\n';
    expect(parseProperties(text, 'a.properties')).toEqual({
      'key with:colon': 'v',
      A: 'é\tx',
      path: 'C:\\dir\\',
      next: '1',
      r: '\r\n\fq',
    });
  });

  it('continues past CRLF and CR line ends; a comment-looking continuation is value text', () => {
    expect(parseProperties('a=1\r\nb=2\rc=x\\\r\n  #y\n', 'a.properties')).toEqual({
      a: '1',
      b: '2',
      c: 'x#y',
    });
  });

  it('refuses a malformed \\u escape and duplicate keys, with the line and column', () => {
    expect(tollgateErrorOf(() => parseProperties('a=1\nb=\\u12g4\n', 'a.properties')).message).toMatch(
      /^a\.properties:2:3: malformed/,
    );
    expect(tollgateErrorOf(() => parseProperties('a=1\n a : 2\n', 'a.properties')).message).toBe(
      'a.properties:2:2: duplicate key "a" (first set on line 1)',
    );
  });

  it('does not quote the characters after a malformed \\u, which may be part of a password', () => {
    const error = tollgateErrorOf(() => parseProperties('db.password=C:\\\\x\\uSER5ecret\n', 'a.properties'));
    expect(error.message).toBe(
      'a.properties:1:18: malformed \\uXXXX escape: expected four hex digits after "\\u"',
    );
    expect(error.message).not.toContain('SER5');
  });
});

describe('flagd reader', () => {
  it('computes the effective default of each flag from the upstream sample', () => {
    const { flags, stats } = readFlagd(
      parseJson(fixture('samples__example_flags.flagd.json'), 'f.json'),
      'f.json',
    );
    expect(stats).toEqual({ total: 8, disabled: 0, codeDefault: 0 });
    expect((flags.myBoolFlag as { default: unknown }).default).toBe(true);
    expect((flags.myStringFlag as { default: unknown }).default).toBe('val1');
    expect((flags.myFloatFlag as { default: unknown }).default).toBe(1.23);
    expect((flags.myObjectFlag as { default: unknown }).default).toEqual({ key: 'val' });
    expect((flags.isColorYellow as { default: unknown }).default).toBe(false);
    expect(flags).not.toHaveProperty('$evaluators');
  });

  it('reads the YAML twin of the sample to the same flags', () => {
    const json = readFlagd(parseJson(fixture('samples__example_flags.flagd.json'), 'f.json'), 'f.json');
    const [document] = parseYamlDocuments(fixture('samples__example_flags.flagd.yaml'), 'f.yaml');
    expect(readFlagd(document!, 'f.yaml')).toEqual(json);
  });

  it('counts null and omitted defaultVariant as the code default', () => {
    const { flags, stats } = readFlagd(
      parseJson(fixture('docs__assets__cheat-sheet-flags.json'), 'c.json'),
      'c.json',
    );
    expect(stats.codeDefault).toBe(2);
    expect(flags['code-default-flag']).not.toHaveProperty('default');
    expect(flags['code-default-flag-omitted']).not.toHaveProperty('default');
    expect((flags['simple-object'] as { default: unknown }).default).toEqual({
      theme: 'light',
      maxItems: 10,
    });
    expect(flags.$metadata).toEqual({ flagSetId: 'app-flags' });
  });

  it('treats a DISABLED flag as having no default', () => {
    const { flags, stats } = readFlagd(
      { flags: { f: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on' } } },
      'f.json',
    );
    expect(stats).toEqual({ total: 1, disabled: 1, codeDefault: 0 });
    expect(flags.f).toEqual({ state: 'DISABLED', variants: { on: true, off: false } });
  });

  it('accepts the array form with keys', () => {
    const { flags } = readFlagd(
      { flags: [{ key: 'a', state: 'ENABLED', variants: { x: 1 }, defaultVariant: 'x' }] },
      'f.json',
    );
    expect(flags.a).toMatchObject({ default: 1 });
  });

  it('refuses a defaultVariant that is not a variant, naming file and flag', () => {
    const error = tollgateErrorOf(() =>
      readFlagd(
        { flags: { f: { state: 'ENABLED', variants: { on: true }, defaultVariant: 'of' } } },
        'flags/prod.json',
      ),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('flags/prod.json');
    expect(error.message).toContain('flag "f": defaultVariant "of" is not one of its variants (on)');
  });

  it('is chosen by content for a JSON file with flags and by the .flagd. name', () => {
    const bytes = Buffer.from(fixture('samples__example_flags_secondary.flagd.json'));
    const [part] = parseConfigBytes(bytes, 'flags/secondary.json');
    expect(part?.namespace).toBe('flagd');
    expect(part?.source.flags).toEqual({ total: 2, disabled: 0, codeDefault: 0 });
    expect(part?.source.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('Kubernetes reader', () => {
  const manifests = `apiVersion: apps/v1
kind: Deployment
metadata: {name: checkout, namespace: shop, uid: abc, resourceVersion: "7", annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}"}}
spec: {replicas: 2}
status: {readyReplicas: 2}
---
apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: Service, metadata: {name: checkout, namespace: shop}, spec: {ports: [{port: 80}]}}
  - {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: reader}}
---
apiVersion: crd.projectcalico.org/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
`;

  it('keys resources by kind (and non-Kubernetes group), namespace and name, dropping cluster-written fields', () => {
    const resources = readK8s(parseYamlDocuments(manifests, 'k.yaml'), 'k.yaml');
    expect(Object.keys(resources)).toEqual([
      'Deployment/shop/checkout',
      'Service/shop/checkout',
      'ClusterRole/-/reader',
      'NetworkPolicy.crd.projectcalico.org/shop/deny',
    ]);
    expect(resources['Deployment/shop/checkout']).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'checkout', namespace: 'shop' },
      spec: { replicas: 2 },
    });
  });

  it('is chosen by content for a YAML file whose documents are all Kubernetes objects', () => {
    const [part] = parseConfigBytes(Buffer.from(manifests), 'deploy/all.yaml');
    expect(part?.namespace).toBe('k8s');
    expect(part?.source).toMatchObject({ format: 'k8s', resources: 4 });
  });

  it('refuses a resource defined twice in one file and a document without a name', () => {
    const twice =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n';
    expect(tollgateErrorOf(() => parseConfigBytes(Buffer.from(twice), 'k.yaml')).message).toContain(
      'ConfigMap/-/a is defined twice',
    );
    const nameless = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n';
    expect(
      tollgateErrorOf(() => parseConfigBytes(Buffer.from(nameless), 'k8s.yaml', 'k8s')).message,
    ).toContain('expected metadata.name');
  });

  it('refuses identities no cluster accepts, and keys extensions/v1beta1 objects as their successors', () => {
    const object = (apiVersion: string, kind: string, metadata: string) =>
      Buffer.from(`apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: ${metadata}\n`);
    expect(
      tollgateErrorOf(() =>
        parseConfigBytes(object('v1', 'ConfigMap', '{name: a, namespace: Shop_1}'), 'k.yaml'),
      ).message,
    ).toContain('metadata.namespace "Shop_1" is not a Kubernetes namespace name');
    expect(
      tollgateErrorOf(() => parseConfigBytes(object('v1', 'ConfigMap', '{name: "cfg-<%= env %>"}'), 'k.yaml'))
        .message,
    ).toContain('metadata.name "cfg-<%= env %>" holds a template placeholder');
    expect(
      tollgateErrorOf(() => parseConfigBytes(object('v1', 'ConfigMap', '{name: a/b}'), 'k.yaml')).message,
    ).toContain('is not a Kubernetes name');
    const ingress = (apiVersion: string) =>
      Object.keys(
        parseConfigBytes(object(apiVersion, 'Ingress', '{name: web, namespace: shop}'), 'i.yaml')[0]!.value,
      );
    expect(ingress('extensions/v1beta1')).toEqual(['Ingress/shop/web']);
    expect(ingress('networking.k8s.io/v1')).toEqual(['Ingress/shop/web']);
  });
});

describe('numbers the diff could not compare as written', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('refuses an integer beyond float precision, in YAML and JSON, with its line (it would hide a change)', () => {
    // 9007199254740993 reads as 9007199254740992: an id changed in its last digit compared as equal.
    const yaml = tollgateErrorOf(() => parseYamlDocuments('a: 1\naccountId: 9007199254740993\n', 'v.yaml'));
    expect(yaml.code).toBe('CONFIG_INVALID');
    expect(yaml.position).toEqual({ file: 'v.yaml', line: 2, column: 12 });
    expect(yaml.message).toContain('a number with more significant digits than a 64-bit float holds exactly');
    expect(yaml.message).not.toContain('900719925474099'); // the value may be a secret (a card number)
    const json = tollgateErrorOf(() =>
      parseConfigBytes(bytes('{\n  "s": "9007199254740993",\n  "n": 9007199254740993\n}'), 'v.json'),
    );
    expect(json.position).toEqual({ file: 'v.json', line: 3, column: 8 });
    expect(json.message).toContain('quote it to compare it as text');
  });

  it('reads a YAML integer with a leading zero as octal, as kubectl, Helm, PyYAML and SnakeYAML do', () => {
    expect(
      parseYamlDocuments('defaultMode: 0644\nneg: -010\nalias: &m 0755\nagain: *m\nzero: 0\n', 'v.yaml'),
    ).toEqual([{ defaultMode: 420, neg: -8, alias: 493, again: 493, zero: 0 }]);
    // `0644` against `420` is the same mode; against `644` it is a change the consumer sees.
    const [same] = parseYamlDocuments('defaultMode: 420\n', 'v.yaml');
    const [other] = parseYamlDocuments('defaultMode: 644\n', 'v.yaml');
    expect(same).toEqual({ defaultMode: 420 });
    expect(other).not.toEqual(parseYamlDocuments('defaultMode: 0644\n', 'v.yaml')[0]);
  });

  it('refuses a YAML integer with a leading zero and an 8 or 9, which no reader reads as octal', () => {
    const error = tollgateErrorOf(() => parseYamlDocuments('mode:\n  - 0648\n', 'v.yaml'));
    expect(error.position).toEqual({ file: 'v.yaml', line: 2, column: 5 });
    expect(error.message).toContain(
      'an integer written with a leading zero and an 8 or 9 is no octal number',
    );
    const pin = tollgateErrorOf(() => parseYamlDocuments('pin: &n 0429\nb: *n\n', 'v.yaml'));
    expect(pin.position).toMatchObject({ line: 1, column: 9 });
    expect(pin.message).not.toMatch(/429/); // not the PIN
  });

  it('still reads ordinary numbers, dates, quoted digits and exactly representable long numbers', () => {
    expect(
      parseYamlDocuments(
        'd: 2026-01-01\nz: 0\nf: 0.5\nq: "0644"\nbig: 9007199254740992\nr: 1.0000000000000000\n',
        'v.yaml',
      ),
    ).toEqual([{ d: '2026-01-01', z: 0, f: 0.5, q: '0644', big: 9007199254740992, r: 1 }]);
    expect(parseConfigBytes(bytes('{"id": "12345678901234567890", "p": 0.1}'), 'v.json')[0]!.value).toEqual({
      id: '12345678901234567890',
      p: 0.1,
    });
  });
});

describe('YAML merge keys readers disagree on', () => {
  it('refuses two merge keys in one map at the second, since js-yaml keeps the first and PyYAML the last', () => {
    const text = 'a: &a {timeout: 1}\nb: &b {timeout: 30}\nsvc:\n  <<: *a\n  <<: *b\n';
    const error = tollgateErrorOf(() => parseYamlDocuments(text, 'values.yaml'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.position).toEqual({ file: 'values.yaml', line: 5, column: 3 });
    expect(error.message).toContain('a second merge key (<<) in one map');
  });

  it('still reads one merge key per map, a list of merges, and a quoted "<<" key', () => {
    const text = 'a: &a {x: 1}\nb: &b {x: 2, z: 3}\nc: {<<: *a}\nd: {<<: [*a, *b]}\ne: {"<<": 1, <<: *b}\n';
    expect(parseYamlDocuments(text, 'v.yaml')[0]).toMatchObject({
      c: { x: 1 },
      d: { x: 1, z: 3 },
      e: { '<<': 1, x: 2, z: 3 },
    });
  });
});
