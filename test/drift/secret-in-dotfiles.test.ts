/**
 * Credential files carried in one value, which drift printed: an `.npmrc` (`//registry/:_authToken=…`,
 * names starting with `_`), a `.netrc` (`machine h login u password …`), a `redis.conf`
 * (`requirepass …`, `masterauth …`, one directive and its value a line) and a key named `pgpass`.
 */
import { describe, expect, it } from 'vitest';
import { isSecretKey, maskSecretsInText, secretInValue } from '../../src/text/secret-detector.js';

describe('credential files in a value', () => {
  it('hides the tokens of an .npmrc', () => {
    expect(maskSecretsInText('//registry.npmjs.org/:_authToken=NpmTok123abc\n')).toBe(
      '//registry.npmjs.org/:_authToken=***\n',
    );
    expect(maskSecretsInText('//npm.pkg.github.com/:_auth=dXNlcjpwYXNz')).toBe(
      '//npm.pkg.github.com/:_auth=***',
    );
    expect(maskSecretsInText('_password=QWxhZGRpbg\nregistry=https://r.example/')).toBe(
      '_password=***\nregistry=https://r.example/',
    );
  });

  it('hides the password of a .netrc, on one line or its own', () => {
    expect(maskSecretsInText('machine github.com login bob password NetPw01')).toBe(
      'machine github.com login bob password ***',
    );
    expect(maskSecretsInText('machine h\n  login bob\n  password NetPw02\n')).toBe(
      'machine h\n  login bob\n  password ***\n',
    );
  });

  it('hides the value of a secret directive standing alone on its line', () => {
    const conf = 'bind 0.0.0.0\nrequirepass RdPw03\nmasterauth RdPw04\nport 6379\n';
    expect(maskSecretsInText(conf)).toBe('bind 0.0.0.0\nrequirepass ***\nmasterauth ***\nport 6379\n');
    expect(maskSecretsInText('  password "Pw 05";')).toBe('  password "***";');
    // Settings of a secret, paths and prose stay readable.
    expect(maskSecretsInText('auth_basic_user_file /etc/nginx/.htpasswd')).toBe(
      'auth_basic_user_file /etc/nginx/.htpasswd',
    );
    expect(maskSecretsInText('the password was rejected by the server')).toBe(
      'the password was rejected by the server',
    );
  });

  it('takes pgpass, requirepass and masterauth for secret keys', () => {
    for (const name of ['pgpass', '.pgpass', 'requirepass', 'masterauth'])
      expect([name, isSecretKey(name)]).toEqual([name, true]);
    expect(secretInValue('requirepass RdPw06')).toBeDefined();
  });
});
