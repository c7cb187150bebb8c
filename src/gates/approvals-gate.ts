/**
 * Gate `approvals`: a quorum of eligible people approved this digest for this stage, and nobody's
 * rejection stands. Approvals are a policy, not a bypass: an approval by someone outside `from`, or
 * by someone `notBy` excludes (the author, the promoter, an attester), is recorded but not counted,
 * and the decision says why. While more approvals can still come, the gate is `pending` and names
 * who can give them; when too few eligible people remain, it fails.
 */
import type { ApprovalsRequirement } from '../contract/requires/approvals.js';
import type { ApprovalRecord } from '../ledger/ledger-view.js';
import { lastFailedVerificationIn, lastRollbackOutOf, ledgerRef } from '../ledger/ledger-view.js';
import { foldName, mayBeSamePerson, normaliseName, whySamePerson } from '../policy/names.js';
import { expandPrincipals, peopleOf } from '../policy/people.js';
import { ownValue } from '../records.js';
import {
  type DecisionItem,
  type GateContext,
  type GateDefinition,
  type GateResult,
  gateResult,
} from './gate.js';

const KEY = 'approvals';

/** The artifact's author: its `author` label, else whoever registered it. */
export function authorOf(context: GateContext): string | undefined {
  const label = context.facts.artifact.labels.author;
  // A label is free text as registered: compared as a name, like every actor.
  return label === undefined ? context.facts.ledger.registeredBy : foldName(label);
}

/**
 * Why the `author` label cannot be compared with anyone, or undefined when it can (or is absent).
 * A label that is not a name (`Dana Smith`, `dana` with a zero-width space, a Cyrillic look-alike)
 * would match no actor, and the author's own approval would count: nobody's approval can then be
 * told apart from the author's. Registration refuses such labels; this covers older entries.
 */
export function unusableAuthorLabel(context: GateContext): string | undefined {
  const label = context.facts.artifact.labels.author;
  if (label === undefined) return undefined;
  const checked = normaliseName(label);
  return checked.ok
    ? undefined
    : `the artifact's author label ${JSON.stringify(label)} ${checked.problem}, so no approval can be told apart from the author's`;
}

/**
 * Why `actor` counts as the artifact's author under `notBy: author`, or undefined. The `author`
 * label names the author, and whoever registered the artifact counts as well: the label is the
 * registrant's own claim, so writing someone else's name in it must not let the registrant
 * approve what they put in.
 */
function authorship(context: GateContext, actor: string): string | undefined {
  const unusable = unusableAuthorLabel(context);
  if (unusable !== undefined) return unusable;
  const author = authorOf(context);
  if (author === actor) return `${actor} is the artifact's author`;
  const registrant = context.facts.ledger.registeredBy;
  if (registrant === actor)
    return `${actor} registered the artifact (its author label names ${author || 'nobody'}; the registrant counts as an author too)`;
  if (author && mayBeSamePerson(author, actor))
    return `${actor} may be ${author}, the artifact's author${whySamePerson(author, actor)}`;
  if (registrant && mayBeSamePerson(registrant, actor))
    return `${actor} may be ${registrant}, who registered the artifact${whySamePerson(registrant, actor)}`;
  // A CI job registered it: the person who triggered the job put the build in as much as the job.
  for (const behind of context.facts.ledger.registeredFor ?? []) {
    if (behind === actor) return `${actor} triggered the job that registered the artifact (${registrant})`;
    if (mayBeSamePerson(behind, actor))
      return `${actor} may be ${behind}, who triggered the job that registered the artifact (${registrant})${whySamePerson(behind, actor)}`;
  }
  return undefined;
}

/**
 * The latest ledger event that voided earlier approvals of this digest for this stage: its last
 * rollback out of the stage, or its last failed post-deploy verification in the stage, whichever
 * came later in the ledger. Either is news the approvers did not have.
 */
export function approvalsVoidedBy(context: GateContext): { seq: number; what: string } | undefined {
  const digest = context.facts.artifact.digest;
  const stage = context.stageName;
  const rollback = lastRollbackOutOf(context.facts.ledger, digest, stage);
  const failed = lastFailedVerificationIn(context.facts.ledger, digest, stage);
  if (failed !== undefined && (rollback === undefined || failed.seq > rollback.seq)) {
    return {
      seq: failed.seq,
      what: `the failed post-deploy verification in ${stage} reported by ${failed.actor} at ${failed.at} (${ledgerRef(failed.seq)})`,
    };
  }
  if (rollback === undefined) return undefined;
  return {
    seq: rollback.seq,
    what: `the rollback out of ${stage} by ${rollback.actor} at ${rollback.at} (${ledgerRef(rollback.seq)})`,
  };
}

/** The latest word of each person about this digest in this stage, voided or not. */
function allLatestWords(context: GateContext): ApprovalRecord[] {
  const digest = context.facts.artifact.digest;
  const latest = new Map<string, ApprovalRecord>();
  const records = [...(context.facts.ledger.approvals ?? [])].sort((a, b) => a.seq - b.seq);
  for (const record of records) {
    if (record.artifact !== digest || record.stage !== context.stageName) continue;
    if (record.decision === 'withdraw') latest.delete(record.actor);
    else latest.set(record.actor, record);
  }
  return [...latest.values()];
}

/**
 * The latest word of each person about this digest in this stage (withdrawals remove it).
 * Approvals given before the digest was last rolled back out of the stage, or before its last
 * failed post-deploy verification there, no longer count: they approved what was then known, and
 * the rollback or failure is news (`approvalsVoidedBy`). A rejection stands across either (it
 * bears the rejection out) until its author withdraws it or approves: a "no" is never dropped
 * silently.
 */
export function latestWords(context: GateContext): ApprovalRecord[] {
  return weighedWords(context).standing;
}

/**
 * One pass over the latest words: those that stand (`latestWords`), and the approvals that would
 * stand but for `approvalsVoidedBy`, with why they no longer count.
 */
function weighedWords(context: GateContext): {
  standing: ApprovalRecord[];
  voided: Array<{ record: ApprovalRecord; why: string }>;
} {
  const voidedBy = approvalsVoidedBy(context);
  const since = voidedBy?.seq ?? 0;
  const standing: ApprovalRecord[] = [];
  const voided: Array<{ record: ApprovalRecord; why: string }> = [];
  for (const word of allLatestWords(context)) {
    if (word.seq > since || word.decision === 'reject') standing.push(word);
    if (voidedBy !== undefined && word.decision === 'approve' && word.seq < voidedBy.seq)
      voided.push({ record: word, why: `given before ${voidedBy.what}; approve again` });
  }
  return { standing, voided };
}

/**
 * Why `actor`'s approval would not count, or undefined when it would. Used by the gate and by
 * `tollgate approve` to warn at once.
 * @example ineligibility(config, 'bob', context) // 'bob is the artifact's author'
 */
export function ineligibility(
  config: ApprovalsRequirement,
  actor: string,
  context: GateContext,
  /** When `actor` is a CI job: the people who triggered it, excluded as they would be. */
  actingFor?: readonly string[],
): string | undefined {
  const { groups } = peopleOf(context.contract);
  // `from` is not widened by the person behind a job: their push is not their approval.
  if (config.from && !expandPrincipals(config.from, groups).has(actor)) {
    return `${actor} is not among ${config.from.join(', ')}`;
  }
  for (const rule of config.notBy) {
    const why = exclusion(rule, actor, context, actingFor);
    if (why !== undefined) return why;
  }
  return undefined;
}

/**
 * Why `actor`'s approval would not count in this stage, as a person: under its `approvals` section,
 * `ineligibility`; without one, when it is the promoter's own in either form (as for re-approving a
 * rolled-back digest). Shared by the gate, the rules' `approvals[].counted` and `rolledBack`.
 */
export function approvalRefusal(
  config: ApprovalsRequirement | undefined,
  actor: string,
  context: GateContext,
  actingFor?: readonly string[],
): string | undefined {
  if (config !== undefined) return ineligibility(config, actor, context, actingFor);
  return promotership(actor, actingFor, context);
}

/** A name and the people behind it, as separation of duties compares them. */
function namesOf(record: { actor: string; actingFor?: readonly string[] | undefined }): string[] {
  return [record.actor, ...(record.actingFor ?? []).filter((name) => name !== record.actor)];
}

/**
 * Why `actor` (or the person `actingFor` it, a CI job's trigger) counts as the promoter, or
 * undefined. The promoter is the promoting caller and, when that caller is a CI job, the person
 * who triggered it: otherwise alice approves, pushes, and her job promotes, one person doing both.
 */
function promotership(
  actor: string,
  actingFor: readonly string[] | undefined,
  context: GateContext,
): string | undefined {
  const promoter = context.facts.actor;
  const sides: Array<[string, string, string]> = [[promoter, 'is the promoter', 'the promoter']];
  for (const behind of context.facts.actingFor ?? []) {
    if (behind === promoter) continue;
    const role = `triggered the promoting job ${promoter}`;
    sides.push([behind, role, `who ${role}`]);
  }
  for (const name of namesOf({ actor, actingFor })) {
    const subject = name === actor ? actor : `${actor} acted for ${name}, who`;
    for (const [other, is, who] of sides) {
      if (other === name) return `${subject} ${is}`;
      const why = whySamePerson(other, name);
      if (why !== undefined) return `${subject} may be ${other}, ${who}${why}`;
    }
  }
  return undefined;
}

/**
 * Each approval among `words` with why it does not count, or undefined when it does. An eligible
 * approval still adds nobody when another counted one may be the same person's in the other form
 * (`alice` and `alice@example.com`), as separation of duties reads names: otherwise one person
 * signing in by e-mail on the server and by login on the CLI would be two approvers. E-mail
 * addresses are taken before logins, so a login beside two addresses at different domains (two
 * people) adds nobody, and the count is the fewest people the names can stand for.
 */
export function approvalStandings(
  config: ApprovalsRequirement | undefined,
  words: readonly ApprovalRecord[],
  context: GateContext,
): Array<{ record: ApprovalRecord; why: string | undefined }> {
  const approvals = words.filter((word) => word.decision === 'approve');
  const refusals = new Map(approvals.map((r) => [r, approvalRefusal(config, r.actor, context, r.actingFor)]));
  const order = [...approvals].sort(
    (a, b) => Number(!a.actor.includes('@')) - Number(!b.actor.includes('@')) || a.seq - b.seq,
  );
  const kept: ApprovalRecord[] = [];
  for (const record of order) {
    if (refusals.get(record) !== undefined) continue;
    // A CI job's approval is its trigger's too: one person approving through two jobs, or by
    // hand and through a job, is one approver.
    let why: string | undefined;
    const same = kept.find((other) => {
      for (const theirs of namesOf(other))
        for (const mine of namesOf(record)) {
          const note = whySamePerson(theirs, mine);
          if (note === undefined) continue;
          const me = mine === record.actor ? record.actor : `${record.actor} acted for ${mine}, who`;
          const them = theirs === other.actor ? theirs : `${theirs} (for whom ${other.actor} acted)`;
          why =
            mine === theirs && mine !== record.actor
              ? `${me} already approved through ${other.actor}`
              : `${me} may be ${them}, whose approval already counts${note}`;
          return true;
        }
      return false;
    });
    if (same === undefined) kept.push(record);
    else refusals.set(record, why!);
  }
  return approvals.map((record) => ({ record, why: refusals.get(record) }));
}

/**
 * Why an approval by `actor`, added to the standing words, would add nobody to the quorum, or
 * undefined when it would count: `ineligibility`, or the same person's approval under the other
 * form of their name already counting (`alice` beside `alice@example.com`). For `tollgate approve`
 * and the dashboard's inbox, which say at once when an approval will not help.
 */
export function approvalWouldNotCount(
  config: ApprovalsRequirement,
  actor: string,
  context: GateContext,
  /** When `actor` is a CI job: the people who triggered it. */
  actingFor?: readonly string[],
): string | undefined {
  const others = latestWords(context).filter((word) => word.actor !== actor);
  const mine: ApprovalRecord = {
    seq: Number.MAX_SAFE_INTEGER,
    stage: context.stageName,
    artifact: context.facts.artifact.digest,
    actor,
    at: context.facts.now.toISOString(),
    decision: 'approve',
    ...(actingFor === undefined ? {} : { actingFor: [...actingFor] }),
  };
  const before = approvalStandings(config, others, context);
  const after = new Map(approvalStandings(config, [...others, mine], context).map((s) => [s.record, s.why]));
  const own = after.get(mine);
  if (own !== undefined) return own;
  // Kept, but in place of the same person's approval under the other form: adds nobody either.
  const displaced = before.find((b) => b.why === undefined && after.get(b.record) !== undefined);
  return displaced === undefined
    ? undefined
    : `${actor} may be ${displaced.record.actor}, whose approval already counts${whySamePerson(displaced.record.actor, actor)}`;
}

/**
 * Why one `notBy` rule excludes `actor`, or the person `actingFor` it (a CI job's trigger), or
 * undefined.
 */
function exclusion(
  rule: string,
  actor: string,
  context: GateContext,
  actingFor?: readonly string[],
): string | undefined {
  if (rule === 'promoter') return promotership(actor, actingFor, context);
  const own = exclusionOfName(rule, actor, context);
  if (own !== undefined) return own;
  for (const person of actingFor ?? []) {
    if (person === actor) continue;
    const behind = exclusionOfName(rule, person, context);
    if (behind !== undefined) return `${actor} acted for ${person}, and ${behind}`;
  }
  return undefined;
}

/** Why one `notBy` rule other than `promoter` excludes the name `actor`, or undefined. */
function exclusionOfName(rule: string, actor: string, context: GateContext): string | undefined {
  if (rule === 'author') return authorship(context, actor);
  if (rule.startsWith('attester:')) {
    const what = rule.slice('attester:'.length);
    const records = context.facts.evidence.filter(
      (record) => record.data.kind === what || (record.data.kind === 'tests' && record.data.suite === what),
    );
    // Each record with its attester's folded name, folded once for every check below.
    const attested = records.map((record) => ({ id: record.id, attester: foldName(record.actor) }));
    if (attested.some(({ attester }) => attester === actor)) return `${actor} attested ${what}`;
    const alias = attested.find(({ attester }) => mayBeSamePerson(attester, actor))?.attester;
    if (alias !== undefined)
      return `${actor} may be ${alias}, who attested ${what}${whySamePerson(alias, actor)}`;
    // A CI job attested it for someone (the person who triggered the job): theirs too.
    const behind = context.facts.ledger.evidenceActingFor ?? {};
    for (const { id, attester: job } of attested) {
      for (const person of ownValue(behind, id) ?? []) {
        if (person === actor) return `${actor} triggered the job ${job} that attested ${what}`;
        if (mayBeSamePerson(person, actor))
          return `${actor} may be ${person}, who triggered the job ${job} that attested ${what}${whySamePerson(person, actor)}`;
      }
    }
  }
  return undefined;
}

/**
 * Why `actor` may not waive this gate for this artifact, or undefined. Separation of duties holds
 * for a waiver as for an approval: an author (or an excluded attester) who may override gates
 * would otherwise approve their own build with `--override approvals`. `notBy: promoter` is left
 * out: whoever overrides is the promoter by construction, and the contract's `overrides` section
 * names them on purpose.
 */
export function overrideRefusal(
  config: ApprovalsRequirement,
  actor: string,
  context: GateContext,
): string | undefined {
  // The overrider is the promoter: when a CI job, the people who triggered it waive it as well.
  const actingFor = actor === context.facts.actor ? context.facts.actingFor : undefined;
  for (const rule of config.notBy) {
    if (rule === 'promoter') continue;
    const why = exclusion(rule, actor, context, actingFor);
    if (why !== undefined) return `${why}, and notBy: [${rule}] keeps them from waiving approvals too`;
  }
  return undefined;
}

function describeFrom(config: ApprovalsRequirement): string {
  return config.from ? config.from.join(', ') : 'anyone';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function evaluateApprovals(config: ApprovalsRequirement, context: GateContext): GateResult {
  const unusable = config.notBy.includes('author') ? unusableAuthorLabel(context) : undefined;
  if (unusable !== undefined) {
    return gateResult(KEY, 'fail', `notBy author cannot be enforced: ${unusable}`, {
      required: [
        {
          gate: KEY,
          text: `an author that is a name: ${unusable}; register the build again (a new digest) with --label author=LOGIN, one word as its author signs in`,
        },
      ],
    });
  }
  const { standing: words, voided } = weighedWords(context);
  const rejections = words.filter((w) => w.decision === 'reject');
  const counted: ApprovalRecord[] = [];
  const notCounted: Array<{ record: ApprovalRecord; why: string }> = [];
  for (const { record, why } of approvalStandings(config, words, context)) {
    if (why === undefined) counted.push(record);
    else notCounted.push({ record, why });
  }
  notCounted.push(...voided);
  const validated: DecisionItem[] = counted.map((r) => ({
    gate: KEY,
    text: `approved by ${r.actor} at ${r.at}${r.comment ? `: "${r.comment}"` : ''}`,
    evidence: [ledgerRef(r.seq)],
  }));
  const notes = notCounted.map(({ record, why }) => `${record.actor}'s approval does not count: ${why}`);
  const noteText = notes.length ? ` (${notes.join('; ')})` : '';

  if (rejections.length > 0) {
    return gateResult(KEY, 'fail', `rejected by ${rejections.map((r) => r.actor).join(', ')}${noteText}`, {
      validated,
      required: rejections.map((r) => ({
        gate: KEY,
        text: `${r.actor} rejected at ${r.at}${r.comment ? `: "${r.comment}"` : ''}; blocked until ${r.actor} withdraws it (\`tollgate reject ${context.stageName} --artifact DIGEST --withdraw\`) or approves`,
        evidence: [ledgerRef(r.seq)],
      })),
    });
  }

  if (counted.length >= config.count) {
    return gateResult(KEY, 'pass', `${counted.length} of ${config.count} approvals${noteText}`, {
      validated,
    });
  }

  const missing = config.count - counted.length;
  const candidates = eligibleCandidates(config, context, new Set(words.flatMap((w) => namesOf(w))));
  if (candidates !== undefined && candidates.length < missing) {
    const who = candidates.length
      ? `only ${candidates.join(', ')} can still approve`
      : 'nobody eligible is left to approve';
    return gateResult(KEY, 'fail', `${counted.length} of ${config.count} approvals and ${who}${noteText}`, {
      validated,
      required: [
        {
          gate: KEY,
          text: `${plural(missing, 'more approval')} from ${describeFrom(config)}, but ${who}${noteText}; change the approvers in the contract or the promoter`,
        },
      ],
    });
  }
  const who = candidates === undefined ? `anyone${exclusions(config, context)}` : candidates.join(', ');
  return gateResult(KEY, 'pending', `${counted.length} of ${config.count} approvals${noteText}`, {
    validated,
    required: [
      {
        gate: KEY,
        text: `${plural(missing, 'more approval')} from ${describeFrom(config)}; can approve: ${who} (\`tollgate approve ${context.stageName} --artifact DIGEST\`)${noteText}`,
      },
    ],
  });
}

/** Eligible people who have not yet said anything; undefined when anyone may approve. */
function eligibleCandidates(
  config: ApprovalsRequirement,
  context: GateContext,
  spoke: Set<string>,
): string[] | undefined {
  if (!config.from) return undefined;
  const { groups } = peopleOf(context.contract);
  return (
    [...expandPrincipals(config.from, groups)]
      // Someone who spoke in another form (`alice@example.com` for `alice`) has spoken too.
      .filter((person) => ![...spoke].some((actor) => mayBeSamePerson(actor, person)))
      .filter((person) => ineligibility(config, person, context) === undefined)
      .sort()
  );
}

function exclusions(config: ApprovalsRequirement, context: GateContext): string {
  const excluded: string[] = [];
  const author = authorOf(context);
  const registrant = context.facts.ledger.registeredBy;
  if (config.notBy.includes('author') && author) excluded.push(`${author} (author)`);
  if (config.notBy.includes('author') && registrant && registrant !== author)
    excluded.push(`${registrant} (registrant)`);
  for (const person of context.facts.ledger.registeredFor ?? [])
    if (config.notBy.includes('author') && person !== author)
      excluded.push(`${person} (who triggered the registering job)`);
  if (config.notBy.includes('promoter')) excluded.push(`${context.facts.actor} (promoter)`);
  for (const person of context.facts.actingFor ?? [])
    if (config.notBy.includes('promoter') && person !== context.facts.actor)
      excluded.push(`${person} (who triggered the promoting job)`);
  for (const rule of config.notBy.filter((r) => r.startsWith('attester:')))
    excluded.push(`attesters of ${rule.slice(9)}`);
  return excluded.length ? ` except ${excluded.join(', ')}` : '';
}

export const approvalsGate: GateDefinition<ApprovalsRequirement> = {
  key: KEY,
  select: (stage) => stage.requires.approvals,
  evaluate: evaluateApprovals,
  overrideRefusal,
};
