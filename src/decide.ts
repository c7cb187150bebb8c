/**
 * The pure core: contract × facts → Decision. No I/O here (a lint rule enforces it); the use cases
 * in src/app gather the facts and call this.
 */
import { describeLookalikes, shortDigest } from './artifact/digest.js';
import type { Contract } from './contract/types.js';
import type { Decision, Verdict } from './decision.js';
import { type Facts, type GateResult, gateResult } from './gates/gate.js';
import { GATES } from './gates/index.js';
import { rollbackGate } from './gates/rollback-gate.js';
import { rolledBackGate } from './gates/rolled-back-gate.js';
import { evidenceTrustedFor, signedByGate } from './gates/signed-by-gate.js';
import { recordedOverrideRisks } from './policy/overrides.js';
import { ownValue } from './records.js';

export interface DecideOptions {
  /** Gates the promoter overrides (already authorised by the caller), with the reason. */
  overrides?: ReadonlyArray<{ gate: string; reason: string; actor: string }>;
}

/**
 * Evaluates every gate the stage uses, in registry order, and folds them into one verdict:
 * any `fail` blocks; otherwise any `pending` makes the decision pending; otherwise allowed.
 * @example decide(contract, 'prod', facts).verdict // 'blocked'
 */
export function decide(
  contract: Contract,
  stageName: string,
  facts: Facts,
  options: DecideOptions = {},
): Decision {
  const stage = ownValue(contract.stages, stageName);
  if (!stage) throw new RangeError(`no stage "${stageName}" in the contract`);
  const context = { contract, stageName, stage, facts };
  // Under `signedBy`, evidence without a trusted signature is invisible to every other gate.
  const trusted = {
    ...context,
    facts: { ...facts, evidence: evidenceTrustedFor(stage, facts.evidence, facts.extra.signers) },
  };
  const gates: GateResult[] = [];
  for (const gate of GATES) {
    const config = gate.select(stage);
    if (config === undefined || (gate.appliesTo !== undefined && !gate.appliesTo(context))) continue;
    let result = gate.evaluate(config, gate.key === signedByGate.key ? context : trusted);
    const override = options.overrides?.find((o) => o.gate === gate.key);
    // Nothing to waive in a pass, nor in a gate that had nothing to judge.
    const waivable = override && result.status !== 'pass' && result.status !== 'not-applicable';
    const refused = waivable ? gate.overrideRefusal?.(config, override.actor, context) : undefined;
    if (override && refused !== undefined) {
      result = {
        ...result,
        required: [
          ...result.required,
          {
            gate: gate.key,
            text: `the override of ${gate.key} by ${override.actor} does not apply: ${refused}`,
          },
        ],
      };
    } else if (override && waivable) {
      result = gateResult(gate.key, 'waived', `overridden by ${override.actor}: ${override.reason}`, {
        validated: result.validated,
        risks: [
          ...result.risks,
          {
            gate: gate.key,
            text: `gate ${gate.key} was overridden by ${override.actor} ("${override.reason}"); it was: ${result.summary}`,
          },
          ...result.required.map((item) => ({ ...item, text: `waived: ${item.text}` })),
        ],
      });
    }
    gates.push(result);
  }
  const risks = [
    ...gates.flatMap((g) => g.risks),
    ...recordedOverrideRisks(facts.ledger, facts.artifact.digest),
  ];
  // A look-alike never blocks (anyone who may register could then hold up someone else's release),
  // but whoever reads this decision must compare the full digest, not the short one.
  if (facts.lookalikes?.length) {
    risks.push({
      gate: 'artifact',
      text: `${facts.artifact.digest} shares its short digest ${shortDigest(facts.artifact.digest)} with another registered artifact: ${describeLookalikes(facts.lookalikes)}; compare the full digest before trusting this decision`,
    });
  }
  // The rollback section says what will watch the promotion, and `rolledBack` only keeps a rolled-back
  // digest out: neither asks anything of an artifact entering, so alone they are no requirement.
  if (gates.every((g) => g.gate === rollbackGate.key || g.gate === rolledBackGate.key)) {
    risks.push({
      gate: 'contract',
      text: `stage ${stageName} has no requirements: anything registered may enter`,
    });
  }
  const verdict: Verdict = gates.some((g) => g.status === 'fail')
    ? 'blocked'
    : gates.some((g) => g.status === 'pending')
      ? 'pending'
      : 'allowed';
  // Every pending gate must pass before the stage opens, so the earliest the decision can change
  // to allowed is the latest of their times (soak ending inside a freeze window waits for it).
  const until = gates
    .filter((g) => g.status === 'pending' && g.until)
    .map((g) => g.until!)
    .sort()
    .at(-1);
  return {
    verdict,
    pipeline: contract.pipeline,
    stage: stageName,
    purpose: stage.purpose,
    artifact: {
      digest: facts.artifact.digest,
      labels: facts.artifact.labels,
      ...(facts.lookalikes?.length ? { lookalikes: [...facts.lookalikes] } : {}),
    },
    contract: { file: contract.file, digest: contract.digest },
    actor: facts.actor,
    evaluatedAt: facts.now.toISOString(),
    gates,
    validated: gates.flatMap((g) => g.validated),
    risks,
    required: gates.flatMap((g) => g.required),
    ...(verdict === 'pending' && until ? { until } : {}),
    ...(contract.demo === true ? { demo: true as const } : {}),
  };
}
