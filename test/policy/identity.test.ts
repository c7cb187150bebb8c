/**
 * Identity compared as identity (issue 12): names normalised once where they enter (NFKC,
 * case-folded, trimmed; invisible characters and mixed-script look-alikes refused), stored
 * normalised beside what was typed, and every comparison (approvals, notBy, from, overrides)
 * made on the normal form. The attack from the issue — author `Dana`, approver `dana`, promoter
 * `DANA` — on SQLite and PostgreSQL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { recordApproval } from '../../src/app/approve.js';
import { checkStage } from '../../src/app/check.js';
import { createServices } from '../../src/app/create-services.js';
import { promote } from '../../src/app/promote.js';
import { parseLabels, registerArtifact } from '../../src/app/register.js';
import { contractSource, principalOf, requestOf } from '../../src/app/services.js';
import { TollgateError } from '../../src/errors.js';
import { normaliseName } from '../../src/policy/names.js';
import { contractOf } from '../support/builders.js';
import { fakeDigest, makeWorkspace, runCli } from '../support/cli.js';
import { BACKENDS, type StoreHandle } from '../support/stores.js';

describe('normaliseName', () => {
  it('gives one form for one name: case, width, compatibility characters and white space', () => {
    for (const typed of ['Dana', 'dana', 'DANA', '  Dana ', 'Ｄａｎａ', 'ＤＡＮＡ'])
      expect(normaliseName(typed), typed).toEqual({ ok: true, name: 'dana' });
    expect(normaliseName('Strauß')).toEqual({ ok: true, name: 'strauss' });
    expect(normaliseName('ﬁona')).toEqual({ ok: true, name: 'fiona' });
    expect(normaliseName('José')).toEqual({ ok: true, name: 'josé' });
    // NFD input (e + combining acute) meets NFC input.
    expect(normaliseName('Jose\u0301')).toEqual({ ok: true, name: 'josé' });
    expect(normaliseName('Пётр')).toEqual({ ok: true, name: 'пётр' });
    // Latin with Japanese scripts is ordinary writing, not disguise (UTS #39 highly restrictive).
    expect(normaliseName('山田Taro')).toEqual({ ok: true, name: '山田taro' });
    expect(normaliseName('dana.smith@example.com')).toEqual({ ok: true, name: 'dana.smith@example.com' });
  });

  it('refuses invisible characters, naming the code point', () => {
    const cases: Array<[string, string]> = [
      ['da\u200Bna', 'U+200B'], // zero-width space
      ['dana\u200D', 'U+200D'], // zero-width joiner
      ['\u2066dana', 'U+2066'], // bidirectional isolate
      ['da\u00ADna', 'U+00AD'], // soft hyphen
      ['dan\u3164a', 'U+3164'], // Hangul filler, a letter that shows nothing
      ['dana\uFE0F', 'U+FE0F'], // variation selector
    ];
    for (const [typed, code] of cases) {
      const result = normaliseName(typed);
      expect(result.ok, code).toBe(false);
      expect(!result.ok && result.problem, code).toContain(`invisible character (${code})`);
    }
  });

  it('refuses names that mix scripts as look-alikes do, and empty ones', () => {
    const cyrillicA = 'd\u0430na';
    const result = normaliseName(cyrillicA);
    expect(result).toEqual({ ok: false, problem: expect.stringContaining('Latin and Cyrillic') });
    expect(normaliseName('\u03BFscar').ok).toBe(false); // Greek omicron
    expect(normaliseName('   ')).toEqual({ ok: false, problem: 'is empty' });
    expect(normaliseName('dana smith').ok).toBe(false);
  });

  it('keeps what was typed beside the normal form', () => {
    expect(principalOf('Dana')).toEqual({ principal: 'dana', typed: 'Dana' });
    expect(principalOf('dana')).toEqual({ principal: 'dana' });
    expect(() => principalOf('d\u0430na')).toThrow(TollgateError);
  });
});

describe('the author label is a name', () => {
  it('refuses an author that would match no approver: spaces, hidden characters, look-alikes', () => {
    // CI often copies the commit author into the label; a commit author is whatever its writer set.
    for (const value of ['Dana Smith', 'dana\u200B', 'd\u0430na']) {
      let error: unknown;
      try {
        parseLabels([`author=${value}`]);
      } catch (caught) {
        error = caught;
      }
      expect(error, value).toBeInstanceOf(TollgateError);
      expect((error as TollgateError).code, value).toBe('NAME_INVALID');
      expect((error as TollgateError).message, value).toContain(
        'the author is compared with approvers as a name',
      );
    }
    expect(parseLabels(['author=Dana', 'title=Dana Smith'])).toEqual({ author: 'Dana', title: 'Dana Smith' });
  });
});

const CONTRACT = `version: 1
pipeline: shop
artifact: { type: file }
groups:
  release: [Erin, Frank]
overrides:
  - { by: [Carol], gates: [approvals] }
stages:
  staging: { purpose: release candidates }
  prod:
    purpose: live
    from: staging
    requires:
      approvals: { count: 1, notBy: [author, promoter] }
  eu:
    purpose: live in the EU
    from: staging
    requires:
      approvals: { count: 1, from: [group:release] }
`;
const D = fakeDigest('identity');

let handle: StoreHandle | undefined;
afterEach(async () => {
  await handle?.dispose();
  handle = undefined;
});

describe.each(BACKENDS)('names compared as identities ($name)', (backend) => {
  it('does not count an approval by the author under another spelling, nor let her promote on it', async () => {
    handle = await backend.open();
    const services = createServices({
      contracts: contractSource([contractOf(CONTRACT)]),
      store: handle.store,
    });
    const as = (principal: string) => requestOf(services, { principal });
    await registerArtifact(as('Dana'), { digest: D });
    const [registered] = await handle.store.entriesForArtifact('shop', D);
    expect(registered).toMatchObject({ actor: 'dana', payload: { actorTyped: 'Dana' } });
    await promote(as('ci'), 'staging', D);

    const approved = await recordApproval(as('dana'), 'prod', { artifact: D, decision: 'approve' });
    expect(approved.notCounted).toBe("dana is the artifact's author");
    // Full-width, upper case: the same person, who has already said so.
    const again = await recordApproval(as('ＤＡＮＡ'), 'prod', { artifact: D, decision: 'approve' });
    expect(again.entry).toBeUndefined();
    expect(again.message).toContain('dana already approved');

    const attempt = await promote(as('DANA'), 'prod', D);
    expect(attempt.entry).toBeUndefined();
    const gate = attempt.decision.gates.find((g) => g.gate === 'approvals');
    expect(gate?.status).not.toBe('pass');
    expect(gate?.summary).toMatch(/^0 of 1 approvals/);
    expect(attempt.decision.actor).toBe('dana');

    // Someone else's approval counts, whatever case they type; the promoter is still excluded.
    await recordApproval(as('Erin'), 'prod', { artifact: D, decision: 'approve' });
    expect((await checkStage(as('ERIN'), 'prod', D)).verdict).toBe('pending');
    expect((await promote(as('ci'), 'prod', D)).decision.verdict).toBe('allowed');
  });

  it('matches `from` groups and override grants written in another case', async () => {
    handle = await backend.open();
    const services = createServices({
      contracts: contractSource([contractOf(CONTRACT)]),
      store: handle.store,
    });
    const as = (principal: string) => requestOf(services, { principal });
    await registerArtifact(as('ci'), { digest: D });
    await promote(as('ci'), 'staging', D);
    const approval = await recordApproval(as('FRANK'), 'eu', { artifact: D, decision: 'approve' });
    expect(approval.notCounted).toBeUndefined();
    expect((await checkStage(as('ci'), 'eu', D)).verdict).toBe('allowed');

    const overridden = await promote(as('CAROL'), 'prod', D, { overrides: ['approvals'], reason: 'hotfix' });
    expect(overridden.decision.verdict).toBe('allowed');
    expect(overridden.entry?.payload.overrides).toEqual([
      { gate: 'approvals', reason: 'hotfix', actor: 'carol' },
    ]);
  });
});

describe.each(BACKENDS)('one person under a login and an e-mail address ($name)', (backend) => {
  it('counts their two approvals once, says so to the second, and keeps the stage closed', async () => {
    handle = await backend.open();
    const twoPeople = CONTRACT.replace(
      'approvals: { count: 1, notBy: [author, promoter] }',
      'approvals: { count: 2 }',
    );
    const services = createServices({
      contracts: contractSource([contractOf(twoPeople)]),
      store: handle.store,
    });
    const as = (principal: string) => requestOf(services, { principal });
    await registerArtifact(as('ci'), { digest: D });
    await promote(as('ci'), 'staging', D);
    const cli = await recordApproval(as('alice'), 'prod', { artifact: D, decision: 'approve' });
    expect(cli.notCounted).toBeUndefined();
    // The same person signed in to the server by e-mail.
    const server = await recordApproval(as('Alice@Example.com'), 'prod', {
      artifact: D,
      decision: 'approve',
    });
    expect(server.entry).toBeDefined();
    expect(server.notCounted).toBe(
      'alice@example.com may be alice, whose approval already counts (a login and an e-mail address with that login before "@" count as one person)',
    );
    const attempt = await promote(as('ci'), 'prod', D);
    expect(attempt.entry).toBeUndefined();
    expect(attempt.decision.verdict).toBe('pending');
    expect(attempt.decision.gates.find((g) => g.gate === 'approvals')?.summary).toMatch(/^1 of 2 approvals/);
    await recordApproval(as('bob'), 'prod', { artifact: D, decision: 'approve' });
    expect((await promote(as('ci'), 'prod', D)).decision.verdict).toBe('allowed');
  });
});

describe('names at the CLI', () => {
  it('refuses a look-alike or invisible name with exit 3 and records nothing', async () => {
    const dir = makeWorkspace(CONTRACT);
    const lookalike = await runCli(['register', '--digest', D, '--as', 'd\u0430na'], { cwd: dir });
    expect(lookalike.code).toBe(3);
    expect(lookalike.stderr).toContain('mixes the Latin and Cyrillic scripts');
    const hidden = await runCli(['register', '--digest', D], {
      cwd: dir,
      env: { TOLLGATE_ACTOR: 'da\u200Bna' },
    });
    expect(hidden.code).toBe(3);
    expect(hidden.stderr).toContain('invisible character (U+200B)');
    const verify = await runCli(['ledger', 'verify', '--json'], { cwd: dir });
    expect(JSON.parse(verify.stdout)).toMatchObject({ entries: 0 });
  });
});
