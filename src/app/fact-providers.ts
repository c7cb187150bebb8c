/**
 * The built-in fact providers, one entry each; `createServices` uses these unless given others.
 * Each says here which stages need it and loads its work on demand, so wiring the services (every
 * command does) loads neither config readers nor metrics code.
 */
import { snapshotDriftReport } from '../drift/snapshot.js';
import type { AnyFactProvider, FactProvider } from './services.js';

/** Hands the drift gate one report per upstream stage; the reports are stored with a promotion. */
export const driftFactProvider: FactProvider<'drift'> = {
  key: 'drift',
  applies: (stage) => stage.requires.drift !== undefined,
  async provide({ request, stageName }) {
    const { driftFactFor } = await import('./drift.js');
    return driftFactFor(request, stageName);
  },
  snapshot: (fact) => ({ reports: fact.reports.map(snapshotDriftReport) }),
};

/** The rollback decision section's facts (src/app/rollback-facts.ts); the metrics source is kept. */
export const rollbackFactProvider: FactProvider<'rollback'> = {
  key: 'rollback',
  applies: (stage) => stage.rollback !== undefined,
  async provide(input) {
    const { rollbackFactsFor } = await import('./rollback-facts.js');
    return rollbackFactsFor(input);
  },
  snapshot: (fact) => ({ metricsSource: fact.metricsSource }),
};

/** The key a promotion's checkpoint would be signed with (`requires.checkpoint`); a broken key is a reason, not an error. */
export const checkpointFactProvider: FactProvider<'checkpoint'> = {
  key: 'checkpoint',
  applies: (stage) => stage.requires.checkpoint === true,
  async provide({ request }) {
    const { loadVsaSigner } = await import('./vsa.js');
    try {
      const signer = loadVsaSigner(request.contract, request.services.env);
      return signer ? { signer: signer.source, algorithm: signer.key.algorithm } : {};
    } catch (error) {
      return { problem: (error as Error).message };
    }
  },
};

export const DEFAULT_FACT_PROVIDERS: readonly AnyFactProvider[] = [
  rollbackFactProvider,
  driftFactProvider,
  checkpointFactProvider,
];
