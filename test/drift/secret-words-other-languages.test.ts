/**
 * Password keys written in other languages than English and Spanish (`Passwort`, `Kennwort`,
 * `mot_de_passe`, `senha`, `wachtwoord`, `hasło`…): drift printed their values, since only
 * `contraseña` was known.
 */
import { describe, expect, it } from 'vitest';
import { isSecretContainer, isSecretKey } from '../../src/text/secret-detector.js';
import { makeWorkspace, runCli } from '../support/cli.js';

const NAMES = [
  'Passwort',
  'DB_PASSWORT',
  'kennwort',
  'mot_de_passe',
  'motDePasse',
  'senha',
  'senha_banco',
  'wachtwoord',
  'passord',
  'lösenord',
  'salasana',
  'adgangskode',
  'hasło',
  'heslo',
  'şifre',
  'parola',
];

describe('password keys in other languages', () => {
  it('are secret keys and name secret maps', () => {
    for (const name of NAMES) expect([name, isSecretKey(name)]).toEqual([name, true]);
    expect(isSecretContainer('Passwörter')).toBe(true);
    // Settings of one stay settings.
    expect(isSecretKey('passwort_min_length')).toBe(false);
    // Words that only contain the letters stay plain.
    for (const name of ['parolas_count', 'hash', 'passage'])
      expect([name, isSecretKey(name)]).toEqual([name, false]);
  });

  it('never prints their values in a drift report', async () => {
    const values = (n: string) =>
      `datenbank:\n  Passwort: Dw${n}a\n  benutzer: app\nmot_de_passe: Dw${n}b\nsenha: Dw${n}c\n`;
    const dir = makeWorkspace(
      `version: 1
pipeline: shop
artifact: { type: file }
stages:
  staging:
    purpose: rc
    config: [staging.yaml]
  prod:
    purpose: live
    from: staging
    config: [prod.yaml]
    requires:
      drift:
        budget: { security: 0 }
`,
      { 'staging.yaml': values('1'), 'prod.yaml': values('2') },
    );
    const text = await runCli(['drift', 'staging', 'prod'], { cwd: dir });
    const json = await runCli(['drift', 'staging', 'prod', '--json'], { cwd: dir });
    expect(text.stdout).toContain('/datenbank/Passwort');
    expect(text.stdout).toContain('security 3 / 0 — over budget');
    for (const out of [text.stdout, json.stdout]) expect(out).not.toMatch(/Dw[12]/);
  });
});
