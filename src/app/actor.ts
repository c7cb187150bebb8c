/**
 * Who is acting, and what time it is. Every write records an actor; a decision is made at a
 * clock. Both come from the edges (flags, environment, the OS) and are resolved here, once.
 *
 * Actor, first that applies:
 * 1. `--as NAME`
 * 2. `TOLLGATE_ACTOR`
 * 3. the CI's identity: GitHub Actions (`GITHUB_TRIGGERING_ACTOR`, else `GITHUB_ACTOR`), GitLab CI
 *    (`GITLAB_USER_LOGIN`)
 * 4. the OS user
 *
 * Clock: `--now` or `TOLLGATE_NOW` (ISO 8601 with a zone, or a date meaning 00:00 UTC), else the
 * real time. A set clock is recorded with every write so nobody mistakes a demo for history.
 */
import { userInfo } from 'node:os';
import { TollgateError } from '../errors.js';
import { normaliseName } from '../policy/names.js';
import { HOUR_24, HOUR_24_PROBLEM } from '../policy/window-spec.js';

export type ActorSource = 'flag' | 'env' | 'github-actions' | 'gitlab-ci' | 'os';

export interface ActorIdentity {
  name: string;
  source: ActorSource;
  /** For a CI identity: where it ran (repository, pipeline, run URL). */
  detail?: string;
}

export interface ActorOptions {
  as?: string;
}

/**
 * Resolves the actor from flags and environment.
 * @example resolveActorIdentity({}, { GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'octocat' }) // { name: 'octocat', source: 'github-actions', … }
 */
export function resolveActorIdentity(
  options: ActorOptions,
  env: NodeJS.ProcessEnv,
  osUser: () => string = () => userInfo().username,
): ActorIdentity {
  if (options.as !== undefined) return { name: checkName(options.as, '--as'), source: 'flag' };
  if (env.TOLLGATE_ACTOR !== undefined && env.TOLLGATE_ACTOR !== '') {
    return { name: checkName(env.TOLLGATE_ACTOR, 'TOLLGATE_ACTOR'), source: 'env' };
  }
  if (env.GITHUB_ACTIONS === 'true') {
    // A re-run is caused by whoever re-ran it, not by the author of the original run.
    const name = env.GITHUB_TRIGGERING_ACTOR || env.GITHUB_ACTOR;
    if (name) {
      const url =
        env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
          ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
          : undefined;
      const detail = [env.GITHUB_REPOSITORY, env.GITHUB_WORKFLOW && `workflow ${env.GITHUB_WORKFLOW}`, url]
        .filter(Boolean)
        .join(', ');
      return {
        name: checkName(name, 'GITHUB_ACTOR'),
        source: 'github-actions',
        ...(detail ? { detail } : {}),
      };
    }
  }
  if (env.GITLAB_CI === 'true' && env.GITLAB_USER_LOGIN) {
    const detail = [
      env.CI_PROJECT_PATH,
      env.CI_PIPELINE_ID && `pipeline ${env.CI_PIPELINE_ID}`,
      env.CI_JOB_URL,
    ]
      .filter(Boolean)
      .join(', ');
    return {
      name: checkName(env.GITLAB_USER_LOGIN, 'GITLAB_USER_LOGIN'),
      source: 'gitlab-ci',
      ...(detail ? { detail } : {}),
    };
  }
  let name: string;
  try {
    name = osUser();
  } catch (cause) {
    throw new TollgateError('USAGE', 'cannot tell who is acting: pass --as NAME or set TOLLGATE_ACTOR', {
      cause,
    });
  }
  return { name: checkName(name, 'the OS user name'), source: 'os' };
}

function checkName(raw: string, where: string): string {
  const name = raw.trim();
  if (name === '')
    throw new TollgateError(
      'USAGE',
      `the actor name from ${where} is empty: pass --as NAME or set TOLLGATE_ACTOR`,
    );
  // Names end up in decisions, ledger entries and terminals: no control characters, no spaces.
  if (/[\s\p{Cc}]/u.test(name) || name.length > 200) {
    throw new TollgateError(
      'USAGE',
      `the actor name ${JSON.stringify(raw)} from ${where} is not usable: expected a single word without spaces or control characters`,
    );
  }
  // Names are compared as identities: one that hides characters or mixes scripts is refused here,
  // where it is typed (the request normalises it: src/app/services.ts principalOf).
  const checked = normaliseName(name);
  if (!checked.ok)
    throw new TollgateError(
      'NAME_INVALID',
      `the actor name ${JSON.stringify(raw)} from ${where} ${checked.problem}`,
    );
  return name;
}

export interface ClockSetting {
  /** The fixed time, when one was given. */
  fixed?: Date;
  /** Where it came from, for messages and records. */
  source: 'flag' | 'env' | 'real';
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Reads `--now` / TOLLGATE_NOW. A time without a zone would mean different instants on different
 * machines, so it is refused; a bare date means 00:00 UTC.
 * @example resolveClockSetting({ now: '2026-11-27T09:00:00Z' }, {}).fixed?.toISOString() // '2026-11-27T09:00:00.000Z'
 */
export function resolveClockSetting(options: { now?: string }, env: NodeJS.ProcessEnv): ClockSetting {
  const fromFlag = options.now !== undefined;
  const text = options.now ?? env.TOLLGATE_NOW;
  if (text === undefined || text === '') return { source: 'real' };
  const where = fromFlag ? '--now' : 'TOLLGATE_NOW';
  const trimmed = text.trim();
  const valid = DATE_ONLY.test(trimmed) || DATE_TIME.test(trimmed);
  const fixed = new Date(DATE_ONLY.test(trimmed) ? `${trimmed}T00:00:00Z` : trimmed);
  if (valid && HOUR_24.test(trimmed))
    throw new TollgateError('USAGE', `${where} "${text}": ${HOUR_24_PROBLEM}`);
  if (valid && /T\d{2}:\d{2}:60/i.test(trimmed))
    throw new TollgateError(
      'USAGE',
      `${where} "${text}" names a leap second (:60), which has no instant of its own on this clock (JavaScript's time, like POSIX time, has no leap seconds): use :59 or the next minute's :00`,
    );
  if (!valid || Number.isNaN(fixed.getTime()) || !sameCalendarDate(trimmed, fixed)) {
    throw new TollgateError(
      'USAGE',
      `${where} "${text}" is not an ISO 8601 time with a zone: expected e.g. 2026-11-27T09:00:00Z, 2026-11-27T10:00:00+01:00 or 2026-11-27`,
    );
  }
  return { fixed, source: fromFlag ? 'flag' : 'env' };
}

/** Refuses dates JavaScript would roll over (2026-02-30 → March 2). */
function sameCalendarDate(text: string, parsed: Date): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const probe = new Date(Date.UTC(year, month - 1, day));
  return (
    probe.getUTCFullYear() === year &&
    probe.getUTCMonth() === month - 1 &&
    probe.getUTCDate() === day &&
    !Number.isNaN(parsed.getTime())
  );
}
