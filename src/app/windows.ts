/**
 * `tollgate windows STAGE`: the stage's promotion windows from now on (open and closed periods
 * with their reasons), at the context's clock.
 */
import { stageOf } from '../contract/types.js';
import { field, msg, TollgateError } from '../errors.js';
import { upcomingPeriods, type WindowPeriod, windowState } from '../policy/window-timeline.js';
import type { AppRequest } from './services.js';

export interface StageWindows {
  stage: string;
  now: Date;
  /** False when the stage has no `windows` section (always open). */
  configured: boolean;
  open: boolean;
  /** When closed: the next opening within a year, if any. */
  opensAt?: Date;
  /** When open: when it next closes within a year, if it does. */
  closesAt?: Date;
  periods: WindowPeriod[];
}

const MAX_DAYS = 366;

export function stageWindows(ctx: AppRequest, stageName: string, days = 14): StageWindows {
  const stage = stageOf(ctx.contract, stageName);
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new TollgateError(
      'USAGE',
      msg`${field('days')} ${days}: expected a whole number of days from 1 to ${MAX_DAYS}`,
    );
  }
  const now = ctx.caller.at;
  const windows = stage.requires.windows;
  if (!windows) return { stage: stageName, now, configured: false, open: true, periods: [] };
  const state = windowState(windows, now);
  return {
    stage: stageName,
    now,
    configured: true,
    open: state.open,
    ...(state.opensAt ? { opensAt: state.opensAt } : {}),
    ...(state.closesAt ? { closesAt: state.closesAt } : {}),
    periods: upcomingPeriods(windows, now, days * 86_400_000),
  };
}
