/**
 * Running fact providers (their shape is declared with the services, src/app/services.ts): facts
 * some gates need beyond the ledger (a drift report from config
 * files, the rollback section's metrics source, …). A provider runs at the edge, only when the
 * stage uses its gate, once per check or promotion, before any write lock; its value reaches the
 * gates as `facts.extra[key]`, typed by `ExtraFacts` (src/gates/extra-facts.ts). Its `snapshot`
 * (when given) is what of the fact is stored with a promotion.
 */
import type { ExtraFacts } from '../gates/extra-facts.js';
import type { AnyFactProvider, FactProvider, FactRequest } from './services.js';

/** Runs every provider the stage needs, in order, and returns the facts they gathered. */
export async function gatherExtraFacts(
  providers: readonly AnyFactProvider[],
  input: FactRequest,
): Promise<ExtraFacts> {
  const extra: ExtraFacts = {};
  for (const provider of providers) {
    if (provider.applies(input.stage)) await provideInto(extra, provider, input);
  }
  return extra;
}

async function provideInto<K extends keyof ExtraFacts>(
  extra: ExtraFacts,
  provider: FactProvider<K>,
  input: FactRequest,
): Promise<void> {
  extra[provider.key] = await provider.provide(input);
}

/** What of each gathered fact is kept with a promotion, by key; undefined when nothing is. */
export function snapshotsOf(
  providers: readonly AnyFactProvider[],
  extra: ExtraFacts,
): Record<string, unknown> | undefined {
  const snapshots: Record<string, unknown> = {};
  for (const provider of providers) {
    const taken = snapshotOf(provider, extra);
    if (taken !== undefined) snapshots[provider.key] = taken;
  }
  return Object.keys(snapshots).length > 0 ? snapshots : undefined;
}

function snapshotOf<K extends keyof ExtraFacts>(provider: FactProvider<K>, extra: ExtraFacts): unknown {
  const value = extra[provider.key];
  return provider.snapshot && value !== undefined ? provider.snapshot(value) : undefined;
}
