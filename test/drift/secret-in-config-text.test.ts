/**
 * Secrets inside a configuration file carried as one text value (a ConfigMap's `appsettings.json`,
 * `settings.xml`, an `application.yml` block with snake_case keys), which drift printed whole:
 * the text detector knew `password: …` header-style lines and `password=…` pairs, not JSON
 * members, XML elements, YAML keys with `_` or `.`, nor .NET's `<add key=… value=…/>`.
 */
import { describe, expect, it } from 'vitest';
import { maskSecretsInText, secretInValue } from '../../src/text/secret-detector.js';
import { makeWorkspace, runCli } from '../support/cli.js';

describe('secrets in configuration text', () => {
  it('hides the value of a JSON member with a secret name', () => {
    expect(maskSecretsInText('{"db": {"password": "JsPw0001", "host": "db"}}')).toBe(
      '{"db": {"password": "***", "host": "db"}}',
    );
    expect(maskSecretsInText('{"apiKey":"JsKey002","x":1}')).toBe('{"apiKey":"***","x":1}');
    expect(maskSecretsInText("{'client_secret': 'JsSec003'}")).toBe("{'client_secret': '***'}");
    expect(maskSecretsInText('{"pin": 4711}')).toBe('{"pin": ***}');
    // Settings of a secret and booleans stay readable.
    expect(maskSecretsInText('{"password_min_length": 12, "token": null, "secret": true}')).toBe(
      '{"password_min_length": 12, "token": null, "secret": true}',
    );
    expect(maskSecretsInText('{"tokenUrl": "https://id.example/token"}')).toBe(
      '{"tokenUrl": "https://id.example/token"}',
    );
  });

  it('hides a JSON value holding escaped quotes whole', () => {
    expect(maskSecretsInText('{"password": "a\\"b\\\\c", "n": 1}')).toBe('{"password": "***", "n": 1}');
  });

  it('hides the value of a YAML line whose secret key has underscores or dots', () => {
    expect(maskSecretsInText('db_password: YmPw0004')).toBe('db_password: ***');
    expect(maskSecretsInText('spring:\n  datasource.password: YmPw0005\n')).toBe(
      'spring:\n  datasource.password: ***\n',
    );
    expect(maskSecretsInText('users:\n  - admin_password: "YmPw0006"\n')).toBe(
      'users:\n  - admin_password: "***"\n',
    );
    expect(maskSecretsInText('password_min_length: 12')).toBe('password_min_length: 12');
  });

  it('hides a YAML block scalar under a secret key, every line of it', () => {
    expect(
      maskSecretsInText('tls:\n  client_key: |\n    line-one-Bk07\n    line-two-Bk07\n  port: 443\n'),
    ).toBe('tls:\n  client_key: ***\n  port: 443\n');
  });

  it('hides the content of an XML element with a secret name', () => {
    expect(maskSecretsInText('<server><id>x</id><password>XmPw0008</password></server>')).toBe(
      '<server><id>x</id><password>***</password></server>',
    );
    expect(maskSecretsInText('<ns:apiKey type="x">XmKey009</ns:apiKey>')).toBe(
      '<ns:apiKey type="x">***</ns:apiKey>',
    );
    expect(maskSecretsInText('<username>deploy</username>')).toBe('<username>deploy</username>');
  });

  it('hides the value of a .NET add element whose key names a secret', () => {
    const masked = maskSecretsInText('<add key="ApiKey" value="NetKey010"/>');
    expect(masked).not.toContain('NetKey010');
    expect(masked).toContain('key="ApiKey"');
    expect(maskSecretsInText('<add key="Theme" value="dark"/>')).toBe('<add key="Theme" value="dark"/>');
  });

  it('finds each of them as a secret in a value', () => {
    for (const value of [
      '{"password": "p1"}',
      'db_password: p2',
      '<password>p3</password>',
      '<add key="DbPassword" value="p4" />',
    ])
      expect(secretInValue(value), value).toBeDefined();
  });

  it('never prints a secret of a ConfigMap carrying JSON, XML or YAML files', async () => {
    const configMap = (n: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: app, namespace: shop}
data:
  appsettings.json: |
    {"Db": {"Password": "CmJson${n}"}}
  settings.xml: |
    <settings><servers><server><id>r</id><password>CmXml${n}</password></server></servers></settings>
  application.yml: |
    db_password: CmYaml${n}
  web.config: |
    <appSettings><add key="StripeSecret" value="CmNet${n}"/></appSettings>
`;
    const dir = makeWorkspace(
      `version: 1
pipeline: shop
artifact: { type: file }
stages:
  staging:
    purpose: rc
    config: [k8s:staging.yaml]
  prod:
    purpose: live
    from: staging
    config: [k8s:prod.yaml]
    requires:
      drift:
        budget: { other: any }
`,
      { 'staging.yaml': configMap('1'), 'prod.yaml': configMap('2') },
    );
    const text = await runCli(['drift', 'staging', 'prod'], { cwd: dir });
    const json = await runCli(['drift', 'staging', 'prod', '--json'], { cwd: dir });
    expect(text.stdout).toContain('k8s:ConfigMap/shop/app/data/appsettings.json');
    for (const out of [text.stdout, json.stdout]) expect(out).not.toMatch(/CmJson|CmXml|CmYaml|CmNet/);
  });
});

describe('file names at the start of a message line', () => {
  it('are not read as YAML keys', () => {
    expect(maskSecretsInText('ci.key: "ENCRYPTED PRIVATE KEY" is encrypted')).toBe(
      'ci.key: "ENCRYPTED PRIVATE KEY" is encrypted',
    );
    expect(maskSecretsInText('p384.key: an ECDSA key on curve secp384r1 is not supported')).toContain(
      'secp384r1',
    );
  });
});
