/**
 * `promote --override GATE --reason …`: who may waive which gate is the contract's `overrides`
 * section; this checks the actor against it before the promotion is decided. The overrides then
 * travel in the promotion entry's payload (src/app/promote.ts) and show as risk ever after.
 */
import { stageOf } from '../contract/load-contract.js';
import { TollgateError } from '../errors.js';
import { GATES } from '../gates/index.js';
import { canOverride, peopleOf } from '../policy/people.js';
import type { AppContext } from './context.js';

export interface AuthorisedOverride {
  gate: string;
  reason: string;
  actor: string;
}

/**
 * Checks requested overrides and returns them ready for decide().
 * @throws TollgateError USAGE for a missing reason or a gate the stage does not use; NOT_ALLOWED when the actor may not.
 */
export function authoriseOverrides(
  ctx: AppContext,
  stageName: string,
  gates: readonly string[],
  reason: string | undefined,
): AuthorisedOverride[] {
  if (gates.length === 0) {
    if (reason !== undefined) throw new TollgateError('USAGE', '--reason goes with --override GATE');
    return [];
  }
  const why = reason?.trim();
  if (!why)
    throw new TollgateError(
      'USAGE',
      '--override needs --reason "…": the reason is recorded and shown in every later decision',
    );
  const stage = stageOf(ctx.contract, stageName);
  const used = GATES.filter((gate) => gate.select(stage) !== undefined).map((gate) => gate.key);
  const people = peopleOf(ctx.contract);
  const out: AuthorisedOverride[] = [];
  for (const gate of new Set(gates)) {
    if (!used.includes(gate)) {
      throw new TollgateError(
        'USAGE',
        `--override ${gate}: stage ${stageName} has no gate "${gate}"; its gates are ${used.join(', ')}`,
      );
    }
    const allowed = canOverride(people, ctx.actor, gate, stageName);
    if (!allowed.allowed) throw new TollgateError('NOT_ALLOWED', `--override ${gate}: ${allowed.reason}`);
    out.push({ gate, reason: why, actor: ctx.actor });
  }
  return out;
}
