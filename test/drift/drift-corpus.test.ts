/**
 * Real config files from other projects, read by the drift readers (test/fixtures/drift-corpus/,
 * provenance in test/fixtures/SOURCES.md). Each expectation cites where upstream states it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../src/drift/env-reader.js';
import { mergeConfig } from '../../src/drift/merge.js';
import { parseConfigBytes } from '../../src/drift/read-config.js';
import { renderDriftJson, renderDriftMarkdown, renderDriftText } from '../../src/drift/render.js';
import { buildDriftReport } from '../../src/drift/report.js';
import type { ConfigMap } from '../../src/drift/types.js';
import { tollgateErrorOf } from '../support/builders.js';

const corpus = (folder: string, name: string) =>
  readFileSync(new URL(`../fixtures/drift-corpus/${folder}/${name}`, import.meta.url));
// Read under the upstream path (`tests/.env.bom`), since the reader is chosen by the file's name.
const read = (folder: string, name: string) => {
  const parts = parseConfigBytes(corpus(folder, name), name.replaceAll('__', '/'));
  expect(parts).toHaveLength(1);
  return parts[0]!;
};

// motdotla/dotenv tests/test-parse.js asserts every key of tests/.env (t.equal(parsed.KEY, …)).
const DOTENV_ENV = {
  BASIC: 'basic',
  AFTER_LINE: 'after_line',
  EMPTY: '',
  EMPTY_SINGLE_QUOTES: '',
  EMPTY_DOUBLE_QUOTES: '',
  EMPTY_BACKTICKS: '',
  SINGLE_QUOTES: 'single_quotes',
  SINGLE_QUOTES_SPACED: '    single quotes    ',
  DOUBLE_QUOTES: 'double_quotes',
  DOUBLE_QUOTES_SPACED: '    double quotes    ',
  DOUBLE_QUOTES_INSIDE_SINGLE: 'double "quotes" work inside single quotes',
  DOUBLE_QUOTES_WITH_NO_SPACE_BRACKET: '{ port: $MONGOLAB_PORT}',
  SINGLE_QUOTES_INSIDE_DOUBLE: "single 'quotes' work inside double quotes",
  BACKTICKS_INSIDE_SINGLE: '`backticks` work inside single quotes',
  BACKTICKS_INSIDE_DOUBLE: '`backticks` work inside double quotes',
  BACKTICKS: 'backticks',
  BACKTICKS_SPACED: '    backticks    ',
  DOUBLE_QUOTES_INSIDE_BACKTICKS: 'double "quotes" work inside backticks',
  SINGLE_QUOTES_INSIDE_BACKTICKS: "single 'quotes' work inside backticks",
  DOUBLE_AND_SINGLE_QUOTES_INSIDE_BACKTICKS: 'double "quotes" and single \'quotes\' work inside backticks',
  EXPAND_NEWLINES: 'expand\nnew\nlines',
  DONT_EXPAND_UNQUOTED: 'dontexpand\\nnewlines',
  DONT_EXPAND_SQUOTED: 'dontexpand\\nnewlines',
  INLINE_COMMENTS: 'inline comments',
  INLINE_COMMENTS_SINGLE_QUOTES: 'inline comments outside of #singlequotes',
  INLINE_COMMENTS_DOUBLE_QUOTES: 'inline comments outside of #doublequotes',
  INLINE_COMMENTS_BACKTICKS: 'inline comments outside of #backticks',
  INLINE_COMMENTS_SPACE: 'inline comments start with a',
  EQUAL_SIGNS: 'equals==',
  RETAIN_INNER_QUOTES: '{"foo": "bar"}',
  RETAIN_INNER_QUOTES_AS_STRING: '{"foo": "bar"}',
  RETAIN_INNER_QUOTES_AS_BACKTICKS: '{"foo": "bar\'s"}',
  TRIM_SPACE_FROM_UNQUOTED: 'some spaced out string',
  USERNAME: 'therealnerdybeast@example.tld',
  SPACED_KEY: 'parsed',
  EXPORT_IS_DECLARED: 'parsed',
  EXPORT_IS_DECLARED_WITH_SPACING: 'parsed',
  EXPORT_IS_DECLARED_WITH_SOME_VALUE: 'some_value',
  EXPORT_IS_DECLARED_WITH_SOME_VALUE_SPACED: 'some_value',
  EXPORT_IS_DECLARED_WITH_SOME_VALUE_AND_SPACING: 'some_value',
};

// tests/test-parse-multiline.js on tests/.env.multiline (the PEM value: its `multiPem`).
const DOTENV_MULTILINE = {
  BASIC: 'basic',
  AFTER_LINE: 'after_line',
  EMPTY: '',
  SINGLE_QUOTES: 'single_quotes',
  SINGLE_QUOTES_SPACED: '    single quotes    ',
  DOUBLE_QUOTES: 'double_quotes',
  DOUBLE_QUOTES_SPACED: '    double quotes    ',
  EXPAND_NEWLINES: 'expand\nnew\nlines',
  DONT_EXPAND_UNQUOTED: 'dontexpand\\nnewlines',
  DONT_EXPAND_SQUOTED: 'dontexpand\\nnewlines',
  EQUAL_SIGNS: 'equals==',
  RETAIN_INNER_QUOTES: '{"foo": "bar"}',
  RETAIN_INNER_QUOTES_AS_STRING: '{"foo": "bar"}',
  TRIM_SPACE_FROM_UNQUOTED: 'some spaced out string',
  USERNAME: 'therealnerdybeast@example.tld',
  SPACED_KEY: 'parsed',
  MULTI_DOUBLE_QUOTED: 'THIS\nIS\nA\nMULTILINE\nSTRING',
  MULTI_SINGLE_QUOTED: 'THIS\nIS\nA\nMULTILINE\nSTRING',
  MULTI_BACKTICKED: 'THIS\nIS\nA\n"MULTILINE\'S"\nSTRING',
  MULTI_PEM_DOUBLE_QUOTED:
    '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnNl1tL3QjKp3DZWM0T3u\nLgGJQwu9WqyzHKZ6WIA5T+7zPjO1L8l3S8k8YzBrfH4mqWOD1GBI8Yjq2L1ac3Y/\nbTdfHN8CmQr2iDJC0C6zY8YV93oZB3x0zC/LPbRYpF8f6OqX1lZj5vo2zJZy4fI/\nkKcI5jHYc8VJq+KCuRZrvn+3V+KuL9tF9v8ZgjF2PZbU+LsCy5Yqg1M8f5Jp5f6V\nu4QuUoobAgMBAAE=\n-----END PUBLIC KEY-----',
};

describe('dotenv corpus (motdotla/dotenv tests/)', () => {
  it('reads tests/.env as dotenv does, but for the one line where docker compose reads more', () => {
    // Line 31, INLINE_COMMENTS_SPACE=inline comments start with a#number sign…: dotenv reads
    // "inline comments start with a", docker compose keeps the "#" and the rest; the reader takes
    // the longer reading, which never makes two different values compare equal.
    expect(read('dotenv', 'tests__.env').value).toEqual({
      ...DOTENV_ENV,
      INLINE_COMMENTS_SPACE: 'inline comments start with a#number sign. no space required.',
    });
  });

  it('keeps a # right after text or right after the = in an unquoted value, so a.b#1 and a.b#2 never read alike', () => {
    expect(parseEnvFile('A=1\nTOKEN=a.b#1\n', 'prod.env')).toEqual({ A: '1', TOKEN: 'a.b#1' });
    expect(parseEnvFile('TOKEN=a.b#2\n', 'prod.env')).toEqual({ TOKEN: 'a.b#2' });
    expect(parseEnvFile('COLOR=#fff\nB=#\n', 'prod.env')).toEqual({ COLOR: '#fff', B: '#' });
    expect(parseEnvFile('TOKEN="a.b#1"\nB=x # comment\nC=y#z\t# comment\n', 'prod.env')).toEqual({
      TOKEN: 'a.b#1',
      B: 'x',
      C: 'y#z',
    });
  });

  it.each([
    ['tests__.env.multiline', DOTENV_MULTILINE],
    // tests/test-config.js reads .env.bom: the byte order mark is not part of the first key.
    ['tests__.env.bom', { BASIC: 'basic', SECOND: 'two' }],
  ])('%s reads every key to the value dotenv gives', (name, expected) => {
    const part = read('dotenv', name);
    expect(part.source.format).toBe('env');
    expect(part.value).toEqual(expected);
  });

  // Inline cases of tests/test-parse.js, and dotenv's grammar where Node's util.parseEnv differs.
  it.each([
    [
      'SERVER=localhost\rPASSWORD=password\rDB=tests\r',
      { SERVER: 'localhost', PASSWORD: 'password', DB: 'tests' },
    ],
    [
      'SERVER=localhost\r\nPASSWORD=password\r\nDB=tests\r\n',
      { SERVER: 'localhost', PASSWORD: 'password', DB: 'tests' },
    ],
    ['export   A=1\nexport B  =2\n', { A: '1', B: '2' }],
    ['export=1\n', { export: '1' }],
    ['A="a\\"b"\n', { A: 'a\\"b' }],
    ["A='it''s'\n", { A: "it''s" }],
    ['A="x"y\n', { A: '"x"y' }],
    ['A="unterminated\nB=1\n', { A: '"unterminated', B: '1' }],
    ['A="x # y" # comment\n', { A: 'x # y' }],
    ['A="line\n#not a comment\nend"\nB=2\n', { A: 'line\n#not a comment\nend', B: '2' }],
    ['KEY: value\n', { KEY: 'value' }],
    ['A= # only a comment\nB=\t#\n', { A: '', B: '' }],
  ])('reads %j as dotenv.parse does', (text, expected) => {
    expect(parseEnvFile(text, '.env')).toEqual(expected);
  });

  it('refuses what dotenv does silently: a key set twice (dotenv keeps the last) and a bare line', () => {
    // test-parse.js: dotenv.parse('DUP=one\nDUP=two').DUP is 'two'.
    expect(tollgateErrorOf(() => parseEnvFile('DUP=one\nDUP=two', 'prod.env')).message).toBe(
      'prod.env:2:1: duplicate key "DUP" (first set on line 1)',
    );
    const bare = tollgateErrorOf(() => parseEnvFile('A=1\nsk_live_not_a_real_key_0123456789\n', 'prod.env'));
    expect(bare.message).toMatch(/^prod\.env:2:1: expected KEY=VALUE .*the line has no "="/);
    expect(bare.message).not.toContain('sk_live');
    expect(tollgateErrorOf(() => parseEnvFile('MY KEY=1\n', 'x.env')).message).toContain(
      'x.env:1:1: expected KEY=VALUE',
    );
  });
});

// kubernetes/examples: identities as k8s-reader.ts defines them, or the refusal (file, line, cause).
const K8S_READ: Array<[string, string[]]> = [
  [
    'AI__vllm-deployment__hpa__prometheus-adapter.yaml',
    [
      'ServiceAccount/monitoring/prometheus-adapter',
      'ClusterRole/-/prometheus-adapter',
      'ClusterRoleBinding/-/prometheus-adapter',
      'RoleBinding/kube-system/prometheus-adapter-auth-reader',
      'ClusterRoleBinding/-/prometheus-adapter-system-auth-delegator',
      'ConfigMap/monitoring/prometheus-adapter',
      'Deployment/monitoring/prometheus-adapter',
      'Service/monitoring/prometheus-adapter',
      'APIService/-/v1beta1.custom.metrics.k8s.io',
    ],
  ],
  [
    'web__guestbook__all-in-one__guestbook-all-in-one.yaml',
    [
      'Service/-/redis-master',
      'Deployment/-/redis-master',
      'Service/-/redis-replica',
      'Deployment/-/redis-replica',
      'Service/-/frontend',
      'Deployment/-/frontend',
    ],
  ],
  [
    'AI__vllm-deployment__hpa__gpu-service-monitor-generic.yaml',
    ['ServiceMonitor.monitoring.coreos.com/monitoring/nvidia-dcgm-exporter-servicemonitor'],
  ],
  // extensions/v1beta1 DaemonSet: the same object as apps/v1 DaemonSet, so no group in its key.
  ['_archived__volumes__flexvolume__deploy__ds.yaml', ['DaemonSet/-/flex-ds']],
  ['_archived__persistent-volume-provisioning__rbd__ceph-secret-admin.yaml', ['Secret/-/ceph-secret-admin']],
  ['_archived__volumes__iscsi__chap-secret.yaml', ['Secret/-/chap-secret']],
];

const K8S_REFUSED: Array<[string, string]> = [
  // `selector:` twice in one Deployment (kubectl's strict decoding refuses it too).
  ['_archived__openshift-origin__etcd-controller.yaml', ':12:3: invalid YAML: duplicated mapping key'],
  // `type:` twice in a Secret: refused without printing any of its data.
  [
    '_archived__persistent-volume-provisioning__quobyte__quobyte-admin-secret.yaml',
    ':9:1: invalid YAML: duplicated mapping key',
  ],
  // Only comments (upstream: "This file should be overwritten by ./config-to-secret.sh").
  ['_archived__newrelic__newrelic-config.yaml', ': the file holds no YAML document'],
  // `config: {{config_data}}`: a map whose key is a map, not the Secret's data.
  [
    '_archived__newrelic__newrelic-config-template.yaml',
    ':7: invalid YAML for a config file: a mapping key is itself a map',
  ],
  // `replicas: {{replicas}}` on line 6 (line 4 is `name: etcd-{{cell}}`, a plain string).
  [
    '_archived__storage__vitess__etcd-controller-template.yaml',
    ':6: invalid YAML for a config file: a mapping key is itself a map',
  ],
  // Valid YAML, but the Pod's name is `vttablet-{{uid}}`: an unrendered template.
  [
    '_archived__storage__vitess__vttablet-pod-template.yaml',
    ': invalid Kubernetes manifest: document 1 (Pod) metadata.name "vttablet-{{uid}}" holds a template placeholder',
  ],
];

describe('Kubernetes corpus (kubernetes/examples)', () => {
  it.each(K8S_READ)('%s is read as its Kubernetes objects', (name, keys) => {
    const part = read('kubernetes-examples', name);
    expect(part.source.format).toBe('k8s');
    expect(Object.keys(part.value)).toEqual(keys);
  });

  it.each(K8S_REFUSED)('%s is refused with its file, line and cause', (name, message) => {
    const error = tollgateErrorOf(() => parseConfigBytes(corpus('kubernetes-examples', name), name));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message.startsWith(`${name}${message}`)).toBe(true);
  });

  it('never prints the values of a Secret, in any rendering or in the refusal of one', () => {
    for (const name of [
      '_archived__persistent-volume-provisioning__rbd__ceph-secret-admin.yaml',
      '_archived__volumes__iscsi__chap-secret.yaml',
    ]) {
      const upstream = mergeConfig(parseConfigBytes(corpus('kubernetes-examples', name), name));
      const downstream = structuredClone(upstream);
      const secret = Object.values(downstream.k8s)[0] as ConfigMap;
      const data = secret.data as Record<string, string>;
      const values = Object.values(data);
      for (const key of Object.keys(data)) data[key] = `${data[key]}Zm9v`;
      const report = buildDriftReport({
        upstream: { stage: 'staging', config: upstream },
        downstream: { stage: 'prod', config: downstream },
        now: new Date('2026-12-06T00:00:00Z'),
      });
      expect(report.differences).toHaveLength(values.length);
      const shown = renderDriftText(report) + renderDriftJson(report) + renderDriftMarkdown(report);
      expect(shown).toContain('hmac:');
      // The decoded values too, except those the paths spell anyway (`user` in `…auth.username`).
      const keys = `${name} ${Object.keys(data).join(' ')}`;
      for (const value of values) {
        expect(shown).not.toContain(value);
        const decoded = Buffer.from(value, 'base64').toString();
        if (!keys.includes(decoded)) expect(shown).not.toContain(decoded);
      }
    }
    const quobyte = '_archived__persistent-volume-provisioning__quobyte__quobyte-admin-secret.yaml';
    const error = tollgateErrorOf(() => parseConfigBytes(corpus('kubernetes-examples', quobyte), quobyte));
    expect(error.message).not.toContain('cXVvYnl0ZQ==');
    expect(error.message).not.toContain('quobyte\n');
  });
});

describe('.properties corpus (anchore/syft testdata)', () => {
  it.each([
    // syft parse_pom_properties_test.go: the first separator wins, the other stays in the value.
    [
      'syft__pkg__cataloger__java__testdata__pom__colon-delimited-with-equals.pom.properties',
      { groupId: 'org.anchore', artifactId: 'example-java=app-maven', version: '0.1.0=something' },
    ],
    [
      'syft__pkg__cataloger__java__testdata__pom__equals-delimited-with-colons.pom.properties',
      { groupId: 'org.anchore', artifactId: 'example-java:app-maven', version: '0.1.0:something' },
    ],
    // \uXXXX escapes, as java.util.Properties.load decodes them (checked with OpenJDK).
    [
      'syft__pkg__cataloger__java__testdata__java-builds__example-jenkins-plugin__src__main__resources__io__jenkins__plugins__sample__HelloWorldBuilder__config_fr.properties',
      { Name: 'Nom', French: 'Français', FrenchDescr: "Vérifie qu'on dit bien hello en français" },
    ],
  ])('%s reads as java.util.Properties does', (name, expected) => {
    const part = read('syft', name);
    expect(part.source.format).toBe('properties');
    expect(part.value).toEqual(expected);
  });
});
