import { describe, expect, it } from 'vitest';
import { resolveActorIdentity, resolveClockSetting } from '../../src/app/actor.js';
import { TollgateError } from '../../src/errors.js';
import { checkWindows } from '../../src/policy/window-spec.js';

const os = () => 'osuser';

describe('actor resolution', () => {
  it('prefers --as, then TOLLGATE_ACTOR', () => {
    expect(resolveActorIdentity({ as: 'alice' }, { TOLLGATE_ACTOR: 'bob' }, os)).toEqual({
      name: 'alice',
      source: 'flag',
    });
    expect(
      resolveActorIdentity(
        {},
        { TOLLGATE_ACTOR: 'bob', GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'octocat' },
        os,
      ),
    ).toEqual({
      name: 'bob',
      source: 'env',
    });
  });

  it('takes the GitHub Actions identity, the re-runner before the original actor', () => {
    const env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTOR: 'octocat',
      GITHUB_TRIGGERING_ACTOR: 'hubot',
      GITHUB_REPOSITORY: 'shop/checkout',
      GITHUB_WORKFLOW: 'release',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '42',
    };
    expect(resolveActorIdentity({}, env, os)).toEqual({
      name: 'hubot',
      source: 'github-actions',
      detail: 'shop/checkout, workflow release, https://github.com/shop/checkout/actions/runs/42',
    });
    expect(resolveActorIdentity({}, { GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'octocat' }, os).name).toBe(
      'octocat',
    );
  });

  it('takes the GitLab CI identity', () => {
    const env = {
      GITLAB_CI: 'true',
      GITLAB_USER_LOGIN: 'jdoe',
      CI_PROJECT_PATH: 'shop/checkout',
      CI_PIPELINE_ID: '7',
    };
    expect(resolveActorIdentity({}, env, os)).toEqual({
      name: 'jdoe',
      source: 'gitlab-ci',
      detail: 'shop/checkout, pipeline 7',
    });
  });

  it('falls back to the OS user', () => {
    expect(resolveActorIdentity({}, {}, os)).toEqual({ name: 'osuser', source: 'os' });
  });

  it('refuses empty names and names with spaces or control characters', () => {
    expect(() => resolveActorIdentity({ as: '  ' }, {}, os)).toThrow(/actor name from --as is empty/);
    expect(() => resolveActorIdentity({ as: 'alice smith' }, {}, os)).toThrow(TollgateError);
    expect(() => resolveActorIdentity({}, { TOLLGATE_ACTOR: 'x\u001b[31m' }, os)).toThrow(/not usable/);
  });
});

describe('clock', () => {
  it('is the real time unless set', () => {
    expect(resolveClockSetting({}, {})).toEqual({ source: 'real' });
  });

  it('reads --now before TOLLGATE_NOW, with a zone or as a date', () => {
    expect(resolveClockSetting({ now: '2026-11-27T10:00:00+01:00' }, { TOLLGATE_NOW: '2020-01-01' })).toEqual(
      {
        fixed: new Date('2026-11-27T09:00:00Z'),
        source: 'flag',
      },
    );
    expect(resolveClockSetting({}, { TOLLGATE_NOW: '2026-11-27' })).toEqual({
      fixed: new Date('2026-11-27T00:00:00Z'),
      source: 'env',
    });
  });

  it.each(['tomorrow', '2026-11-27T09:00:00', '2026-02-30', '2026-13-01T00:00:00Z'])('refuses %s', (text) => {
    expect(() => resolveClockSetting({ now: text }, {})).toThrow(
      /--now ".*" is not an ISO 8601 time with a zone/,
    );
  });

  it('refuses hour 24 in --now and TOLLGATE_NOW with the wording windows use', () => {
    // JavaScript's Date reads T24:00 as the next day's midnight; a window refuses the same text.
    expect(() => resolveClockSetting({ now: '2026-12-31T24:00:00Z' }, {})).toThrow(
      '--now "2026-12-31T24:00:00Z": hour 24 is not a time of day here',
    );
    expect(() => resolveClockSetting({}, { TOLLGATE_NOW: '2026-12-31T24:00+01:00' })).toThrow(
      "TOLLGATE_NOW \"2026-12-31T24:00+01:00\": hour 24 is not a time of day here (JavaScript's Date reads it as the next day's 00:00, windows refuse it): write the next day's T00:00",
    );
    expect(
      checkWindows({ deny: [{ from: '2026-12-31T20:00', until: '2026-12-31T24:00', tz: 'UTC' }] })[0]
        ?.message,
    ).toBe(
      "invalid until \"2026-12-31T24:00\": hour 24 is not a time of day here (JavaScript's Date reads it as the next day's 00:00, windows refuse it): write the next day's T00:00",
    );
    expect(resolveClockSetting({ now: '2027-01-01T00:00:00Z' }, {}).fixed?.toISOString()).toBe(
      '2027-01-01T00:00:00.000Z',
    );
  });
});
