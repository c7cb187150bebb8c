/**
 * Authorisation: who may do what, decided in the application layer for every shell. Every rule a
 * shell would otherwise check on its own goes here, so the CLI, the server and a library user get
 * the same answer: the roles a server grants its callers ({@link authorise}); overriding a gate is
 * authorised in src/app/overrides.ts on top of it.
 */
import { TollgateError } from '../errors.js';

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
