/**
 * The secret corpus (issue 13, "Secrets never leave"): a table of secret shapes × key styles,
 * written into real config files of two stages, then every output that can show a drift value is
 * searched for every secret: `drift` as text, `--json`, `--markdown` and `--explain`, `check` as
 * text, `--json` and `--markdown`, `promote`, `explain DIGEST`, and the SQLite ledger file itself
 * (every row of every table, and the raw bytes). Non-secret values must still show, and a changed
 * secret must still read as changed.
 *
 * Shapes follow the provider rules of gitleaks (config/gitleaks.toml) and detect-secrets' plugins;
 * every token is generated from a seeded generator, so each case holds secrets of its own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readStageConfig } from '../../src/drift/read-config.js';
import { renderDriftExplain } from '../../src/drift/render.js';
import { buildDriftReport, type DriftReport } from '../../src/drift/report.js';
import { openSqlite } from '../../src/ledger/sqlite-driver.js';
import { driftYaml } from '../support/builders.js';
import { type CliResult, fakeDigest, makeWorkspace, runCli } from '../support/cli.js';

/** mulberry32: the same corpus on every run. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const from = (alphabet: string, length: number) => {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
    // Random key material has letters and digits; make sure of both.
    return `${out.slice(0, -2)}7${out.endsWith('Q') ? 'R' : 'Q'}`.slice(0, length);
  };
  const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const LOWER = 'abcdefghijklmnopqrstuvwxyz';
  const DIGITS = '0123456789';
  return {
    alnum: (n: number) => from(UPPER + LOWER + DIGITS, n),
    upperDigits: (n: number) => from(UPPER + DIGITS, n),
    hex: (n: number) =>
      from('0123456789abcdef', n)
        .toLowerCase()
        .replace(/[^0-9a-f]/g, '7'),
    b64url: (n: number) => from(`${UPPER}${LOWER}${DIGITS}_-`, n),
    b64: (n: number) => from(`${UPPER}${LOWER}${DIGITS}+/`, n),
    lower: (n: number) =>
      from(LOWER, n)
        .toLowerCase()
        .replace(/[^a-z]/g, 'k'),
    digits: (n: number) => from(DIGITS, n).replace(/[^0-9]/g, '4'),
  };
}
type Gen = ReturnType<typeof generator>;

/** A secret value: the text written to the config file and the part that must never be printed. */
interface Shaped {
  value: string;
  secret: string;
}
const bare = (value: string): Shaped => ({ value, secret: value });

/** Value shapes that are secrets whatever key they stand under. */
const SHAPES: Record<string, (g: Gen) => Shaped> = {
  'AWS access key id': (g) => bare(`AKIA${g.upperDigits(16)}`),
  'AWS temporary key id': (g) => bare(`ASIA${g.upperDigits(16)}`),
  'GitHub personal token': (g) => bare(`ghp_${g.alnum(36)}`),
  'GitHub OAuth token': (g) => bare(`gho_${g.alnum(36)}`),
  'GitHub app token': (g) => bare(`ghs_${g.alnum(36)}`),
  'GitHub fine-grained token': (g) => bare(`github_pat_${g.alnum(22)}_${g.alnum(59)}`),
  'GitLab token': (g) => bare(`glpat-${g.b64url(20)}`),
  'Slack bot token': (g) => bare(`xoxb-${g.digits(12)}-${g.digits(13)}-${g.alnum(24)}`),
  'Slack user token': (g) => bare(`xoxp-${g.digits(12)}-${g.digits(12)}-${g.alnum(32)}`),
  'Slack webhook': (g) => {
    const path = `T${g.upperDigits(8)}/B${g.upperDigits(10)}/${g.alnum(24)}`;
    return { value: `https://hooks.slack.com/services/${path}`, secret: path };
  },
  'Stripe live key': (g) => bare(`sk_live_${g.alnum(24)}`),
  'Stripe restricted key': (g) => bare(`rk_live_${g.alnum(24)}`),
  'Google API key': (g) => bare(`AIza${g.b64url(35)}`),
  'npm token': (g) => bare(`npm_${g.alnum(36)}`),
  'PyPI token': (g) => bare(`pypi-AgEIcHlwaS5vcmc${g.b64url(60)}`),
  'SendGrid key': (g) => bare(`SG.${g.b64url(22)}.${g.b64url(43)}`),
  'OpenAI project key': (g) => bare(`sk-proj-${g.b64url(48)}`),
  'Anthropic key': (g) => bare(`sk-ant-api03-${g.b64url(80)}`),
  'DigitalOcean token': (g) => bare(`dop_v1_${g.hex(64)}`),
  'Shopify token': (g) => bare(`shpat_${g.hex(32)}`),
  'Vault token': (g) => bare(`hvs.${g.b64url(90)}`),
  'Telegram bot token': (g) => bare(`${g.digits(9)}:AA${g.b64url(33)}`),
  'Databricks token': (g) => bare(`dapi${g.hex(32)}`),
  'Hugging Face token': (g) => bare(`hf_${g.lower(34)}`),
  'Mailgun key': (g) => bare(`key-${g.alnum(32)}`),
  'Tollgate API token': (g) => bare(`tg_${g.hex(16)}_${g.b64url(43)}`),
  'JSON Web Token': (g) => bare(`eyJhbGciOiJIUzI1NiJ9.eyJ${g.b64url(40)}.${g.b64url(43)}`),
  'PEM private key': (g) =>
    bare(
      `-----BEGIN PRIVATE KEY-----\nMII${g.b64(61)}\n${g.b64(64)}\n${g.b64(20)}==\n-----END PRIVATE KEY-----`,
    ),
  'OpenSSH private key': (g) =>
    bare(`-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl${g.b64(60)}\n-----END OPENSSH PRIVATE KEY-----`),
  'PostgreSQL URL with password': (g) => {
    const password = `pg${g.alnum(10)}`;
    return { value: `postgres://app:${password}@db.internal:5432/shop?sslmode=require`, secret: password };
  },
  'MongoDB SRV URL with password': (g) => {
    const password = `mg${g.alnum(12)}`;
    return { value: `mongodb+srv://svc:${password}@cluster0.example.net/shop`, secret: password };
  },
  'Redis URL with password only': (g) => {
    const password = `rd${g.alnum(12)}`;
    return { value: `redis://:${password}@cache:6379/0`, secret: password };
  },
  'AMQP URL with password': (g) => {
    const password = `mq${g.lower(6)}`;
    return { value: `amqps://shop:${password}@mq.example.com/vhost`, secret: password };
  },
  'HTTPS URL with password': (g) => {
    const password = `hp${g.lower(6)}`;
    return { value: `https://deploy:${password}@artifacts.example.com/repo`, secret: password };
  },
  'URL with a token as user': (g) => {
    const token = `ghp_${g.alnum(36)}`;
    return { value: `https://${token}@github.com/shop/app.git`, secret: token };
  },
  'Sentry DSN': (g) => {
    const key = g.hex(32);
    return { value: `https://${key}@o${g.digits(6)}.ingest.sentry.io/${g.digits(7)}`, secret: key };
  },
  'api_key query parameter': (g) => {
    const key = `q${g.lower(9)}`;
    return { value: `https://api.example.com/v1/rates?api_key=${key}&currency=EUR`, secret: key };
  },
  'token query parameter': (g) => {
    const token = `t${g.lower(9)}`;
    return { value: `https://status.example.com/badge?token=${token}`, secret: token };
  },
  'access_token query parameter': (g) => {
    const token = `a${g.lower(9)}`;
    return { value: `wss://push.example.com/socket?access_token=${token}&v=2`, secret: token };
  },
  'Azure SAS signature': (g) => {
    const sig = `${g.b64url(30)}`;
    return {
      value: `https://shop.blob.core.windows.net/c/f.txt?sv=2022-11-02&se=2027-01-01&sp=r&sig=${sig}`,
      secret: sig,
    };
  },
  'AWS presigned URL signature': (g) => {
    const sig = g.hex(64);
    return {
      value: `https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${sig}`,
      secret: sig,
    };
  },
  'password query parameter': (g) => {
    const password = `p${g.lower(7)}`;
    return { value: `jdbc:mysql://db:3306/shop?user=app&password=${password}`, secret: password };
  },
  'SQL Server connection string': (g) => {
    const password = `Ss${g.lower(8)}`;
    return {
      value: `Server=tcp:db,1433;Database=shop;User ID=app;Password=${password};Encrypt=true`,
      secret: password,
    };
  },
  'Azure Storage connection string': (g) => {
    const key = `${g.b64(86)}==`;
    return {
      value: `DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=${key};EndpointSuffix=core.windows.net`,
      secret: key,
    };
  },
  'Service Bus connection string': (g) => {
    const key = `${g.b64(43)}=`;
    return {
      value: `Endpoint=sb://shop.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=${key}`,
      secret: key,
    };
  },
  'libpq key=value DSN': (g) => {
    const password = `lq${g.lower(8)}`;
    return {
      value: `host=db port=5432 dbname=shop user=app password=${password} sslmode=verify-full`,
      secret: password,
    };
  },
  'Go MySQL DSN': (g) => {
    const password = `gm${g.lower(8)}`;
    return { value: `app:${password}@tcp(db:3306)/shop?parseTime=true`, secret: password };
  },
  'Bearer header': (g) => {
    const token = `${g.b64url(40)}`;
    return { value: `Bearer ${token}`, secret: token };
  },
};

/** Key names that hold secrets: issue 13's, then common ones from gitleaks and detect-secrets. */
const SECRET_KEYS = [
  'list_of_passwords',
  'PASSWORDS',
  'mysecret',
  'db_pass',
  'pass',
  'pw',
  'jwt',
  'bearer',
  'authorization',
  'auth_header',
  'hmac',
  'sig',
  'id_rsa',
  'otp_seed',
  'password',
  'passwd',
  'pwd',
  'secret',
  'client_secret',
  'oauthClientSecret',
  'api_key',
  'stripeApiKey',
  'access_token',
  'refreshToken',
  'aws_secret_access_key',
  'private_key',
  'ssh_key',
  'credentials',
  'creds',
  'token',
  'github_token',
  'signature',
  'cookie',
  'session_id',
  'passphrase',
  'encryption_key',
  'signing_key',
  'master_key',
  'smtp_password',
  'dsn',
  'keystore_pass',
  'license_key',
];

/** `clientSecret` → `CLIENT_SECRET`. */
function screaming(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
}

/** A word-like password: nothing about the value says "secret", only its key does. */
function plainPassword(g: Gen, n: number): string {
  return `${g.lower(5)}${n}${g.lower(4)}`;
}

interface Case {
  name: string;
  path: string;
  secrets: string[];
}

interface Stage {
  yaml: string[];
  nested: string[];
  env: string[];
  properties: string[];
  json: Record<string, unknown>;
  k8sEnv: Array<{ name: string; value: string }>;
}

function buildCorpus(): { cases: Case[]; staging: Stage; prod: Stage } {
  const g = generator(13);
  const cases: Case[] = [];
  const staging: Stage = { yaml: [], nested: [], env: [], properties: [], json: {}, k8sEnv: [] };
  const prod: Stage = { yaml: [], nested: [], env: [], properties: [], json: {}, k8sEnv: [] };
  let n = 0;
  for (const key of SECRET_KEYS) {
    const styles: Array<[string, string, (stage: Stage, value: string) => void]> = [
      ['yaml', `/${key}`, (stage, value) => stage.yaml.push(`${key}: ${JSON.stringify(value)}`)],
      [
        'nested yaml',
        `/app/${key}`,
        (stage, value) => stage.nested.push(`  ${key}: ${JSON.stringify(value)}`),
      ],
      ['.env', `/APP_${screaming(key)}`, (stage, value) => stage.env.push(`APP_${screaming(key)}=${value}`)],
      ['.properties', `/shop.${key}`, (stage, value) => stage.properties.push(`shop.${key}=${value}`)],
      [
        'Kubernetes env',
        `k8s:Deployment/shop/web/spec/template/spec/containers/name=web/env/name=${screaming(key)}/value`,
        (stage, value) => stage.k8sEnv.push({ name: screaming(key), value }),
      ],
    ];
    for (const [style, path, write] of styles) {
      const before = plainPassword(g, n++);
      const after = plainPassword(g, n++);
      write(staging, before);
      write(prod, after);
      cases.push({ name: `${key} (${style})`, path, secrets: [before, after] });
    }
  }
  for (const [shape, make] of Object.entries(SHAPES)) {
    const index = cases.length;
    // Under a harmless key, alone.
    const a = make(g);
    const b = make(g);
    staging.nested.push(`  note${index}: ${JSON.stringify(a.value)}`);
    prod.nested.push(`  note${index}: ${JSON.stringify(b.value)}`);
    cases.push({ name: `${shape} (alone)`, path: `/app/note${index}`, secrets: [a.secret, b.secret] });
    // Inside a longer text, in a JSON file.
    const c = make(g);
    const d = make(g);
    staging.json[`setting${index}`] = `primary: ${c.value} (eu-west)`;
    prod.json[`setting${index}`] = `primary: ${d.value} (eu-west)`;
    cases.push({ name: `${shape} (in text)`, path: `/setting${index}`, secrets: [c.secret, d.secret] });
  }
  // Random key material under names that are only suspicious.
  for (const key of ['auth/client_ref', 'webhook/id', 'signing/nonce', 'auth/state', 'session/seed']) {
    const [parent, leaf] = key.split('/') as [string, string];
    const a = g.b64url(40);
    const b = g.b64url(40);
    staging.json[parent] = { ...(staging.json[parent] as object | undefined), [leaf]: a };
    prod.json[parent] = { ...(prod.json[parent] as object | undefined), [leaf]: b };
    cases.push({ name: `random value under ${key}`, path: `/${key}`, secrets: [a, b] });
  }
  return { cases, staging, prod };
}

/** Harmless values that must still show, with the text that shows their change. */
const VISIBLE: Array<{ key: string; before: string; after: string; shown: string }> = [
  { key: 'passenger_count', before: '3', after: '4', shown: '"3" → "4"' },
  { key: 'signal_timeout', before: '5s', after: '7s', shown: '"5s" → "7s"' },
  { key: 'max_tokens', before: '1024', after: '2048', shown: '"1024" → "2048"' },
  { key: 'password_min_length', before: '12', after: '16', shown: '"12" → "16"' },
  { key: 'author', before: 'dana', after: 'eli', shown: '"dana" → "eli"' },
  { key: 'keyboard_layout', before: 'us', after: 'de', shown: '"us" → "de"' },
  { key: 'tokenizer', before: 'bpe', after: 'wordpiece', shown: '"bpe" → "wordpiece"' },
  { key: 'log_level', before: 'info', after: 'debug', shown: '"info" → "debug"' },
  {
    key: 'image_digest',
    before: 'sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
    after: 'sha256:fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9',
    shown: '"sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98…',
  },
  {
    key: 'api_url',
    before: 'https://api.staging.example.com/v1',
    after: 'https://api.example.com/v1',
    shown: '"https://api.staging.example.com/v1" → "https://api.example.com/v1"',
  },
];

function files(stage: Stage, name: string): Record<string, string> {
  const k8s = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { template: { spec: { containers: [{ name: 'web', image: 'shop/web', env: stage.k8sEnv }] } } },
  };
  const visible = VISIBLE.map(
    (entry) => `${entry.key}: ${JSON.stringify(name === 'staging' ? entry.before : entry.after)}`,
  );
  return {
    [`values/${name}.yaml`]: [...stage.yaml, ...visible, 'app:', ...stage.nested, ''].join('\n'),
    [`settings/${name}.json`]: JSON.stringify(stage.json, null, 2),
    [`.env.${name}`]: `${stage.env.join('\n')}\n`,
    [`props/${name}.properties`]: `${stage.properties.join('\n')}\n`,
    [`k8s/${name}.yaml`]: JSON.stringify(k8s),
    // The same secret in both stages: no difference, nothing to show.
    [`same/${name}.yaml`]: 'unchanged_password: "same-in-both-stages-1"\n',
  };
}

const CONTRACT = driftYaml(
  '        budget: { flags: any, endpoints: any, data: any, security: any, other: any }',
  {
    config: [
      'values/STAGE.yaml',
      'settings/STAGE.json',
      '.env.STAGE',
      'props/STAGE.properties',
      'k8s:k8s/STAGE.yaml',
      'same/STAGE.yaml',
    ],
  },
);

const corpus = buildCorpus();
const ALL_SECRETS = corpus.cases.flatMap((entry) => entry.secrets);

/** The secrets found in `text`, with the case each belongs to. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const entry of corpus.cases) {
    for (const secret of entry.secrets) if (text.includes(secret)) found.push(`${entry.name}: ${secret}`);
  }
  if (text.includes('same-in-both-stages-1')) found.push('unchanged_password');
  return found;
}

describe('the secret corpus', () => {
  it('holds at least 200 secret shapes, each with its own secrets', () => {
    expect(corpus.cases.length).toBeGreaterThanOrEqual(200);
    expect(new Set(ALL_SECRETS).size).toBe(ALL_SECRETS.length);
    // No secret is a substring of a harmless value the outputs must show.
    for (const entry of VISIBLE) expect(leaks(`${entry.before} ${entry.after}`)).toEqual([]);
  });

  describe('through every output and the stored ledger entry', () => {
    let dir: string;
    const digest = fakeDigest('secret-corpus');
    const outputs: Record<string, CliResult> = {};
    let report: DriftReport;

    beforeAll(async () => {
      dir = makeWorkspace(CONTRACT, { ...files(corpus.staging, 'staging'), ...files(corpus.prod, 'prod') });
      const run = (args: string[]) => runCli(args, { cwd: dir });
      outputs.driftText = await run(['drift', 'staging', 'prod']);
      outputs.driftJson = await run(['drift', 'staging', 'prod', '--json']);
      outputs.driftMarkdown = await run(['drift', 'staging', 'prod', '--markdown']);
      // One --explain run per kind of path; every path is explained in-process below.
      for (const path of [
        '/db_pass',
        '/APP_PASSWORDS',
        `/app/note${SECRET_KEYS.length * 5}`,
        '/auth/client_ref',
      ]) {
        outputs[`explain ${path}`] = await run(['drift', 'staging', 'prod', '--explain', path]);
      }
      expect((await run(['register', '--digest', digest])).code).toBe(0);
      expect((await run(['promote', 'staging', '--artifact', digest])).code).toBe(0);
      outputs.checkText = await run(['check', 'prod', '--artifact', digest]);
      outputs.checkJson = await run(['check', 'prod', '--artifact', digest, '--json']);
      outputs.checkMarkdown = await run(['check', 'prod', '--artifact', digest, '--markdown']);
      outputs.promote = await run(['promote', 'prod', '--artifact', digest, '--json']);
      outputs.explain = await run(['explain', digest]);
      outputs.explainJson = await run(['explain', digest, '--json']);
      outputs.history = await run(['history', 'prod']);
      if (outputs.driftJson!.code > 1) throw new Error(outputs.driftJson!.stderr);
      report = JSON.parse(outputs.driftJson!.stdout) as DriftReport;
    }, 240_000);

    it('every command succeeded (so there was output to search)', () => {
      for (const [name, result] of Object.entries(outputs)) {
        expect([name, result.stderr]).not.toContainEqual(expect.stringContaining('tollgate:'));
        expect([name, result.stdout.length > 0]).toEqual([name, true]);
      }
      expect(outputs.checkJson!.code).toBe(0);
      expect(outputs.promote!.code).toBe(0);
    });

    it('reports every case as a difference, hashed, and prints none of the secrets anywhere', () => {
      const byPath = new Map(report.differences.map((difference) => [difference.path, difference]));
      for (const entry of corpus.cases) {
        const difference = byPath.get(entry.path);
        expect([entry.name, difference?.kind, difference?.secret]).toEqual([entry.name, 'changed', true]);
        expect(difference).not.toHaveProperty('before');
        expect(difference).not.toHaveProperty('after');
        // Changed reads as changed: two different marks.
        expect(difference!.beforeHash).toMatch(/^hmac:[0-9a-f]{12}$/);
        expect(difference!.beforeHash).not.toBe(difference!.afterHash);
      }
      for (const [name, result] of Object.entries(outputs)) {
        expect([name, leaks(result.stdout + result.stderr)]).toEqual([name, []]);
      }
    });

    it('shows the changed secret as changed in text, and the unchanged secret not at all', () => {
      expect(outputs.driftText!.stdout).toMatch(
        /changed \/db_pass {2}secret hmac:([0-9a-f]{12}) → hmac:(?!\1)[0-9a-f]{12}$/m,
      );
      expect(outputs.driftText!.stdout).not.toContain('unchanged_password');
      expect(outputs['explain /db_pass']!.stdout).toMatch(/changed: secret hmac:\w+ → hmac:\w+$/m);
      // The decision's drift gate says the kind once (it read "changed changed (secret; …)").
      for (const name of ['checkText', 'checkJson', 'checkMarkdown']) {
        const text = outputs[name]!.stdout;
        expect([name, /\b(added|removed|changed) \1\b/.exec(text)?.[0]]).toEqual([name, undefined]);
      }
      expect(outputs.checkText!.stdout).toMatch(
        /\/db_pass \(changed secret hmac:[0-9a-f]{12} → hmac:[0-9a-f]{12}\)/,
      );
      expect(outputs.checkJson!.stdout).toMatch(
        /\/db_pass \(changed secret hmac:[0-9a-f]{12} → hmac:[0-9a-f]{12}\)/,
      );
    });

    it('still shows harmless values, names that merely resemble secret words included', () => {
      for (const entry of VISIBLE) {
        const difference = report.differences.find((d) => d.path === `/${entry.key}`);
        expect([entry.key, difference?.secret, difference?.after]).toEqual([
          entry.key,
          undefined,
          entry.after,
        ]);
        expect(outputs.driftText!.stdout).toContain(entry.shown);
      }
    });

    it('explains every path without a secret', async () => {
      const options = { root: dir };
      const staging = await readStageConfig(
        [
          'values/staging.yaml',
          'settings/staging.json',
          '.env.staging',
          'props/staging.properties',
          'k8s:k8s/staging.yaml',
        ],
        options,
      );
      const prod = await readStageConfig(
        ['values/prod.yaml', 'settings/prod.json', '.env.prod', 'props/prod.properties', 'k8s:k8s/prod.yaml'],
        options,
      );
      const inProcess = buildDriftReport({
        upstream: { stage: 'staging', config: staging },
        downstream: { stage: 'prod', config: prod },
        now: new Date('2026-12-05T00:00:00Z'),
      });
      const explained = corpus.cases.map((entry) => renderDriftExplain(inProcess, entry.path)).join('\n');
      expect(explained.match(/changed: secret hmac:/g)?.length).toBe(corpus.cases.length);
      expect(leaks(explained)).toEqual([]);
    });

    it('stores no secret in the ledger: not in any row of any table, not in the file', () => {
      const file = join(dir, '.tollgate', 'ledger.db');
      const db = openSqlite(file, { readonly: true });
      const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as Array<{
        name: string;
      }>;
      let promotionBodies = 0;
      for (const { name } of tables) {
        for (const row of db.prepare(`select * from "${name}"`).all() as Array<Record<string, unknown>>) {
          const text = Object.values(row)
            .map((value) =>
              value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : String(value),
            )
            .join('\n');
          expect([name, leaks(text)]).toEqual([name, []]);
          if (text.includes('"snapshots"') && text.includes('hmac:')) promotionBodies++;
        }
      }
      db.close();
      // The promotion into prod stored its drift report, hashes and all.
      expect(promotionBodies).toBeGreaterThanOrEqual(1);
      for (const path of [file, `${file}-wal`]) {
        if (existsSync(path)) expect(leaks(readFileSync(path).toString('latin1'))).toEqual([]);
      }
    });
  });
});
