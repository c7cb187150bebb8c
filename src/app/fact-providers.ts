/**
 * Facts some gates need beyond the ledger (a drift report from config files, metrics, …). Each
 * provider runs at the edge, only when the stage uses its gate, and its value reaches the gate as
 * `facts.extra[key]`. A provider's `snapshot` (when given) is stored with the promotion.
 */
import type { ContractStage } from '../contract/types.js';
import type { LedgerReader } from '../ledger/ledger-store.js';
import type { AppContext } from './context.js';
import { driftFactProvider } from './drift.js';
import { rollbackFactProvider } from './rollback-facts.js';

export interface FactProvider {
  key: string;
  /** True when the stage needs this fact. */
  applies(stage: ContractStage, stageName: string, ctx: AppContext): boolean;
  provide(ctx: AppContext, stageName: string, reader: LedgerReader): Promise<unknown>;
  /** What of the fact to keep with a promotion (no secret values). */
  snapshot?(value: unknown): unknown;
}

/** Registered providers. One line per provider. */
export const FACT_PROVIDERS: FactProvider[] = [rollbackFactProvider, driftFactProvider];
