/**
 * Gate `checkpoint` (`requires.checkpoint: true`): a promotion into the stage must be sealed by a
 * signed checkpoint of the ledger (src/app/vsa.ts `sealPromotion`), so the key that signs it must be
 * there and be Ed25519 (C2SP signed notes). The key is looked for at the edge (the `checkpoint`
 * fact); without one the gate fails naming what to set. It never passes by default.
 */
import type { ContractStage } from '../contract/types.js';
import { type GateContext, type GateDefinition, type GateResult, gateResult } from './gate.js';

const KEY = 'checkpoint';

export function evaluateCheckpoint(required: boolean, context: GateContext): GateResult {
  const fact = context.facts.extra.checkpoint;
  if (!required) return gateResult(KEY, 'pass', 'not required');
  if (fact?.signer !== undefined && fact.algorithm === 'ed25519')
    return gateResult(KEY, 'pass', `signed checkpoint with ${fact.signer}`, {
      validated: [
        {
          gate: KEY,
          text: `the promotion is sealed by a checkpoint of the ledger signed with ${fact.signer}, recorded in the ledger and carried in the VSA`,
        },
      ],
    });
  const why =
    fact?.problem ??
    (fact?.signer === undefined
      ? 'no checkpoint key: neither TOLLGATE_VSA_KEY nor trust.verifier.key is set'
      : `${fact.signer} is an ${fact.algorithm} key; checkpoints (C2SP signed notes) are signed with Ed25519`);
  return gateResult(KEY, 'fail', 'no key to sign the checkpoint', {
    required: [
      {
        gate: KEY,
        text: `a signed checkpoint per promotion into ${context.stageName}: ${why}; set TOLLGATE_VSA_KEY (or trust.verifier.key) to an Ed25519 private key (openssl genpkey -algorithm ed25519)`,
      },
    ],
  });
}

export const checkpointGate: GateDefinition<boolean> = {
  key: KEY,
  select: (stage: ContractStage) => (stage.requires.checkpoint === true ? true : undefined),
  evaluate: evaluateCheckpoint,
};
