import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.js';
import {
  findSecrets,
  isSecretContainer,
  isSecretKey,
  looksRandom,
  maskSecretsInText,
  maskUrl,
  SECRET_SHAPES,
  secretKeyVerdict,
} from '../../src/text/secret-detector.js';
import { createSecretHasher } from '../../src/text/secret-hash.js';

describe('secret key names', () => {
  it('knows the names of issue 13 and the common ones of gitleaks and detect-secrets', () => {
    const issue = ['list_of_passwords', 'PASSWORDS', 'mysecret', 'db_pass', 'pass', 'pw', 'jwt', 'bearer'];
    const more = ['authorization', 'auth_header', 'hmac', 'sig', 'id_rsa', 'otp_seed'];
    const common = [
      'password',
      'DB_PASSWORD',
      'dbPassword',
      'passwd',
      'pwd',
      'secret',
      'client_secret',
      'clientSecret',
      'api_key',
      'apiKey',
      'X-Api-Key',
      'access_token',
      'refreshToken',
      'aws_secret_access_key',
      'AWSAccessKeyId',
      'private_key',
      'privateKey',
      'ssh_key',
      'credentials',
      'creds',
      'token',
      'GITHUB_TOKEN',
      'signature',
      'cookie',
      'session_id',
      'passphrase',
      'contraseña',
      'db.password',
      'spring.datasource.password',
      'SENTRY_DSN',
      'keystore',
      'connection-string',
    ];
    for (const name of [...issue, ...more, ...common])
      expect([name, isSecretKey(name)]).toEqual([name, true]);
  });

  it('leaves alone names that only contain the letters of a secret word', () => {
    const plain = [
      'passenger',
      'passengers_per_car',
      'signal',
      'signals',
      'signup_enabled',
      'design',
      'assign',
      'author',
      'authority',
      'keyboard_layout',
      'monkey',
      'tokenizer',
      'bypass',
      'compass',
      'passthrough',
      'pinned',
      'spinner',
      'replicas',
      'image',
      'digest',
    ];
    for (const name of plain) expect([name, secretKeyVerdict(name)]).toEqual([name, 'plain']);
  });

  it('tells a setting of a secret from the secret', () => {
    for (const name of [
      'password_min_length',
      'token_ttl',
      'max_tokens',
      'secret_name',
      'password_file',
      'jwt_issuer',
    ]) {
      expect([name, secretKeyVerdict(name)]).toEqual([name, 'describes-secret']);
    }
    expect(secretKeyVerdict('auth_header')).toBe('secret');
    expect(secretKeyVerdict('id_rsa')).toBe('secret');
  });

  it('knows which maps hold secrets all the way down', () => {
    expect(isSecretContainer('secrets')).toBe(true);
    expect(isSecretContainer('Secret')).toBe(true);
    expect(isSecretContainer('credentials')).toBe(true);
    expect(isSecretContainer('apiKeys')).toBe(true);
    expect(isSecretContainer('auth')).toBe(false);
    expect(isSecretContainer('secretKeyRef')).toBe(false);
  });
});

describe('secrets in text', () => {
  it('masks credentials in URLs, secret query parameters, connection strings and DSNs', () => {
    const cases: Array<[string, string]> = [
      ['postgres://app:hunter2@db:5432/app?sslmode=require', 'postgres://***@db:5432/app?sslmode=require'],
      ['redis://:hunter2@cache:6379/0', 'redis://***@cache:6379/0'],
      ['https://prom.example/api?api_key=abc123&x=1', 'https://prom.example/api?api_key=***&x=1'],
      [
        'https://blob.example/c?sv=2022&sig=Zx%2Fab12&se=2026',
        'https://blob.example/c?sv=2022&sig=***&se=2026',
      ],
      ['Server=db;User ID=sa;Password=Hunter2;', 'Server=db;User ID=sa;Password=***;'],
      ['host=db user=app password=s3cr3t dbname=app', 'host=db user=app password=*** dbname=app'],
      ['app:pw123@tcp(db:3306)/shop', '***@tcp(db:3306)/shop'],
      [
        'https://0f1e2d3c4b5a69788796a5b4c3d2e1f0@o42.ingest.sentry.io/7',
        'https://***@o42.ingest.sentry.io/7',
      ],
      ['Authorization: Bearer abc.DEF-123_456', 'Authorization: Bearer ***'],
      ['server --password hunter2 --port 80', 'server --password *** --port 80'],
      ['app -api-key "two words" -v', 'app -api-key *** -v'],
      ['run --db-token correcthorsebattery', 'run --db-token ***'],
    ];
    for (const [text, masked] of cases) expect(maskSecretsInText(text)).toBe(masked);
  });

  it('leaves prose, placeholders and references alone', () => {
    for (const text of [
      'expected postgres://USER:PASSWORD@HOST:PORT/DATABASE',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a reference resolved elsewhere, on purpose
      'postgres://app:${DB_PASSWORD}@db/app',
      'ssh://git@github.com/shop/app.git',
      'Bearer authentication failed; Basic authentication is off',
      'expected --label key=value',
      'sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
      'the token service answered 401',
      'use --token or --oidc, not both',
      'sign with --key cosign.key, verify with --key /keys/cosign.pub',
      'expected --password PASSWORD or --password-file /run/secrets/db',
    ]) {
      expect(maskSecretsInText(text)).toBe(text);
    }
  });

  it('masks a URL for printing: the whole user information and secret parameters', () => {
    expect(maskUrl('https://bob:pw@prom.example:9090/?token=t0k&step=5')).toBe(
      'https://***@prom.example:9090/?token=***&step=5',
    );
    expect(maskUrl('https://bob@prom.example/')).toBe('https://***@prom.example/');
    // Not a URL at all: still masked, never echoed as it came.
    expect(maskUrl('http://bob:hunter2@[::1')).not.toContain('hunter2');
  });

  it('every error message goes through the detector', () => {
    const error = new TollgateError(
      'CONFIG_INVALID',
      'cannot reach https://bob:hunter2@prom.example/?api_key=k3y',
    );
    expect(error.message).toBe('cannot reach https://***@prom.example/?api_key=***');
    expect(error.describe(() => undefined)).not.toMatch(/hunter2|k3y/);
  });

  it('finds token formats inside longer text and says which', () => {
    const kinds = findSecrets(
      'deploy with AKIAIOSFODNN7EXAMPLE and ghp_0123456789abcdefghijABCDEFGHIJ012345',
    ).map((finding) => finding.kind);
    expect(kinds).toEqual(['AWS access key id', 'GitHub token']);
  });

  it('finds every known token format, alone, inside prose and beside another', () => {
    // `n` characters cycled from `chars`: key material of the length and alphabet a shape asks for.
    const of = (chars: string, n: number) => chars.repeat(Math.ceil(n / chars.length)).slice(0, n);
    const alnum = 'aB3dE5gH7k';
    const hex = '0a1b2c3d4e5f6789';
    const samples: Record<string, string> = {
      'PEM private key': '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
      'JSON Web Token': 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
      'AWS access key id': `AKIA${of('ABCDEFGH23456789', 16)}`,
      'GitHub token': `ghp_${of(alnum, 36)}`,
      'GitLab token': `glpat-${of(alnum, 20)}`,
      'Slack token': 'xoxb-1234567890-abcdef',
      'Slack webhook': `https://hooks.slack.com/services/T0001/B0001/${of(alnum, 24)}`,
      'Discord webhook': `https://discord.com/api/webhooks/123456/${of(alnum, 24)}`,
      'Stripe key': `sk_live_${of(alnum, 24)}`,
      'Google API key': `AIza${of(alnum, 35)}`,
      'Google OAuth client secret': `GOCSPX-${of(alnum, 28)}`,
      'npm token': `npm_${of(alnum, 36)}`,
      'PyPI token': `pypi-AgEIcHlwaS5vcmc${of(alnum, 60)}`,
      'SendGrid key': `SG.${of(alnum, 22)}.${of(alnum, 43)}`,
      'Twilio key': `SK${of(hex, 32)}`,
      'OpenAI or Anthropic key': `sk-proj-${of(alnum, 48)}`,
      'DigitalOcean token': `dop_v1_${of(hex, 64)}`,
      'Shopify token': `shpat_${of(hex, 32)}`,
      'Mailgun key': `key-${of(alnum, 32)}`,
      'Vault token': `hvs.${of(alnum, 90)}`,
      'Doppler token': `dp.pt.${of(alnum, 43)}`,
      'Square token': `EAAA${of(alnum, 60)}`,
      'Telegram bot token': `123456789:AA${of(alnum, 33)}`,
      'Databricks token': `dapi${of(hex, 32)}`,
      'Hugging Face token': `hf_${of('abcdEFGH', 34)}`,
      'age secret key': `AGE-SECRET-KEY-1${of('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58)}`,
      'Azure storage key': `AccountKey=${of(`${alnum}+/`, 86)}==`,
      'Atlassian token': `ATATT3${of(alnum, 120)}`,
      'Heroku key': `HRKU-${of(alnum, 60)}`,
      'Grafana token': `glsa_${of(alnum, 32)}_${of(hex, 8)}`,
      'Tollgate API token': `tg_${of(hex, 16)}_${of(alnum, 43)}`,
      'Linear key': `lin_api_${of(alnum, 40)}`,
      'Postman key': `PMAK-${of(hex, 24)}-${of(hex, 34)}`,
      'Pulumi token': `pul-${of(hex, 40)}`,
      'New Relic key': `NRAK-${of('ABC123', 27)}`,
      'Authorization header': 'Authorization: Bearer abc123def456ghi',
    };
    // A new shape needs a sample here: findSecrets looks for all of them at once first.
    expect(Object.keys(samples).sort()).toEqual(SECRET_SHAPES.map((shape) => shape.name).sort());
    for (const [kind, sample] of Object.entries(samples)) {
      for (const text of [sample, `set it to ${sample} and restart`, `${sample} AKIA${of('Z9', 16)}`]) {
        expect(
          findSecrets(text).map((finding) => finding.kind),
          `${kind} in ${JSON.stringify(text)}`,
        ).toContain(kind);
      }
    }
  });

  it('tells random key material from words, digests of known length aside', () => {
    expect(looksRandom('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe(true);
    expect(looksRandom('8f14e45fceea167a5a36dedd4bea2543')).toBe(true);
    expect(looksRandom('hello-world-config')).toBe(false);
    expect(looksRandom('release-2026-12-05')).toBe(false);
    expect(looksRandom('short1A')).toBe(false);
  });
});

describe('secret marks', () => {
  it('are equal for equal values and different for different ones within a run, and keyed', () => {
    const hash = createSecretHasher();
    expect(hash('hunter2')).toBe(hash('hunter2'));
    expect(hash('hunter2')).not.toBe(hash('hunter3'));
    expect(hash('hunter2')).toMatch(/^hmac:[0-9a-f]{12}$/);
    // Another run (another random key) gives another mark: no lookup table across runs.
    expect(createSecretHasher()('hunter2')).not.toBe(hash('hunter2'));
    // With a stable key, marks are comparable across runs.
    const key = 'a-key-from-the-ci-secret-store';
    expect(createSecretHasher(key)('hunter2')).toBe(createSecretHasher(key)('hunter2'));
    expect(() => createSecretHasher('short')).toThrow(/at least 16 characters/);
  });
});
