/**
 * Secret key names written with letters of other scripts: a Latin word spelt with Cyrillic or Greek
 * look-alikes (`раssword` with Cyrillic р and а, `sеcrеt` with Cyrillic е, `tοken` with a Greek
 * omicron) and secret words of other languages (`пароль`, `токен`, `密码`, `パスワード`). Drift
 * printed their values: the key words were split on every letter outside a-z, so nothing was left
 * to read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSecretKey, keyWords, maskSecretsInText } from '../../src/text/secret-detector.js';
import { driftYaml } from '../support/builders.js';
import { makeWorkspace, runCli } from '../support/cli.js';

/** Each key and a word of its value, distinct per key so that a leak names the key that leaked. */
const KEYS: ReadonlyArray<readonly [string, string]> = [
  ['раssword', 'Cyr1llicPa'],
  ['DB_РАSSWORD', 'Cyr1llicUp'],
  ['sеcrеt', 'Cyr1llicSe'],
  ['tοken', 'Gr33kOmicron'],
  ['ΤΟΚΕΝ_SIGNING', 'Gr33kUpper'],
  ['пароль', 'Rus5ianPw'],
  ['ПАРОЛЬ_БД', 'Rus5ianUp'],
  ['пaроль_mixed', 'Rus5ianMix'],
  ['токен', 'Rus5ianTok'],
  ['секрет', 'Rus5ianSec'],
  ['contraseña', 'Span1shPw'],
  ['mot de passe', 'Fr3nchSp'],
  ['motdepasse', 'Fr3nchJoin'],
  ['passwort', 'G3rmanPw'],
  ['senha', 'P0rtuguesePw'],
  ['密码', 'Ch1nesePw'],
  ['数据库密码', 'Ch1neseDb'],
  ['パスワード', 'Jap4nesePw'],
  ['비밀번호', 'K0reanPw'],
  ['pass\u200bword', 'Z3roWidth'],
  // Mathematical alphanumerics (U+1D400…, outside the BMP): NFKD reads them as Latin.
  ['DB_\u{1D40F}ASSWORD', 'M4thBold'],
];

/** Plain keys whose values are config text naming a secret in another script, and a word of it. */
const TEXTS: ReadonlyArray<readonly [string, string, string, string]> = [
  ['app_env', 'DB_РАSSWORD=', 'T3xtEnv', '\nHOST=db'],
  ['application_yml', 'spring:\n  пароль: ', 'T3xtYaml', '\n  host: db'],
  ['settings_json', '{"db": {"密码": "', 'T3xtJson', '"}}'],
  ['math_env', 'DB_\u{1D40F}ASSWORD=', 'M4thEnv', '\nHOST=db'],
  ['math_yml', 'spring:\n  db_\u{1D429}assword: ', 'M4thYaml', '\n  host: db'],
];

describe('secret key names in other scripts', () => {
  it('read look-alike letters as Latin and secret words of other scripts as English', () => {
    for (const [name] of KEYS) expect([name, isSecretKey(name)]).toEqual([name, true]);
    expect(keyWords('раssword')).toEqual(['password']);
    expect(keyWords('apiТокен')).toEqual(['api', 'token']);
    expect(keyWords('ТОКЕН_TTL')).toEqual(['token', 'ttl']);
  });

  it('leave plain names of other scripts plain', () => {
    // Words with letters of their own stay whole, not Latin scraps: `ключевой` (key-word), `имя` (name).
    expect(keyWords('ключевой')).toEqual([]);
    for (const name of ['имя', 'хост', 'порт', 'адрес', '主机', 'ホスト', 'токен_ttl', 'κόμβος'])
      expect([name, isSecretKey(name)]).toEqual([name, false]);
  });

  it('name secrets inside config text carried in a value', () => {
    for (const [text, masked] of [
      ['раssword=hunter2', 'раssword=***'],
      ['DB_РАSSWORD=hunter2\nHOST=db', 'DB_РАSSWORD=***\nHOST=db'],
      ['spring:\n  пароль: hunter2\n', 'spring:\n  пароль: ***\n'],
      ['{"раssword": "hunter2"}', '{"раssword": "***"}'],
      ['<пароль>hunter2</пароль>', '<пароль>***</пароль>'],
      ['mysql --пароль hunter2x', 'mysql --пароль ***'],
      ['X-Аpi-Key: hunter2', 'X-Аpi-Key: ***'],
      ['rеquirepass hunter2', 'rеquirepass ***'],
      ['Раssword=hunter2;Server=db', 'Раssword=***;Server=db'],
      ['https://db/?tоken=abc123', 'https://db/?tоken=***'],
      ['数据库密码=hunter2', '数据库密码=***'],
      // Mathematical bold P (U+1D40F) and p (U+1D429), outside the BMP, in each shape of config text.
      ['DB_\u{1D40F}ASSWORD=hunter2\nHOST=db', 'DB_\u{1D40F}ASSWORD=***\nHOST=db'],
      ['spring:\n  db_\u{1D429}assword: hunter2\n', 'spring:\n  db_\u{1D429}assword: ***\n'],
      ['{"\u{1D429}assword": "hunter2"}', '{"\u{1D429}assword": "***"}'],
      ['<\u{1D429}assword>hunter2</\u{1D429}assword>', '<\u{1D429}assword>***</\u{1D429}assword>'],
      ['mysql --\u{1D429}assword hunter2x', 'mysql --\u{1D429}assword ***'],
      ['X-Api-\u{1D40A}ey: hunter2', 'X-Api-\u{1D40A}ey: ***'],
      ['\u{1D42B}equirepass hunter2', '\u{1D42B}equirepass ***'],
      ['<add key="\u{1D400}piKey" value="hunter2"/>', '<add key="\u{1D400}piKey" value="***"/>'],
      // Plain settings of other scripts stay readable.
      ['хост: db.example\nимя: app', 'хост: db.example\nимя: app'],
      ['主机=db', '主机=db'],
    ])
      expect(maskSecretsInText(text!)).toBe(masked);
  });

  it('never print their values in a drift report, and still count them', async () => {
    const config = (stage: string) =>
      KEYS.map(([key, word]) => `${JSON.stringify(key)}: ${word}${stage}\n`).join('') +
      TEXTS.map(
        ([key, text, word, end]) => `${key}: ${JSON.stringify(`${text}${word}${stage}${end}`)}\n`,
      ).join('') +
      `host: db-${stage}\n`;
    const dir = makeWorkspace(driftYaml('        budget: { security: 0 }', { config: ['STAGE.yaml'] }), {
      'staging.yaml': config('Staging'),
      'prod.yaml': config('Prod'),
    });
    const text = await runCli(['drift', 'staging', 'prod'], { cwd: dir });
    const json = await runCli(['drift', 'staging', 'prod', '--json'], { cwd: dir });
    const markdown = await runCli(['drift', 'staging', 'prod', '--markdown'], { cwd: dir });
    const html = await runCli(['report', '--html', 'out'], { cwd: dir });
    expect(html.code, html.stderr).toBe(0);
    const page = ['index.html', 'assets/snapshot.js'].map((file) =>
      readFileSync(join(dir, 'out', file), 'utf8'),
    );
    const report = JSON.parse(json.stdout) as { differences: Array<{ path: string; secret?: boolean }> };
    for (const [key, word] of [...KEYS, ...TEXTS.map(([key, , word]) => [key, word] as const)]) {
      // The key is still reported as drifted, its value as a secret.
      const difference = report.differences.find((entry) => entry.path === `/${key}`);
      expect([key, difference?.secret]).toEqual([key, true]);
      for (const out of [text.stdout, json.stdout, markdown.stdout, ...page])
        expect([key, out.includes(word)]).toEqual([key, false]);
    }
    // A plain value beside them is shown: the report is not hiding everything.
    expect(text.stdout).toContain('"db-Staging" → "db-Prod"');
    expect(page[1]).toContain('db-Prod');
    expect(text.stdout).toContain(`security ${KEYS.length} / 0 — over budget`);
  });
});
