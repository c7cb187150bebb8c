/**
 * API tokens: made by an admin (on the server's database directly, or over the API), shown once,
 * stored as a hash, scoped to pipelines (and optionally stages), with an expiry, revocable.
 *
 * A token reads `tg_<id>_<secret>`: the id finds the row, the secret (32 random bytes) is checked
 * against the stored SHA-256 of it in constant time. The secret has 256 bits of entropy, so a fast
 * hash is enough: nobody can guess their way to it, and a leaked table gives nothing usable.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { NAME_PATTERN, NAME_RULE } from '../contract/schema.js';
import type { Contract } from '../contract/types.js';
import { field, msg, TollgateError } from '../errors.js';
import { sha256 } from '../ledger/hash-chain.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import type { TokenRecord } from '../ledger/token-store.js';
import { parseExactDuration } from '../policy/duration.js';
import { normaliseName } from '../policy/names.js';
import { namedUsers, peopleOf } from '../policy/people.js';
import { type Grant, ROLES, type Role } from './authorise.js';
import type { AppServices } from './services.js';

const TOKEN = /^tg_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;
const PRINCIPAL = /^[^\s\p{Cc}]{1,200}$/u;

/** Tokens last this long unless told otherwise; a year at most, so a forgotten token dies. */
export const DEFAULT_TOKEN_LIFETIME = '90d';
export const MAX_TOKEN_LIFETIME_MS = 366 * 86_400_000;

export interface CreateTokenOptions {
  role: string;
  /** Pipeline names, or `*` for every pipeline (admins of the whole server). */
  pipelines: readonly string[];
  /** Only these stages, for stage-bound acts (promote, approve, rollback, override). */
  stages?: readonly string[];
  /** The name the ledger records for its holder (default `<role>-<pipeline>`). */
  principal?: string;
  /** How long it lasts: a duration such as `30d` (default 90d, at most 366d). */
  expiresIn?: string;
  /**
   * The end of the credential making it (a token made over the API): the token never outlives
   * its maker, or a leak of a short-lived credential (a CI job's ID token) would be worth a year
   * and revoking a token would leave what it made working. An `expiresIn` past it is refused; the
   * default lifetime is cut to it.
   */
  notAfter?: Date;
  /**
   * The credential making it over the API, as the server names it (`token:<id>`, `oidc:<issuer>`,
   * `session`): kept with the token, so revoking an API token revokes what it made.
   */
  madeWith?: string;
}

export interface CreatedToken {
  /** The token itself: shown once, never stored. */
  token: string;
  record: TokenRecord;
}

/** Who a token authenticates, and what it was granted. */
export interface TokenIdentity {
  principal: string;
  grant: Grant;
  tokenId: string;
  /** Who made the token over the API, when that was someone other than its principal. */
  madeBy?: string;
  /** When the token expires (ms since the epoch). */
  expiresAt: number;
}

function isRole(role: string): role is Role {
  return (ROLES as readonly string[]).includes(role);
}

/**
 * Refuses a role that is not one of ROLES, naming the ones there are. The CLI asks it before it sends
 * `token create --server`, so a typo is named as the flag there too.
 * @throws TollgateError USAGE
 */
export function checkRole(role: string): Role {
  if (!isRole(role))
    throw new TollgateError('USAGE', msg`${field('role')} "${role}": expected one of ${ROLES.join(', ')}`);
  return role;
}

function secretHash(secret: string): string {
  return sha256(secret);
}

/**
 * Makes a token. `by` is who makes it (recorded with it), `at` when, `via` how: `api` for a caller
 * of the server's API, `database` for the operator (or a program) on the database itself.
 * @throws TollgateError USAGE for an unknown role, a bad pipeline or stage name, or a bad lifetime
 */
export async function createToken(
  services: AppServices,
  options: CreateTokenOptions,
  by: string,
  at: Date,
  via: 'api' | 'database' = 'database',
): Promise<CreatedToken> {
  const role = checkRole(options.role);
  if (options.pipelines.length === 0)
    throw new TollgateError(
      'USAGE',
      msg`a token needs at least one ${field('pipelines')} (or * for every pipeline)`,
    );
  const every = options.pipelines.includes('*');
  if (every && options.pipelines.length > 1)
    throw new TollgateError('USAGE', 'a token covers * (every pipeline) or named pipelines, not both');
  for (const name of [...(every ? [] : options.pipelines), ...(options.stages ?? [])]) {
    if (!NAME_PATTERN.test(name))
      throw new TollgateError('USAGE', `"${name}" is not a pipeline or stage name: ${NAME_RULE}`);
  }
  const principal = tokenPrincipal(options);
  if (!PRINCIPAL.test(principal))
    throw new TollgateError(
      'USAGE',
      `the principal name ${JSON.stringify(principal)} is not usable: one word of at most 200 characters, without spaces or control characters`,
    );
  // A name every request would be refused for (an invisible character, mixed scripts) is refused now.
  const checked = normaliseName(principal);
  if (!checked.ok)
    throw new TollgateError(
      'NAME_INVALID',
      `the principal name ${JSON.stringify(principal)} ${checked.problem}`,
    );
  const lifetimeMs = parseExactDuration(options.expiresIn ?? DEFAULT_TOKEN_LIFETIME) ?? Number.NaN;
  if (!(lifetimeMs > 0) || lifetimeMs > MAX_TOKEN_LIFETIME_MS)
    throw new TollgateError(
      'USAGE',
      msg`${field('expiresIn')} "${options.expiresIn ?? ''}": expected a duration of at most 366d, such as 30d or 12h`,
    );
  let expiresAt = at.getTime() + lifetimeMs;
  const end = options.notAfter?.getTime();
  if (end !== undefined && expiresAt > end) {
    if (options.expiresIn !== undefined) {
      const left = end - at.getTime();
      const most =
        left >= 60_000 ? `${Math.floor(left / 60_000)}m` : `${Math.max(0, Math.floor(left / 1000))}s`;
      throw new TollgateError(
        'NOT_ALLOWED',
        `a token made by this credential lives at most until it ends, at ${new Date(end).toISOString()}: expiresIn ${options.expiresIn} would outlive it; ask for at most ${most}`,
      );
    }
    expiresAt = end;
  }
  const id = randomBytes(10).toString('hex').slice(0, 16);
  const secret = randomBytes(32).toString('base64url');
  const record: TokenRecord = {
    id,
    principal,
    role,
    pipelines: every ? '*' : [...new Set(options.pipelines)],
    ...(options.stages && options.stages.length > 0 ? { stages: [...new Set(options.stages)] } : {}),
    createdAt: at.toISOString(),
    createdBy: by,
    expiresAt: new Date(expiresAt).toISOString(),
    ...(via === 'api' ? { madeVia: 'api' as const } : {}),
    ...(via === 'api' && options.madeWith !== undefined ? { madeWith: options.madeWith } : {}),
  };
  const store = await services.store();
  await store.tokens.insert(record, secretHash(secret));
  return { token: `tg_${id}_${secret}`, record };
}

/** The name a token records for its holder: the one given, else `<role>-<pipeline>` (`<role>-all` for `*`). */
export function tokenPrincipal(
  options: Pick<CreateTokenOptions, 'role' | 'pipelines' | 'principal'>,
): string {
  return (
    options.principal ?? `${options.role}-${options.pipelines.includes('*') ? 'all' : options.pipelines[0]}`
  );
}

/**
 * Refuses a token made over the API in a name that one of `contracts` (those in force for the
 * token's pipelines) gives a standing to: an admin of the contract, a member of one of its groups,
 * someone who may override a gate or approve. Only that person may make a token in their own name
 * over the API; the operator names anyone on the database (`tollgate token create`). Otherwise an
 * admin of the pipeline could make itself `root` and override as root, or approve as each of the
 * contract's approvers, and the ledger would name people who did nothing.
 * @throws TollgateError NOT_ALLOWED naming the contract and the name
 */
export function assertTokenName(maker: string, principal: string, contracts: readonly Contract[]): void {
  const name = normaliseName(principal);
  if (!name.ok) return; // createToken refuses it, saying why.
  const self = normaliseName(maker);
  if (self.ok && self.name === name.name) return;
  for (const contract of contracts) {
    if (namesWithStanding(contract).has(name.name))
      throw new TollgateError(
        'NOT_ALLOWED',
        `the contract of ${contract.pipeline} names ${name.name} (an admin, a group member, an approver or who may override): only ${name.name} may make a token in that name over the API; the operator makes one on the database with \`tollgate token create --name ${name.name}\``,
      );
  }
}

/** Everyone `contract` gives a standing to: its admins, group members, approvers and who may override. */
function namesWithStanding(contract: Contract): ReadonlySet<string> {
  const approvers = Object.values(contract.stages).map((stage) => stage.requires.approvals?.from ?? []);
  return namedUsers(peopleOf(contract), approvers);
}

/**
 * Refuses a token made over the API by someone else in a name that `contract` gives a standing to
 * now: {@link assertTokenName} refuses it when made, but a contract changed later can start naming
 * it (an admin of the pipeline makes a token `erin` today; `erin` becomes an approver tomorrow).
 * `principal` is the token's normalised name, `madeBy` its maker.
 * @throws TollgateError NOT_ALLOWED naming the token's name, its maker and what to do
 */
export function assertTokenActsForItsName(principal: string, madeBy: string, contract: Contract): void {
  if (!namesWithStanding(contract).has(principal)) return;
  throw new TollgateError(
    'NOT_ALLOWED',
    `this API token is named ${principal} and was made over the API by ${madeBy}, but the contract of ${contract.pipeline} now names ${principal} (an admin, a group member, an approver or who may override): a token acts in that name only when ${principal} made it, or the operator on the database (\`tollgate token create --name ${principal}\`); revoke this one`,
  );
}

/** True for a token an API caller made in a name other than their own. */
function madeByAnother(record: TokenRecord): boolean {
  if (record.madeVia !== 'api') return false;
  const maker = normaliseName(record.createdBy);
  const name = normaliseName(record.principal);
  return !(maker.ok && name.ok && maker.name === name.name);
}

const unauthenticated = (why: string) => new TollgateError('UNAUTHENTICATED', why);

/** True when `text` has the shape of an API token (so other bearer credentials go elsewhere). */
export function looksLikeApiToken(text: string): boolean {
  return text.startsWith('tg_');
}

/**
 * A presented API token, read once: its id and its secret's digest (the one SHA-256 of a request's
 * token, which its check compares and the server's failed-authentication limit knows it by). The
 * secret itself is not kept.
 */
export interface PresentedToken {
  /** The token as presented (`tg_<id>_<secret>`), to tell which credential this was read from. */
  readonly text: string;
  readonly id: string;
  /** SHA-256 of the secret, as the token's record keeps it. */
  readonly secretDigest: string;
}

/** Reads a presented token. @throws TollgateError UNAUTHENTICATED when it is malformed */
export function presentedToken(presented: string): PresentedToken {
  const token = readToken(presented);
  if (!token) throw unauthenticated('the API token is malformed: expected tg_<id>_<secret>');
  return token;
}

/** Reads a presented token; undefined when it is malformed. */
export function readToken(presented: string): PresentedToken | undefined {
  const match = TOKEN.exec(presented);
  return match
    ? { text: presented, id: match[1] as string, secretDigest: secretHash(match[2] as string) }
    : undefined;
}

/**
 * Who a presented token authenticates, at time `at`.
 * @throws TollgateError UNAUTHENTICATED for a malformed, unknown, wrong, revoked or expired token
 * (saying which, but never echoing the token)
 */
export async function verifyToken(
  services: AppServices,
  presented: string | PresentedToken,
  at: Date,
): Promise<TokenIdentity> {
  const token = typeof presented === 'string' ? presentedToken(presented) : presented;
  const store = await services.store();
  return tokenIdentityOf(await store.tokens.find(token.id), token, at);
}

/**
 * {@link verifyToken} from what the store keeps, without waiting: undefined when the token's
 * record is not kept (or `store` keeps nothing); then ask verifyToken. Refuses as it does.
 * @throws TollgateError UNAUTHENTICATED as verifyToken
 */
export function verifyKeptToken(
  store: LedgerStore,
  presented: string | PresentedToken,
  at: Date,
): TokenIdentity | undefined {
  const token = typeof presented === 'string' ? presentedToken(presented) : presented;
  const kept = store.tokens.findKept?.(token.id);
  return kept?.value === undefined ? undefined : tokenIdentityOf(kept.value, token, at);
}

/** What an unknown token's secret digest is compared with (so the comparison is made all the same). */
const NO_SUCH_TOKEN = Buffer.from(secretHash('no such token'));

/** Who the token with this record (undefined: no such token) authenticates at `at`. */
function tokenIdentityOf(
  found: { record: TokenRecord; secretHash: string } | undefined,
  { id, secretDigest }: PresentedToken,
  at: Date,
): TokenIdentity {
  const expected = found ? Buffer.from(found.secretHash) : NO_SUCH_TOKEN;
  const actual = Buffer.from(secretDigest);
  // Compared in constant time, and compared even for an unknown id, so timing tells nothing.
  const same = expected.length === actual.length && timingSafeEqual(expected, actual);
  if (!found || !same) throw unauthenticated('the API token is not valid');
  const { record } = found;
  if (record.revokedAt !== undefined)
    throw unauthenticated(`the API token ${id} was revoked at ${record.revokedAt}`);
  if (expiryOf(record) <= at.getTime())
    throw unauthenticated(`the API token ${id} expired at ${record.expiresAt}`);
  if (!isRole(record.role))
    throw new TollgateError('LEDGER_CORRUPT', `token ${id} holds the unknown role ${record.role}`);
  return {
    principal: record.principal,
    tokenId: id,
    grant: {
      role: record.role,
      pipelines: record.pipelines,
      ...(record.stages ? { stages: record.stages } : {}),
    },
    ...(madeByAnother(record) ? { madeBy: record.createdBy } : {}),
    expiresAt: expiryOf(record),
  };
}

/** A kept token record's expiry in ms, parsed once per record (every request reads it). */
const expiries = new WeakMap<TokenRecord, number>();
function expiryOf(record: TokenRecord): number {
  let ms = expiries.get(record);
  if (ms === undefined) {
    ms = Date.parse(record.expiresAt);
    expiries.set(record, ms);
  }
  return ms;
}

/** Every token, newest first, without secrets. */
export async function listTokens(services: AppServices): Promise<TokenRecord[]> {
  return (await services.store()).tokens.list();
}

/** The token with this id, without its secret; undefined when there is none. One read, not the list. */
export async function findToken(services: AppServices, id: string): Promise<TokenRecord | undefined> {
  return (await (await services.store()).tokens.find(id))?.record;
}

/** A revoked token, and the tokens revoked with it. */
export type RevokedToken = TokenRecord & {
  /** The ids of the tokens revoked with it now: those it made over the API, and those they made… */
  revokedWith: string[];
};

/**
 * Revokes a token and, in the same statement, every token it made over the API, and every token
 * those made, and so on: a stolen admin token's offspring stop working with it, not one request
 * later. Revoking one already revoked changes nothing of it and answers the same, but revokes what
 * it made that still works (a token revoked before its lineage was followed).
 * @throws TollgateError NOT_FOUND when there is no such token
 */
export async function revokeToken(
  services: AppServices,
  id: string,
  by: string,
  at: Date,
): Promise<RevokedToken> {
  const store = await services.store();
  const revoked = await store.tokens.revoke(id, by, at.toISOString());
  const found = await store.tokens.find(id);
  if (!found) throw new TollgateError('NOT_FOUND', `there is no token ${id}`);
  return { ...found.record, revokedWith: revoked.filter((other) => other !== id).sort() };
}
