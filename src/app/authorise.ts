/**
 * Authorisation: who may do what, decided in the application layer for every shell. Every rule a
 * shell would otherwise check on its own goes here, so the CLI, the server and a library user get
 * the same answer: the roles a server grants its callers ({@link authorise}), and overriding a gate
 * (the contract's `overrides` section, and the admin role when the caller holds a grant).
 */
import { stageOf } from '../contract/types.js';
import { field, msg, TollgateError } from '../errors.js';
import { GATES } from '../gates/index.js';
import { canOverride, peopleOf } from '../policy/people.js';
import type { AppRequest } from './services.js';

/**
 * What a caller may do, by role. Every role reads; `ci` registers, attests, promotes and rolls
 * back; `approver` approves and rejects; `admin` does all of that and also overrides gates, pushes
 * contracts and manages tokens.
 */
export const ROLES = ['reader', 'ci', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** The acts a grant is checked against; each verb of the CLI and each route of the server is one of them. */
export const ACTIONS = [
  'read',
  'register',
  'attest',
  'promote',
  'rollback',
  'approve',
  'override',
  'contract',
  'tokens',
] as const;
export type Action = (typeof ACTIONS)[number];

const ROLE_ACTIONS: Readonly<Record<Role, readonly Action[]>> = {
  reader: ['read'],
  ci: ['read', 'register', 'attest', 'promote', 'rollback'],
  approver: ['read', 'approve'],
  admin: ACTIONS,
};

/** Acts that are about one stage, so a grant limited to some stages is checked against the stage. */
const STAGE_ACTIONS: ReadonlySet<Action> = new Set(['promote', 'rollback', 'approve', 'override']);

/**
 * What a server granted its caller: a role, on some pipelines (or every one) and, optionally, only
 * some stages. A caller without a grant (the CLI against a local ledger) is not limited by roles.
 */
export interface Grant {
  role: Role;
  /** The pipelines the grant covers; `'*'` for every pipeline. */
  pipelines: readonly string[] | '*';
  /** When given, stage-bound acts (promote, approve, rollback, override) only in these stages. */
  stages?: readonly string[];
}

/** True when `role` includes `action`. */
export function roleAllows(role: Role, action: Action): boolean {
  return ROLE_ACTIONS[role].includes(action);
}

/**
 * Checks a grant for one act on one pipeline (and stage, for stage-bound acts).
 * @throws TollgateError NOT_ALLOWED saying what the grant lacks
 * @example authorise({ role: 'ci', pipelines: ['checkout'] }, 'approve', 'checkout', 'prod') // throws
 */
export function authorise(
  grant: Grant | undefined,
  action: Action,
  pipeline: string | undefined,
  stage?: string,
): void {
  if (!grant) return;
  if (!roleAllows(grant.role, action)) {
    const roles = ROLES.filter((role) => roleAllows(role, action)).join(' or ');
    throw new TollgateError('NOT_ALLOWED', `the role ${grant.role} may not ${action}: that needs ${roles}`);
  }
  if (pipeline !== undefined && grant.pipelines !== '*' && !grant.pipelines.includes(pipeline)) {
    throw new TollgateError('NOT_ALLOWED', `this credential does not cover pipeline ${pipeline}`);
  }
  if (stage !== undefined && grant.stages && STAGE_ACTIONS.has(action) && !grant.stages.includes(stage)) {
    throw new TollgateError(
      'NOT_ALLOWED',
      `this credential may ${action} only in ${grant.stages.join(', ')}, not in ${stage}`,
    );
  }
}

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
