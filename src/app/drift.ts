/**
 * Drift use cases: the report between two stages (`tollgate drift A B`) and the drift gate's fact,
 * one report per upstream stage. Reading the config files happens here, at the edge; the diff,
 * classification and budget are pure (src/drift).
 */
import { stageOf, upstreamOf } from '../contract/types.js';
import { readStageConfig } from '../drift/read-config.js';
import { buildDriftReport, type DriftReport } from '../drift/report.js';
import type { ConfigSet } from '../drift/types.js';
import { TollgateError } from '../errors.js';
import type { DriftFact } from '../gates/extra-facts.js';
import { type SecretHasher, secretHasherFrom } from '../text/secret-hash.js';
import type { AppRequest } from './services.js';

/**
 * The drift report from `upstreamName`'s config to `downstreamName`'s, held against the
 * downstream stage's `requires.drift` (budget and declarations; none: every class `any`). Secret
 * values are marked with `hashSecret` (default: keyed by TOLLGATE_SECRET_HASH_KEY, else per run).
 */
export async function driftBetween(
  ctx: AppRequest,
  upstreamName: string,
  downstreamName: string,
  hashSecret: SecretHasher = secretHasherFrom(ctx.services.env),
): Promise<DriftReport> {
  const contract = ctx.contract;
  const upstream = stageOf(contract, upstreamName);
  const downstream = stageOf(contract, downstreamName);
  const options = { root: contract.root };
  // Two empty configurations have no difference, and "no drift" would be a yes about nothing.
  for (const [name, stage] of [
    [upstreamName, upstream],
    [downstreamName, downstream],
  ] as const) {
    if (stage.config.length === 0) {
      // The contract's omission, not a file's: CONTRACT_INVALID (exit 3; 422 from the server).
      throw new TollgateError(
        'CONTRACT_INVALID',
        `stage "${name}" lists no config files ("config" is empty or missing), so there is nothing to compare ${downstreamName}'s config with ${upstreamName}'s; list the stage's configuration files in the contract`,
      );
    }
  }
  const [upstreamConfig, downstreamConfig] = await Promise.all([
    readStageConfig(upstream.config, options),
    readStageConfig(downstream.config, options),
  ]);
  refuseEmpty(upstreamName, upstreamConfig);
  refuseEmpty(downstreamName, downstreamConfig);
  const section = contract.drift;
  const requirement = downstream.requires.drift;
  return buildDriftReport({
    upstream: { stage: upstreamName, config: upstreamConfig },
    downstream: { stage: downstreamName, config: downstreamConfig },
    ...(section?.classes === undefined ? {} : { classes: section.classes }),
    ...(section?.keys === undefined ? {} : { keys: section.keys }),
    ...(requirement === undefined ? {} : { requirement }),
    now: ctx.caller.at,
    hashSecret,
  });
}

/** A stage whose files hold no value at all (`{}` each) has nothing to compare. */
function refuseEmpty(stageName: string, config: ConfigSet): void {
  const empty = (map: object) => Object.keys(map).length === 0;
  if (empty(config.plain) && empty(config.flagd) && empty(config.k8s)) {
    throw new TollgateError(
      'CONFIG_INVALID',
      `the config files of stage "${stageName}" (${config.sources.map((source) => source.file).join(', ')}) hold no value: nothing to compare`,
    );
  }
}

/** One report per upstream stage of `stageName` (none for a stage without `from`). */
export async function driftFactFor(ctx: AppRequest, stageName: string): Promise<DriftFact> {
  const stage = stageOf(ctx.contract, stageName);
  const reports: DriftReport[] = [];
  // One key for every report of this decision: a secret equal in two upstreams shows equal.
  const hashSecret = secretHasherFrom(ctx.services.env);
  for (const upstream of upstreamOf(stage))
    reports.push(await driftBetween(ctx, upstream, stageName, hashSecret));
  return { reports };
}
