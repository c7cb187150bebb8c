/**
 * Rollback use cases shared by the CLI and the server: `rollback check`, `watch`, and `rollback`
 * itself (ledger entry, then the user's command). The decision-section facts live in rollback-facts.ts.
 */

import { stageOf } from '../contract/types.js';
import { field, msg, TollgateError } from '../errors.js';
import type { ChainedEntry } from '../ledger/entry.js';
import { ENTRY } from '../ledger/entry.js';
import type { PromotionRecord } from '../ledger/ledger-view.js';
import { formatDuration } from '../policy/duration.js';
import { checkRollback, type RollbackCheck } from '../rollback/check.js';
import { ROLLBACK_EXIT } from '../rollback/evaluate.js';
import {
  currentIn,
  describeUntrusted,
  lastKnownGood,
  untrustedPinnedTarget,
} from '../rollback/last-known-good.js';
import { createMetricsSource } from '../rollback/metrics-config.js';
import type { RollbackPolicy } from '../rollback/policy.js';
import { resolveArtifactDigest } from './artifact-identity.js';
import { assertContractPinned } from './contract-pin.js';
import { metricsSourceOf, stageRecords } from './rollback-facts.js';
import { type AppRequest, assertRecordingClock, callerMarks, renewed } from './services.js';

function policyOf(ctx: AppRequest, stageName: string): RollbackPolicy {
  const stage = stageOf(ctx.contract, stageName);
  if (!stage.rollback) {
    throw new TollgateError(
      'USAGE',
      `stage ${stageName} has no rollback conditions: add stages.${stageName}.rollback to ${ctx.contract.file}`,
    );
  }
  return stage.rollback;
}

/** Why no promotion of the stage is current, for messages. */
function noPromotionRuns(stageName: string): string {
  return `no promotion into ${stageName} runs there now (none was promoted, or the last rollback went to a pinned target never promoted into ${stageName})`;
}

/** The promotion being watched: the stage's latest trusted one, or the latest of `digest` there. */
async function currentPromotion(
  ctx: AppRequest,
  stageName: string,
  digest?: string,
): Promise<PromotionRecord> {
  const store = await ctx.services.store();
  const { promotions, rollbacks } = await stageRecords(store, ctx.contract.pipeline, stageName);
  // Named by its sha512, the artifact is still the one promoted under its registered digest.
  const named = digest === undefined ? undefined : await resolveArtifactDigest(ctx, digest, '--artifact');
  const current = named
    ? promotions.filter((p) => p.artifact === named).at(-1)
    : currentIn(promotions, stageName, rollbacks);
  if (!current) {
    throw new TollgateError(
      'USAGE',
      digest
        ? `${digest} was never promoted into ${stageName}`
        : `${noPromotionRuns(stageName)}: there is no promotion to watch`,
    );
  }
  return current;
}

export interface RollbackCheckOptions {
  /** Check the latest promotion of this digest instead of the stage's current one. */
  digest?: string;
}

/** `tollgate rollback check STAGE`: evaluates the stage's rollback conditions once. */
export async function rollbackCheck(
  ctx: AppRequest,
  stageName: string,
  options: RollbackCheckOptions = {},
): Promise<RollbackCheck> {
  const policy = policyOf(ctx, stageName);
  const config = metricsSourceOf(ctx);
  if (!config) {
    throw new TollgateError(
      'CONFIG_INVALID',
      `no metrics source for the rollback conditions of ${stageName}: set metrics.prometheus.url (or metrics.file) in ${ctx.contract.file}, or TOLLGATE_PROMETHEUS_URL`,
    );
  }
  const current = await currentPromotion(ctx, stageName, options.digest);
  const check = await checkRollback({
    policy,
    variables: { digest: current.artifact, stage: stageName, pipeline: ctx.contract.pipeline },
    source: await createMetricsSource(config, ctx.services.env),
    now: ctx.caller.at.getTime(),
    promotedAt: Date.parse(current.at),
  });
  if (!ctx.caller.timeSet) return check;
  // At a time someone set (`--now`, TOLLGATE_NOW) the check answers "what if", not "is it healthy
  // now": outside a demo pipeline a healthy what-if exits 2, so a CI step left with TOLLGATE_NOW
  // set never passes a deploy on the metrics of another time.
  const whatIf = ctx.contract.demo !== true && check.exitCode === ROLLBACK_EXIT.healthy;
  return { ...check, clockSet: true, ...(whatIf ? { exitCode: ROLLBACK_EXIT.inconclusive } : {}) };
}

export interface WatchOptions {
  /** Called after every evaluation. */
  onCheck(check: RollbackCheck): void;
  /** Waits between evaluations (tests pass a faster one). */
  sleep?: (ms: number) => Promise<void>;
}

export interface WatchResult {
  last: RollbackCheck;
  /**
   * Why the watch stopped. `superseded`: the stage's current promotion changed during the watch
   * (rolled back, or another promotion landed), so the watched one was not seen to its window's end.
   */
  ended: 'tripped' | 'window-ended' | 'fixed-clock' | 'superseded';
  /** With `superseded`: the promotion the stage runs now, as the check that found it saw it. */
  supersededBy?: { digest: string; promotedAt?: string };
  evaluations: number;
  /**
   * Evaluations that did not trip but could not see every condition's samples (an error,
   * unreachable metrics, a warned answer): a breach then went unseen, and a later check only
   * looks at its own `for` window.
   */
  unseen: number;
  /**
   * The watch's exit code: the last evaluation's, except that a watch whose window ended healthy
   * after unseen evaluations takes the first unseen one's (2, 3 or 4), never 0, and a superseded
   * watch that did not trip exits 2 (or the first unseen one's code), never 0.
   */
  exitCode: number;
}

/**
 * `tollgate watch STAGE`: evaluates every `interval` (the shortest of the conditions) until a
 * condition trips or `within` has passed since the promotion. Each evaluation is at the services'
 * clock's time then; with a fixed clock (`--now`) time does not move, so it evaluates once.
 */
export async function watchStage(
  ctx: AppRequest,
  stageName: string,
  options: WatchOptions,
): Promise<WatchResult> {
  const policy = policyOf(ctx, stageName);
  const every = Math.min(...policy.conditions.map((c) => c.intervalMs));
  const pause = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const clock = ctx.services.clock;
  if (clock.fixed && ctx.contract.demo !== true) {
    // A watch decides whether a deploy stays: at a set time it would evaluate once, at a moment
    // that is not now, and end as if it had watched.
    throw new TollgateError(
      'CLOCK_SET',
      msg`watch follows the real clock, not ${field('now')} ${ctx.caller.at.toISOString()}: at a set time it would evaluate once and end without watching. Only a demo pipeline (\`demo: true\` in ${ctx.contract.file}) may set the clock; \`tollgate rollback check ${stageName} --now …\` asks "what if".`,
    );
  }
  let evaluations = 0;
  let unseen = 0;
  let firstUnseen: RollbackCheck | undefined;
  const result = (last: RollbackCheck, ended: WatchResult['ended']): WatchResult => ({
    last,
    ended,
    evaluations,
    unseen,
    exitCode:
      ended === 'superseded' && last.verdict !== 'tripped'
        ? (firstUnseen?.exitCode ?? ROLLBACK_EXIT.inconclusive)
        : ended === 'window-ended' && last.verdict === 'healthy' && firstUnseen !== undefined
          ? firstUnseen.exitCode
          : last.exitCode,
  });
  // The latest evaluation of the promotion being watched (the one current when the watch began).
  let watched: RollbackCheck | undefined;
  for (let request = ctx; ; request = renewed(request)) {
    const check = await rollbackCheck(request, stageName);
    if (
      watched !== undefined &&
      (check.digest !== watched.digest || check.promotedAt !== watched.promotedAt)
    ) {
      // Rolled back by someone else, or replaced by a newer promotion: each check measures the
      // stage's current promotion, so going on would end on another promotion's window (one that
      // ended long ago reads as "window ended, healthy") and pass the watched one unwatched.
      return {
        ...result(watched, 'superseded'),
        supersededBy: {
          digest: check.digest,
          ...(check.promotedAt === undefined ? {} : { promotedAt: check.promotedAt }),
        },
      };
    }
    evaluations += 1;
    options.onCheck(check);
    watched = check;
    if (check.verdict === 'tripped') return result(check, 'tripped');
    // No data is not a hidden breach (there was nothing to breach); an error, unreachable metrics
    // or a warned (possibly partial) answer is: the samples were there, Tollgate did not see them.
    if (check.conditions.some((c) => c.error !== undefined || c.warnings.length > 0)) {
      unseen += 1;
      firstUnseen ??= check;
    }
    if (clock.fixed) return result(check, 'fixed-clock');
    const endsAt = check.watchEndsAt ? Date.parse(check.watchEndsAt) : 0;
    const left = endsAt - clock.now().getTime();
    if (left <= 0) return result(check, 'window-ended');
    await pause(Math.min(every, left));
  }
}

export interface RollbackOptions {
  /** Why, in the person's words (required when no condition tripped). */
  reason?: string;
  /** A check already made (e.g. by `watch`); otherwise the conditions are evaluated now when possible. */
  check?: RollbackCheck;
}

export interface RollbackResult {
  entry: ChainedEntry;
  /** The promotion rolled back. */
  from: PromotionRecord;
  /** Where the stage goes back to. */
  to: { digest: string; promotion?: PromotionRecord; pinned: boolean };
  reason: string;
  check?: RollbackCheck;
}

/**
 * `tollgate rollback STAGE`: names the target (last known good, or the pinned digest), records a
 * rollback entry for the stage's current promotion — which marks it `rolled-back`, so `from`,
 * `soak` and `verifiedIn` stop trusting it — and returns what the user's command needs. With no
 * target it throws `ROLLBACK_NO_TARGET` and records nothing.
 */
export async function rollbackStage(
  ctx: AppRequest,
  stageName: string,
  options: RollbackOptions = {},
): Promise<RollbackResult> {
  assertRecordingClock(ctx, 'rollback');
  const stage = stageOf(ctx.contract, stageName);
  const pipeline = ctx.contract.pipeline;
  const store = await ctx.services.store();

  // Metrics first, outside the lock: say which condition tripped and with what values.
  let check = options.check;
  if (!check && stage.rollback && metricsSourceOf(ctx)) {
    check = await rollbackCheck(ctx, stageName);
  }
  const tripped = check?.conditions.filter((c) => c.verdict === 'tripped') ?? [];
  const reason =
    options.reason?.trim() ||
    (tripped.length > 0
      ? `tripped: ${tripped.map((c) => `${c.name} ${c.current}${c.series === undefined ? '' : ` in ${c.series}`} ${c.threshold} (held ${formatDuration(c.heldMs)})`).join('; ')}`
      : '');
  if (!reason) {
    throw new TollgateError(
      'USAGE',
      msg`no rollback condition of ${stageName} has tripped${check ? ` (verdict: ${check.verdict})` : ''}: give ${field('reason')} to roll back by hand`,
    );
  }

  // What the person is rolling back, as seen before the lock: if another rollback or promotion
  // lands first, this one must not silently undo a different promotion.
  const before = await stageRecords(store, pipeline, stageName);
  const seen = currentIn(before.promotions, stageName, before.rollbacks);

  return store.write(pipeline, async (tx) => {
    await assertContractPinned(ctx, tx, `rollback ${stageName}`);
    const { promotions, rollbacks } = await stageRecords(tx, pipeline, stageName);
    // The promotion running now: one that failed verification is still running, and is the one to
    // undo; after an earlier rollback, the promotion that rollback went back to.
    const from = currentIn(promotions, stageName, rollbacks);
    if (seen && from && from.seq !== seen.seq) {
      throw new TollgateError(
        'NOT_ALLOWED',
        `${stageName} changed while rolling back (its current promotion is now ledger #${from.seq}, ${from.artifact}); look at \`tollgate history ${stageName}\` and run the rollback again if still needed`,
      );
    }
    if (!from) {
      throw new TollgateError(
        'ROLLBACK_NO_TARGET',
        `${noPromotionRuns(stageName)}: there is nothing to roll back`,
      );
    }
    if (check && check.digest !== from.artifact) {
      throw new TollgateError(
        'NOT_ALLOWED',
        `${stageName} changed while the conditions were evaluated (now ${from.artifact}); run the rollback again`,
      );
    }
    const pinned = stage.rollback !== undefined && stage.rollback.target !== 'last-known-good';
    let to: RollbackResult['to'];
    if (pinned) {
      const digest = stage.rollback?.target as string;
      if (!(await tx.getArtifact(pipeline, digest))) {
        throw new TollgateError(
          'ROLLBACK_NO_TARGET',
          `the pinned rollback target ${digest} (stages.${stageName}.rollback.target) is not a registered artifact of ${pipeline}: register it first; nothing was recorded`,
        );
      }
      if (digest === from.artifact) {
        throw new TollgateError(
          'ROLLBACK_NO_TARGET',
          `the pinned rollback target ${digest} is what runs in ${stageName} now; nothing was recorded`,
        );
      }
      const bad = untrustedPinnedTarget(promotions, stageName, digest);
      if (bad) {
        throw new TollgateError(
          'ROLLBACK_NO_TARGET',
          `the pinned rollback target ${digest} (stages.${stageName}.rollback.target) ${describeUntrusted(bad, stageName)}: going back to it would return to a digest known bad there; change the target; nothing was recorded`,
        );
      }
      to = { digest, pinned: true };
    } else {
      const good = lastKnownGood(promotions, stageName, from);
      if (!good) {
        throw new TollgateError(
          'ROLLBACK_NO_TARGET',
          `no earlier good promotion in ${stageName} before ${from.artifact} (ledger #${from.seq}): there is no last known good digest to roll back to; nothing was recorded`,
        );
      }
      to = { digest: good.artifact, promotion: good, pinned: false };
    }
    // The stage's entries are read without a gap count: a rollback or failed verification of the
    // target (or a later promotion) deleted between other artifacts' entries would leave no trace
    // in them, and the target would look good. Reading the two digests' own entries counts every
    // entry from each one's first to the head, so such a deletion stops the rollback (exit 4).
    await tx.assertArtifactEntriesIntact(pipeline, to.digest);
    await tx.assertArtifactEntriesIntact(pipeline, from.artifact);
    const entry = await tx.append(pipeline, {
      kind: ENTRY.rollback,
      stage: stageName,
      artifact: from.artifact,
      actor: ctx.caller.principal,
      at: ctx.caller.at.toISOString(),
      payload: {
        promotion: from.seq,
        reason,
        target: to.digest,
        ...(to.promotion ? { targetPromotion: to.promotion.seq } : {}),
        targetKind: to.pinned ? 'pinned' : 'last-known-good',
        ...(check
          ? {
              verdict: check.verdict,
              metricsSource: check.source,
              conditions: check.conditions.map((c) => ({
                name: c.name,
                verdict: c.verdict,
                value: c.current,
                ...(c.series === undefined ? {} : { series: c.series }),
                threshold: c.threshold,
                heldMs: c.heldMs,
                query: c.query,
                ...(c.error ? { error: c.error.message } : {}),
              })),
            }
          : {}),
        ...callerMarks(ctx),
      },
    });
    return { entry, from, to, reason, ...(check ? { check } : {}) };
  });
}
