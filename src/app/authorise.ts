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

/**
 * Acts that are about one stage, so a grant limited to some stages is checked against the stage.
 * `attest` is one when the evidence is produced in a stage (`--in STAGE`, a verification's stage, a
 * CDEvent's environment): a gate that asks for results or a verification *in staging* must not be
 * satisfied by a job that may act only in dev. Evidence about the artifact itself has no stage.
 */
const STAGE_ACTIONS: ReadonlySet<Action> = new Set(['promote', 'rollback', 'approve', 'override', 'attest']);

/**
 * What a server granted its caller: a role, on some pipelines (or every one) and, optionally, only
 * some stages. A caller without a grant (the CLI against a local ledger) is not limited by roles.
 */
export interface Grant {
  role: Role;
  /** The pipelines the grant covers; `'*'` for every pipeline. */
  pipelines: readonly string[] | '*';
  /**
   * When given, stage-bound acts (promote, approve, rollback, override, and evidence recorded in a
   * stage) only in these stages; tokens made with such a grant cover these stages at most.
   */
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

/** What a token covers, as far as who may make or revoke it is concerned. */
export interface TokenScope {
  /** Pipeline names, `*` among them for every pipeline (or `'*'` itself, as a kept token says it). */
  pipelines: readonly string[] | '*';
  stages?: readonly string[];
}

/**
 * Checks that a grant may make or revoke a token of `scope`: an admin of some pipelines manages
 * tokens for those pipelines only, and an admin of some stages manages only tokens bound to those
 * stages. A token never does more than the credential that made it could: otherwise an admin of
 * `dev` would make itself an admin of every stage, `prod` included, in one request.
 * @throws TollgateError NOT_ALLOWED saying what the grant lacks
 * @example authoriseTokenScope({ role: 'admin', pipelines: ['shop'], stages: ['dev'] }, { pipelines: ['shop'] }) // throws
 */
export function authoriseTokenScope(grant: Grant | undefined, scope: TokenScope): void {
  if (!grant) return;
  for (const pipeline of scope.pipelines === '*' ? ['*'] : scope.pipelines) {
    authorise(grant, 'tokens', pipeline === '*' ? undefined : pipeline);
    if (pipeline === '*' && grant.pipelines !== '*')
      throw new TollgateError(
        'NOT_ALLOWED',
        'only an admin of every pipeline manages tokens for every pipeline (*)',
      );
  }
  if (!grant.stages) return;
  const allowed = grant.stages;
  const beyond =
    scope.stages === undefined || scope.stages.length === 0
      ? 'every stage'
      : scope.stages.filter((stage) => !allowed.includes(stage)).join(', ');
  if (beyond !== '')
    throw new TollgateError(
      'NOT_ALLOWED',
      `this credential manages tokens only for stages ${allowed.join(', ')}, not for ${beyond}: a token never covers more than the credential that makes it`,
    );
}

/**
 * True when a grant may manage a token of `scope` ({@link authoriseTokenScope} lets it through):
 * the tokens `GET /api/v1/tokens` lists to that grant. A stage-bound admin sees only tokens bound
 * to its own stages of its own pipelines, never the prod tokens of a pipeline it touches in dev.
 */
export function withinTokenScope(grant: Grant | undefined, scope: TokenScope): boolean {
  try {
    authoriseTokenScope(grant, scope);
    return true;
  } catch (error) {
    if (error instanceof TollgateError && error.code === 'NOT_ALLOWED') return false;
    throw error;
  }
}
