/**
 * Authorisation: who may do what, decided in the application layer for every shell. Every rule a
 * shell would otherwise check on its own goes here, so the CLI, the server and a library user get
 * the same answer. Today: overriding a gate (the contract's `overrides` section); the server's
 * roles will join these rules.
 */
import { stageOf } from '../contract/types.js';
import { field, msg, TollgateError } from '../errors.js';
import { GATES } from '../gates/index.js';
import { canOverride, peopleOf } from '../policy/people.js';
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
  const stage = stageOf(ctx.contract, stageName);
  const used = GATES.filter((gate) => gate.select(stage) !== undefined).map((gate) => gate.key);
  const people = peopleOf(ctx.contract);
  const actor = ctx.caller.principal;
  const out: AuthorisedOverride[] = [];
  for (const gate of new Set(gates)) {
    if (!used.includes(gate)) {
      throw new TollgateError(
        'USAGE',
        msg`${field('override')} ${gate}: stage ${stageName} has no gate "${gate}"; its gates are ${used.join(', ')}`,
      );
    }
    const allowed = canOverride(people, actor, gate, stageName);
    if (!allowed.allowed)
      throw new TollgateError('NOT_ALLOWED', msg`${field('override')} ${gate}: ${allowed.reason}`);
    out.push({ gate, reason: why, actor });
  }
  return out;
}
