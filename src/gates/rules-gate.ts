/**
 * Gate `rules`: custom CEL rules, all of which must be true. Each rule was type-checked when the
 * contract loaded; here it is evaluated over one context built once per decision. A rule that
 * errors (a missing key, a bad conversion) fails closed and the decision shows the error.
 */
import type { CompiledRuleEntry } from '../contract/requires/rules.js';
import { upstreamOf } from '../contract/types.js';
import { buildRuleContext, evaluateRule, measureRuleContext, type RuleContext } from '../policy/cel.js';
import { groupsOf, peopleOf } from '../policy/people.js';
import { ownValue } from '../records.js';
import { approvalStandings, authorOf, latestWords } from './approvals-gate.js';
import {
  type DecisionItem,
  type GateContext,
  type GateDefinition,
  type GateResult,
  gateResult,
} from './gate.js';

const KEY = 'rules';

/**
 * The CEL context for a decision (see src/policy/cel.ts and docs/policy.md). Evidence is converted
 * to CEL values only when some rule mentions it: an SBOM can hold 100,000 components.
 */
export function ruleContextOf(context: GateContext, withEvidence = true): RuleContext {
  const { facts } = context;
  return buildRuleContext({
    artifact: { ...facts.artifact, author: authorOf(context) ?? '' },
    stage: { name: context.stageName, purpose: context.stage.purpose, from: upstreamOf(context.stage) },
    actor: { name: facts.actor, groups: groupsOf(facts.actor, peopleOf(context.contract).groups) },
    now: facts.now,
    evidence: withEvidence
      ? facts.evidence.map((record) => {
          const seq = ownValue(facts.ledger.evidenceSeq ?? {}, record.id);
          return seq === undefined ? record : { ...record, seq };
        })
      : [],
    promotions: facts.ledger.promotions.filter((p) => p.artifact === facts.artifact.digest),
    approvals: approvalWords(context),
  });
}

/**
 * Each person's latest word, an approval marked `counted` when the stage's `approvals` section would
 * count it (in `from`, not excluded by `notBy`, not the same person as another counted approver);
 * without one, when it is not the promoter's own (as for re-approving a rolled-back digest). A rule
 * counting approvals by `decision` alone would count the author approving her own artifact, and
 * one counting `counted` must not count one person twice under two forms of a name.
 */
function approvalWords(context: GateContext) {
  const words = latestWords(context);
  const standings = new Map(
    approvalStandings(context.stage.requires.approvals, words, context).map((s) => [s.record, s.why]),
  );
  return words.map((w) => ({
    actor: w.actor,
    decision: w.decision,
    at: w.at,
    ...(w.comment ? { comment: w.comment } : {}),
    counted: w.decision === 'approve' && standings.get(w) === undefined,
  }));
}

export function evaluateRules(config: readonly CompiledRuleEntry[], context: GateContext): GateResult {
  const cel = ruleContextOf(
    context,
    config.some((rule) => rule.program.readsEvidence),
  );
  // The sizes each rule's step bound is held against; only a rule with a comprehension or `in` has one.
  const size = config.some((rule) => rule.program.cost.length > 0) ? measureRuleContext(cel) : undefined;
  const validated: DecisionItem[] = [];
  const required: DecisionItem[] = [];
  for (const rule of config) {
    const outcome = evaluateRule(rule.program, cel, rule.cel, size);
    if (!outcome.ok) {
      required.push({
        gate: KEY,
        text: `rule "${rule.name}" could not be evaluated, so it fails closed: ${outcome.error}`,
      });
    } else if (!outcome.value) {
      required.push({
        gate: KEY,
        text: `rule "${rule.name}": ${rule.message ?? `\`${rule.cel}\` is false`}`,
      });
    } else {
      validated.push({ gate: KEY, text: `rule "${rule.name}" holds` });
    }
  }
  const total = config.length;
  if (required.length > 0) {
    return gateResult(KEY, 'fail', `${total - required.length} of ${total} rules hold`, {
      validated,
      required,
    });
  }
  return gateResult(KEY, 'pass', `${total} of ${total} rules hold`, { validated });
}

export const rulesGate: GateDefinition<readonly CompiledRuleEntry[]> = {
  key: KEY,
  select: (stage) =>
    stage.requires.rules && stage.requires.rules.length > 0 ? stage.requires.rules : undefined,
  evaluate: evaluateRules,
};
