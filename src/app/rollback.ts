/**
 * Rollback use cases shared by the CLI and the server: `rollback check`, `watch`, and `rollback`
 * itself (ledger entry, then the user's command). The decision-section facts live in rollback-facts.ts.
 */
import { createRequire } from 'node:module';
import { shortDigest } from '../artifact/digest.js';
import { stageOf } from '../contract/load-contract.js';
import { TollgateError } from '../errors.js';
import type { ChainedEntry } from '../ledger/hash-chain.js';
import { ENTRY, isTrusted, type PromotionRecord } from '../ledger/ledger-view.js';
import { checkRollback, type RollbackCheck } from '../rollback/check.js';
import { formatDuration } from '../rollback/duration.js';
import { lastKnownGood } from '../rollback/last-known-good.js';
import { createMetricsSource } from '../rollback/metrics-config.js';
import { type RollbackPolicy, toRollbackPolicy } from '../rollback/policy.js';
import type { AppContext } from './context.js';
import { env, metricsSourceOf, stagePromotions } from './rollback-facts.js';

/** Built-ins loaded on demand (`await import()` has no callback in the CLI bundle's vm.Script). */
const lazyRequire = createRequire(import.meta.url);

function policyOf(ctx: AppContext, stageName: string): RollbackPolicy {
  const stage = stageOf(ctx.contract, stageName);
  if (!stage.rollback) {
    throw new TollgateError(
      'USAGE',
      `stage ${stageName} has no rollback conditions: add stages.${stageName}.rollback to ${ctx.contract.file}`,
    );
  }
  return toRollbackPolicy(stage.rollback);
}

/** The promotion being watched: the stage's latest trusted one, or the latest of `digest` there. */
async function currentPromotion(
  ctx: AppContext,
  stageName: string,
  digest?: string,
): Promise<PromotionRecord> {
  const store = await ctx.store();
  const promotions = await stagePromotions(store, ctx.contract.pipeline, stageName);
  const candidates = promotions.filter((p) => (digest ? p.artifact === digest : isTrusted(p)));
  const current = candidates.at(-1);
  if (!current) {
    throw new TollgateError(
      'USAGE',
      digest
        ? `${shortDigest(digest)} was never promoted into ${stageName}`
        : `nothing trusted is promoted into ${stageName}: there is no promotion to watch`,
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
  ctx: AppContext,
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
  return checkRollback({
    policy,
    variables: { digest: current.artifact, stage: stageName, pipeline: ctx.contract.pipeline },
    source: await createMetricsSource(config, env(ctx)),
    now: ctx.now().getTime(),
    promotedAt: Date.parse(current.at),
  });
}

export interface WatchOptions {
  /** Called after every evaluation. */
  onCheck(check: RollbackCheck): void;
  /** Waits between evaluations (tests pass a faster one). */
  sleep?: (ms: number) => Promise<void>;
}

export interface WatchResult {
  last: RollbackCheck;
  /** Why the watch stopped. */
  ended: 'tripped' | 'window-ended' | 'fixed-clock';
  evaluations: number;
}

/**
 * `tollgate watch STAGE`: evaluates every `interval` (the shortest of the conditions) until a
 * condition trips or `within` has passed since the promotion. With a fixed clock (`--now`) time
 * does not move, so it evaluates once.
 */
export async function watchStage(
  ctx: AppContext,
  stageName: string,
  options: WatchOptions,
): Promise<WatchResult> {
  const policy = policyOf(ctx, stageName);
  const every = Math.min(...policy.conditions.map((c) => c.intervalMs));
  const pause = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let evaluations = 0;
  for (;;) {
    const check = await rollbackCheck(ctx, stageName);
    evaluations += 1;
    options.onCheck(check);
    if (check.verdict === 'tripped') return { last: check, ended: 'tripped', evaluations };
    if (ctx.clockSet) return { last: check, ended: 'fixed-clock', evaluations };
    const endsAt = check.watchEndsAt ? Date.parse(check.watchEndsAt) : 0;
    const left = endsAt - ctx.now().getTime();
    if (left <= 0) return { last: check, ended: 'window-ended', evaluations };
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
  ctx: AppContext,
  stageName: string,
  options: RollbackOptions = {},
): Promise<RollbackResult> {
  const stage = stageOf(ctx.contract, stageName);
  const pipeline = ctx.contract.pipeline;
  const store = await ctx.store();

  // Metrics first, outside the lock: say which condition tripped and with what values.
  let check = options.check;
  if (!check && stage.rollback && metricsSourceOf(ctx)) {
    check = await rollbackCheck(ctx, stageName);
  }
  const tripped = check?.conditions.filter((c) => c.verdict === 'tripped') ?? [];
  const reason =
    options.reason?.trim() ||
    (tripped.length > 0
      ? `tripped: ${tripped.map((c) => `${c.name} ${c.current} ${c.threshold} (held ${formatDuration(c.heldMs)})`).join('; ')}`
      : '');
  if (!reason) {
    throw new TollgateError(
      'USAGE',
      `no rollback condition of ${stageName} has tripped${check ? ` (verdict: ${check.verdict})` : ''}: give --reason to roll back by hand`,
    );
  }

  // What the person is rolling back, as seen before the lock: if another rollback or promotion
  // lands first, this one must not silently undo a different promotion.
  const seen = (await stagePromotions(store, pipeline, stageName)).filter(isTrusted).at(-1);

  return store.write(pipeline, async (tx) => {
    const promotions = await stagePromotions(tx, pipeline, stageName);
    const from = promotions.filter(isTrusted).at(-1);
    if (seen && from && from.seq !== seen.seq) {
      throw new TollgateError(
        'NOT_ALLOWED',
        `${stageName} changed while rolling back (its current promotion is now ledger #${from.seq}, ${shortDigest(from.artifact)}); look at \`tollgate history ${stageName}\` and run the rollback again if still needed`,
      );
    }
    if (!from) {
      throw new TollgateError(
        'ROLLBACK_NO_TARGET',
        `nothing trusted is promoted into ${stageName}: there is nothing to roll back`,
      );
    }
    if (check && check.digest !== from.artifact) {
      throw new TollgateError(
        'NOT_ALLOWED',
        `${stageName} changed while the conditions were evaluated (now ${shortDigest(from.artifact)}); run the rollback again`,
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
          `the pinned rollback target ${shortDigest(digest)} is what runs in ${stageName} now; nothing was recorded`,
        );
      }
      to = { digest, pinned: true };
    } else {
      const good = lastKnownGood(promotions, stageName, from);
      if (!good) {
        throw new TollgateError(
          'ROLLBACK_NO_TARGET',
          `no earlier good promotion in ${stageName} before ${shortDigest(from.artifact)} (ledger #${from.seq}): there is no last known good digest to roll back to; nothing was recorded`,
        );
      }
      to = { digest: good.artifact, promotion: good, pinned: false };
    }
    const entry = await tx.append(pipeline, {
      kind: ENTRY.rollback,
      stage: stageName,
      artifact: from.artifact,
      actor: ctx.actor,
      at: ctx.now().toISOString(),
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
                threshold: c.threshold,
                heldMs: c.heldMs,
                query: c.query,
                ...(c.error ? { error: c.error.message } : {}),
              })),
            }
          : {}),
        ...(ctx.clockSet ? { clockSet: true } : {}),
      },
    });
    return { entry, from, to, reason, ...(check ? { check } : {}) };
  });
}

/**
 * Runs the user's rollback command through the shell with TOLLGATE_DIGEST (the digest to deploy:
 * the rollback target), TOLLGATE_PREVIOUS_DIGEST (the digest rolled back) and TOLLGATE_STAGE.
 * Resolves with its exit code.
 */
export function runRollbackCommand(
  command: string,
  result: RollbackResult,
  stageName: string,
  options: { env?: NodeJS.ProcessEnv; stdout?: 'inherit' | 'stderr' } = {},
): Promise<number> {
  // Loaded here, not at the top: `rollback check` never runs a command.
  const { spawn } = lazyRequire('node:child_process') as typeof import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(command, {
      shell: true,
      stdio: ['ignore', options.stdout === 'stderr' ? process.stderr : 'inherit', 'inherit'],
      env: {
        ...(options.env ?? process.env),
        TOLLGATE_DIGEST: result.to.digest,
        TOLLGATE_PREVIOUS_DIGEST: result.from.artifact,
        TOLLGATE_STAGE: stageName,
      },
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
