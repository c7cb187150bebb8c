/**
 * People in a contract: named groups of users (`groups: { release-managers: [alice, bob] }`),
 * principal lists that mix users and `group:NAME`, and who may override which gate. Pure: the
 * actor's name is resolved at the edge (src/app/actor.ts) and handed in.
 */

import { hasOwnKey, ownValue } from '../records.js';
import { didYouMean } from '../text/nearest.js';
import { foldName } from './names.js';

/** Who may override which gates, where (contract `overrides`). */
export interface OverrideGrant {
  /** Users or `group:NAME`. */
  by: string[];
  /** Gate keys this grant covers; when absent, every gate but those in EXPLICIT_OVERRIDE_GATES. */
  gates?: string[];
  /** Stages this grant covers; all stages when absent. */
  stages?: string[];
}

export interface People {
  /** Who may change the contract once pinned (users or `group:NAME`); nobody when empty. */
  admins: string[];
  groups: Record<string, string[]>;
  overrides: OverrideGrant[];
}

/** A problem found in the people sections, at a path from the contract's top. */
export interface PeopleIssue {
  path: (string | number)[];
  message: string;
}

const GROUP_PREFIX = 'group:';

/** The admins, groups and override grants of a contract (absent sections are empty). */
export function peopleOf(contract: object): People {
  const value = contract as {
    admins?: string[];
    groups?: Record<string, string[]>;
    overrides?: OverrideGrant[];
  };
  return { admins: value.admins ?? [], groups: value.groups ?? {}, overrides: value.overrides ?? [] };
}

/** The group a principal names (`group:NAME` → `NAME`), or undefined for a user. */
export function groupName(principal: string): string | undefined {
  return principal.startsWith(GROUP_PREFIX) ? principal.slice(GROUP_PREFIX.length) : undefined;
}

/**
 * The users a list of principals stands for, groups expanded (groups may name groups; a cycle is
 * reported by `checkPeople`, and expansion simply stops at a group it has seen).
 * @example expandPrincipals(['group:release-managers', 'carol'], { 'release-managers': ['alice', 'bob'] }) // Set { alice, bob, carol }
 */
export function expandPrincipals(
  principals: readonly string[],
  groups: Record<string, string[]>,
): Set<string> {
  const users = new Set<string>();
  const seen = new Set<string>();
  const visit = (principal: string) => {
    const group = groupName(principal);
    if (group === undefined) {
      users.add(principal);
      return;
    }
    if (seen.has(group)) return;
    seen.add(group);
    for (const member of ownValue(groups, group) ?? []) visit(member);
  };
  for (const principal of principals) visit(principal);
  return users;
}

/**
 * Every user a contract gives a standing to by name, groups expanded: its admins, the members of
 * its groups, who may override a gate, and who may approve in a stage (`approvals.from`).
 * @example namedUsers({ admins: ['root'], groups: { rm: ['alice'] }, overrides: [] }, [['group:rm', 'bob']]) // Set { root, alice, bob }
 */
export function namedUsers(people: People, approvers: ReadonlyArray<readonly string[]>): Set<string> {
  return expandPrincipals(
    [
      ...people.admins,
      ...Object.keys(people.groups).map((group) => `${GROUP_PREFIX}${group}`),
      ...people.overrides.flatMap((grant) => grant.by),
      ...approvers.flat(),
    ],
    people.groups,
  );
}

/** The groups `user` belongs to, directly or through other groups, sorted. */
export function groupsOf(user: string, groups: Record<string, string[]>): string[] {
  return Object.keys(groups)
    .filter((name) => expandPrincipals([`${GROUP_PREFIX}${name}`], groups).has(user))
    .sort();
}

/** True when `user` is one of `principals` (directly or through a group). */
export function isPrincipal(
  user: string,
  principals: readonly string[],
  groups: Record<string, string[]>,
): boolean {
  return expandPrincipals(principals, groups).has(user);
}

/**
 * Gates a grant covers only when its `gates` names them. Each keeps something no reason can
 * restore: `from` that the digest entering is the one that passed upstream (waived, a build seen
 * nowhere enters prod), `rolledBack` a digest taken out for cause, `checkpoint` the ledger seal
 * the VSA carries. A grant written as "break glass for on-call" (no `gates`) means soak, windows,
 * approvals and the like, not letting a fresh local build skip staging.
 */
export const EXPLICIT_OVERRIDE_GATES: ReadonlySet<string> = new Set(['from', 'rolledBack', 'checkpoint']);

/**
 * Whether `actor` may override `gate` in `stage`, and if not, who may.
 * @example canOverride(people, 'alice', 'soak', 'prod') // { allowed: true }
 */
export function canOverride(
  people: People,
  actor: string,
  gate: string,
  stage: string,
): { allowed: true } | { allowed: false; reason: string } {
  const grants = people.overrides.filter(
    (grant) =>
      (grant.gates === undefined ? !EXPLICIT_OVERRIDE_GATES.has(gate) : grant.gates.includes(gate)) &&
      (grant.stages === undefined || grant.stages.includes(stage)),
  );
  if (grants.some((grant) => isPrincipal(actor, grant.by, people.groups))) return { allowed: true };
  if (grants.length === 0)
    return {
      allowed: false,
      // Say how to allow it: the fix is in the contract, not in the command.
      reason: `the contract lets nobody override gate "${gate}" in stage ${stage}; an entry of its \`overrides\` ({ by: [...], gates: [${gate}], stages: [${stage}] }) names who may${EXPLICIT_OVERRIDE_GATES.has(gate) ? ` (a grant without \`gates\` does not cover ${gate}: it must be named)` : ''}`,
    };
  const who = [...new Set(grants.flatMap((grant) => grant.by))].join(', ');
  return {
    allowed: false,
    reason: `${actor} may not override gate "${gate}" in stage ${stage}; the contract allows: ${who}`,
  };
}

/**
 * Checks references between the people sections and the rest of the contract: every `group:NAME`
 * names a group, groups do not contain themselves, and override grants name real stages.
 */
export function checkPeople(
  people: People,
  stages: Record<string, { requires?: Record<string, unknown> }>,
): PeopleIssue[] {
  const issues: PeopleIssue[] = [];
  const groupNames = Object.keys(people.groups);
  // Group names as identities compare them: a user written like a group, or two groups that differ
  // only in case, read as one name to a reviewer.
  const groupByFolded = new Map<string, string>();
  for (const name of groupNames) {
    const folded = foldName(name);
    const first = groupByFolded.get(folded);
    if (first === undefined) groupByFolded.set(folded, name);
    else
      issues.push({
        path: ['groups', name],
        message: `group "${name}" differs from group "${first}" only in case; names that read alike must not be two groups: rename one`,
      });
  }
  const checkRef = (principal: string, path: (string | number)[]) => {
    const group = groupName(principal);
    const lookalike = group === undefined ? groupByFolded.get(principal) : undefined;
    if (lookalike !== undefined) {
      issues.push({
        path,
        message: `"${principal}" is a user, but the contract has a group "${lookalike}"; as written it is one user of that name: write "group:${lookalike}" for the group, or rename the group`,
      });
      return;
    }
    if (group !== undefined && !hasOwnKey(people.groups, group)) {
      issues.push({
        path,
        message: `"${principal}" names no group; ${
          groupNames.length
            ? `groups are ${groupNames.join(', ')}${didYouMean(
                principal,
                groupNames.map((g) => `group:${g}`),
              )}`
            : 'the contract has no `groups` section'
        }`,
      });
    }
  };
  for (const [name, members] of Object.entries(people.groups)) {
    for (const [index, member] of members.entries()) checkRef(member, ['groups', name, index]);
    const seen = new Set<string>();
    const cycle = (group: string): boolean => {
      if (seen.has(group)) return group === name;
      seen.add(group);
      return (ownValue(people.groups, group) ?? []).some((member) => {
        const inner = groupName(member);
        return inner !== undefined && (inner === name || cycle(inner));
      });
    };
    if (cycle(name))
      issues.push({ path: ['groups', name], message: `group ${name} contains itself through its members` });
  }
  for (const [index, principal] of people.admins.entries()) checkRef(principal, ['admins', index]);
  for (const [index, grant] of people.overrides.entries()) {
    for (const [i, principal] of grant.by.entries()) checkRef(principal, ['overrides', index, 'by', i]);
    for (const [i, stage] of (grant.stages ?? []).entries()) {
      if (!hasOwnKey(stages, stage)) {
        issues.push({
          path: ['overrides', index, 'stages', i],
          message: `"${stage}" names no stage; stages are ${Object.keys(stages).join(', ')}${didYouMean(stage, Object.keys(stages))}`,
        });
      }
    }
  }
  for (const [stageName, stage] of Object.entries(stages)) {
    const approvals = stage.requires?.approvals as { count?: number; from?: string[] } | undefined;
    for (const [i, principal] of (approvals?.from ?? []).entries()) {
      checkRef(principal, ['stages', stageName, 'requires', 'approvals', 'from', i]);
    }
    // More approvals than `from` has people can never be given: the gate would refuse every digest
    // for a reason no decision names. The names are an upper bound on the people (one person may
    // have two forms of a name), so a count within it is never refused here.
    const from = approvals?.from;
    if (from === undefined || approvals?.count === undefined) continue;
    if (
      from.some(
        (principal) => groupName(principal) !== undefined && !hasOwnKey(people.groups, groupName(principal)!),
      )
    )
      continue;
    const named = [...expandPrincipals(from, people.groups)].sort();
    if (approvals.count > named.length)
      issues.push({
        path: ['stages', stageName, 'requires', 'approvals', 'count'],
        message: `${approvals.count} approvals, but \`from\` names ${named.length === 0 ? 'nobody' : `${named.length} ${named.length === 1 ? 'person' : 'people'} (${named.join(', ')})`}: the gate could never pass; lower \`count\`, or add approvers to \`from\``,
      });
  }
  return issues;
}
