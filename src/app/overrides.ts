/**
 * Overriding a gate, authorised in the application layer for every shell: the contract's
 * `overrides` section says who may waive which gate where, and a caller holding a server's grant
 * needs the admin role (src/app/authorise.ts) as well.
 */
import { stageOf } from '../contract/types.js';
import { field, msg, TollgateError } from '../errors.js';
import { GATES } from '../gates/index.js';
import { canOverride, peopleOf } from '../policy/people.js';
import { didYouMean } from '../text/nearest.js';
import { authorise } from './authorise.js';
import type { AppRequest } from './services.js';

export interface AuthorisedOverride {
  gate: string;
  reason: string;
  actor: string;
}

/**
 * Checks the caller's requested overrides of `gates` in `stageName` and returns them ready for
 * decide(), each carrying the caller as its actor.
 * @throws TollgateError USAGE for a missing reason or a gate the stage does not use; NOT_ALLOWED when
 * the contract does not let the caller override the gate there.
 */
export function authoriseOverrides(
  ctx: AppRequest,
  stageName: string,
  gates: readonly string[],
  reason: string | undefined,
): AuthorisedOverride[] {
  if (gates.length === 0) {
    if (reason !== undefined)
      throw new TollgateError('USAGE', msg`${field('reason')} goes with ${field('override')} GATE`);
    return [];
  }
  const why = reason?.trim();
  if (!why)
    throw new TollgateError(
      'USAGE',
      msg`${field('override')} needs ${field('reason')}: the reason is recorded and shown in every later decision`,
    );
  authorise(ctx.caller.grant, 'override', ctx.contract.pipeline, stageName);
  const stage = stageOf(ctx.contract, stageName);
  const used = GATES.filter((gate) => gate.select(stage) !== undefined).map((gate) => gate.key);
  const people = peopleOf(ctx.contract);
  const actor = ctx.caller.principal;
  const out: AuthorisedOverride[] = [];
  for (const gate of new Set(gates)) {
    if (!used.includes(gate)) {
      throw new TollgateError(
        'USAGE',
        msg`${field('override')} ${gate}: stage ${stageName} has no gate "${gate}"; its gates are ${used.join(', ')}${didYouMean(gate, used)}`,
      );
    }
    const allowed = canOverride(people, actor, gate, stageName);
    if (!allowed.allowed)
      throw new TollgateError('NOT_ALLOWED', msg`${field('override')} ${gate}: ${allowed.reason}`);
    out.push({ gate, reason: why, actor });
  }
  return out;
}
