/**
 * Values that carry a credential by their shape, under keys that name nothing secret
 * (`connection`, `note`, `line`): a `.pgpass` line (`host:port:db:user:password`) and an Oracle
 * logon (`jdbc:oracle:thin:scott/tiger@db`, `sqlplus scott/tiger@orcl`) were printed;
 * URLs with a password, PEM private keys, AWS key ids, JWTs, GitHub and Slack tokens and bearer
 * credentials already were hidden, and stay so. Look-alikes of the pgpass shape that hold no
 * password (`host:port`, a MAC address, a time) stay shown.
 */
import { describe, expect, it } from 'vitest';
import { maskSecretsInText, secretInValue } from '../../src/text/secret-detector.js';
import { driftYaml } from '../support/builders.js';
import { makeWorkspace, runCli } from '../support/cli.js';

/** Each plain key, its value in staging and in prod, and the secret part of each that must never show. */
const SHAPES: ReadonlyArray<readonly [string, string, string, string, string]> = [
  ['line', 'db.staging:5432:shop:app:Pgp4ssSt', 'db.prod:5432:shop:app:Pgp4ssPr', 'Pgp4ssSt', 'Pgp4ssPr'],
  ['fallback', '*:*:*:postgres:W1ldSt', '*:*:*:postgres:W1ldPr', 'W1ldSt', 'W1ldPr'],
  [
    'file_text',
    '# staging\n10.0.0.5:5432:app:app:L1nesSt\nlocalhost:*:*:admin:Esc\\:L1nesSt2\n',
    '# prod\n10.0.1.5:5432:app:app:L1nesPr\nlocalhost:*:*:admin:Esc\\:L1nesPr2\n',
    'L1nesSt',
    'L1nesPr',
  ],
  [
    'jdbc',
    'jdbc:oracle:thin:app/Or4StJ@db:1521:ORCL',
    'jdbc:oracle:thin:app/Or4PrJ@db:1521:ORCL',
    'Or4StJ',
    'Or4PrJ',
  ],
  [
    'command',
    'sqlplus -S app/Or4StC@orcl @run.sql',
    'sqlplus -S app/Or4PrC@orcl @run.sql',
    'Or4StC',
    'Or4PrC',
  ],
  ['upstream', 'postgres://app:Ur1St@db/app', 'postgres://app:Ur1Pr@db/app', 'Ur1St', 'Ur1Pr'],
  ['ident', 'AKIAIOSFODNN7STAGING', 'AKIAIOSFODNN7PRODUCT', 'AKIAIOSFODNN7STAGING', 'AKIAIOSFODNN7PRODUCT'],
  ['mirror', `ghp_${'S'.repeat(36)}`, `ghp_${'P'.repeat(36)}`, 'S'.repeat(36), 'P'.repeat(36)],
  ['notify', 'xoxb-1234567890-Sl4ckSt', 'xoxb-1234567890-Sl4ckPr', 'Sl4ckSt', 'Sl4ckPr'],
  ['header_value', 'Bearer Be4rerSt123', 'Bearer Be4rerPr123', 'Be4rerSt123', 'Be4rerPr123'],
];

describe('credential shapes under plain keys', () => {
  it('find the password of a pgpass line, and only the password', () => {
    expect(secretInValue('db.example.com:5432:shop:app:hunter2')).toBe('.pgpass password');
    expect(maskSecretsInText('db.example.com:5432:shop:app:hunter2')).toBe(
      'db.example.com:5432:shop:app:***',
    );
    expect(maskSecretsInText('localhost:*:*:app:pw\\:with\\:colons')).toBe('localhost:*:*:app:***');
    expect(maskSecretsInText('*:*:*:postgres:S3cret!\n# a comment: kept\n')).toBe(
      '*:*:*:postgres:***\n# a comment: kept\n',
    );
  });

  it('find the password of an Oracle logon, in a JDBC URL and on a command line', () => {
    for (const [text, masked] of [
      [
        'jdbc:oracle:thin:scott/tiger@db.example:1521:ORCL',
        'jdbc:oracle:thin:scott/***@db.example:1521:ORCL',
      ],
      ['jdbc:oracle:thin:scott/"ti ger"@//db:1521/ORCL', 'jdbc:oracle:thin:scott/***@//db:1521/ORCL'],
      ['sqlplus scott/tiger@orcl', 'sqlplus scott/***@orcl'],
      ['expdp system/Manager1 directory=d dumpfile=x.dmp', 'expdp system/*** directory=d dumpfile=x.dmp'],
      ['rman target sys/pw@prod', 'rman target sys/***@prod'],
      // No password written: the wallet, OS authentication, a script, a parameter, a variable.
      ['jdbc:oracle:thin:@db.example:1521:ORCL', 'jdbc:oracle:thin:@db.example:1521:ORCL'],
      ['sqlplus / as sysdba', 'sqlplus / as sysdba'],
      ['sqlplus -S @/opt/run.sql', 'sqlplus -S @/opt/run.sql'],
      ['imp file=/tmp/x.dmp full=y', 'imp file=/tmp/x.dmp full=y'],
      ['sqlplus scott/$ORACLE_PW@orcl', 'sqlplus scott/$ORACLE_PW@orcl'],
      ['import foo/bar', 'import foo/bar'],
    ])
      expect(maskSecretsInText(text!)).toBe(masked);
  });

  it('leave values that only look like a pgpass line shown', () => {
    for (const value of [
      'db.example.com:5432',
      'db:5432:shop',
      '00:11:22:33:44:55',
      '12:30:00',
      '2001:0:0:0:1',
      'fe80::1:2:3:4',
      'urn:isbn:0451:450:523',
      'https://example.com:443/a:b:c:d',
      `db:5432:shop:app:\${PGPASSWORD}`,
    ])
      expect([value, secretInValue(value)]).toEqual([value, undefined]);
  });

  it('never print them in a drift report, and still count them', async () => {
    const config = (index: 1 | 2) =>
      `${SHAPES.map((shape) => `${shape[0]}: ${JSON.stringify(shape[index])}\n`).join('')}endpoint: "db-${index}.internal:5432"\n`;
    const dir = makeWorkspace(driftYaml('        budget: { security: 0 }', { config: ['STAGE.yaml'] }), {
      'staging.yaml': config(1),
      'prod.yaml': config(2),
    });
    const text = await runCli(['drift', 'staging', 'prod'], { cwd: dir });
    const json = await runCli(['drift', 'staging', 'prod', '--json'], { cwd: dir });
    const report = JSON.parse(json.stdout) as { differences: Array<{ path: string; secret?: boolean }> };
    for (const [key, , , before, after] of SHAPES) {
      const difference = report.differences.find((entry) => entry.path === `/${key}`);
      expect([key, difference?.secret]).toEqual([key, true]);
      for (const out of [text.stdout, json.stdout])
        expect([key, out.includes(before), out.includes(after)]).toEqual([key, false, false]);
    }
    // A plain host:port differs in the open.
    expect(text.stdout).toContain('"db-1.internal:5432" → "db-2.internal:5432"');
  });
});
