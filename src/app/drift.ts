/**
 * Drift use cases: the report between two stages (`tollgate drift A B`) and the fact provider that
 * hands the drift gate one report per upstream stage. Reading the config files happens here, at
 * the edge; the diff, classification and budget are pure (src/drift).
 */
import { stageOf } from '../contract/load-contract.js';
import type { DriftRequirement } from '../contract/requires/drift.js';
import { type ContractStage, upstreamOf } from '../contract/types.js';
import { readStageConfig } from '../drift/read-config.js';
import { buildDriftReport, type DriftReport } from '../drift/report.js';
import { snapshotDriftReport } from '../drift/snapshot.js';
import { type DriftFact, isDriftFact } from '../gates/drift-gate.js';
import type { AppContext } from './context.js';
import type { FactProvider } from './fact-providers.js';

function requirementOf(stage: ContractStage): DriftRequirement | undefined {
  return stage.requires.drift;
}

/**
 * The drift report from `upstreamName`'s config to `downstreamName`'s, held against the
 * downstream stage's `requires.drift` (budget and declarations; none: every class `any`).
 */
export async function driftBetween(
  ctx: AppContext,
  upstreamName: string,
  downstreamName: string,
): Promise<DriftReport> {
  const contract = ctx.contract;
  const upstream = stageOf(contract, upstreamName);
  const downstream = stageOf(contract, downstreamName);
  const options = { root: contract.root };
  const [upstreamConfig, downstreamConfig] = await Promise.all([
    readStageConfig(upstream.config, options),
    readStageConfig(downstream.config, options),
  ]);
  const section = (
    contract as { drift?: { classes?: Record<string, string[]>; keys?: Record<string, string> } }
  ).drift;
  const requirement = requirementOf(downstream);
  return buildDriftReport({
    upstream: { stage: upstreamName, config: upstreamConfig },
    downstream: { stage: downstreamName, config: downstreamConfig },
    ...(section?.classes === undefined ? {} : { classes: section.classes }),
    ...(section?.keys === undefined ? {} : { keys: section.keys }),
    ...(requirement === undefined ? {} : { requirement }),
    now: ctx.now(),
  });
}

/** One report per upstream stage of `stageName` (none for a stage without `from`). */
export async function driftFactFor(ctx: AppContext, stageName: string): Promise<DriftFact> {
  const stage = stageOf(ctx.contract, stageName);
  const reports: DriftReport[] = [];
  for (const upstream of upstreamOf(stage)) reports.push(await driftBetween(ctx, upstream, stageName));
  return { reports };
}

/** Hands the drift gate its reports as `facts.extra.drift`; the reports are stored with a promotion. */
export const driftFactProvider: FactProvider = {
  key: 'drift',
  applies: (stage) => requirementOf(stage) !== undefined,
  provide: (ctx, stageName) => driftFactFor(ctx, stageName),
  snapshot: (value) => (isDriftFact(value) ? { reports: value.reports.map(snapshotDriftReport) } : value),
};
