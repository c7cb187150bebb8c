/**
 * The built-in fact providers, one entry each; `createServices` uses these unless given others.
 * Each says here which stages need it and loads its work on demand, so wiring the services (every
 * command does) loads neither config readers nor metrics code.
 */
import { resolve } from 'node:path';
import { upstreamOf } from '../contract/types.js';
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

/** Whom the contract trusts under each signer name now (`requires.signedBy`): key ids, subject patterns and issuers. */
export const signersFactProvider: FactProvider<'signers'> = {
  key: 'signers',
  applies: (stage) => stage.requires.signedBy !== undefined,
  async provide({ request }) {
    const { readPublicKeyFile } = await import('../trust/keys.js');
    const trust = request.contract.trust;
    const keys: Record<string, string> = {};
    const unreadable: Record<string, string> = {};
    for (const [name, path] of Object.entries(trust?.keys ?? {})) {
      // A key that cannot be read is a reason on the records it signed, not an error of the check.
      try {
        keys[name] = readPublicKeyFile(resolve(request.contract.root, path)).keyId;
      } catch (error) {
        unreadable[name] = (error as Error).message;
      }
    }
    const identities = Object.fromEntries(
      Object.entries(trust?.identities ?? {}).map(([name, identity]) => [name, identity.subject]),
    );
    const issuers = Object.fromEntries(
      Object.entries(trust?.identities ?? {}).map(([name, identity]) => [name, identity.issuer]),
    );
    return { keys, identities, issuers, ...(Object.keys(unreadable).length > 0 ? { unreadable } : {}) };
  },
};

/**
 * For a stage with upstream stages (`from`): under which earlier contracts each upstream stage's
 * rules differed from the contract in force (src/app/contract-pin.ts `upstreamRulesFact`).
 */
export const upstreamRulesFactProvider: FactProvider<'upstreamRules'> = {
  key: 'upstreamRules',
  applies: (stage) => upstreamOf(stage).length > 0,
  async provide({ request, stage, reader }) {
    const { upstreamRulesFact } = await import('./contract-pin.js');
    return upstreamRulesFact(reader, request.contract.pipeline, upstreamOf(stage));
  },
};

export const DEFAULT_FACT_PROVIDERS: readonly AnyFactProvider[] = [
  rollbackFactProvider,
  driftFactProvider,
  checkpointFactProvider,
  signersFactProvider,
  upstreamRulesFactProvider,
];
