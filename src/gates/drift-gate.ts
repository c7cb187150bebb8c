/**
 * The drift gate: holds the stage's config drift against its budget. The drift report is computed
 * at the edge (src/app/drift.ts reads the config files) and handed in as `facts.extra.drift`; this
 * gate only turns it into the decision's three lists. Declared differences, differences allowed by
 * a numeric or `any` budget, stale and expired declarations are remaining risk; a class over its
 * budget is required, with its paths.
 */
import type { DriftRequirement } from '../contract/requires/drift.js';
import type { ContractStage } from '../contract/types.js';
import { formatChange } from '../drift/render.js';
import type { DriftDifference } from '../drift/report.js';
import { type DecisionItem, type GateDefinition, gateResult } from './gate.js';

const SHOWN = 10;

function listPaths(differences: DriftDifference[]): string {
  const shown = differences.slice(0, SHOWN).map((difference) => {
    const why = difference.note === undefined ? '' : ` [${difference.note}]`;
    return `${difference.path} (${difference.kind} ${formatChange(difference)})${why}`;
  });
  const more = differences.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

export const driftGate: GateDefinition<DriftRequirement> = {
  key: 'drift',
  select: (stage: ContractStage) => stage.requires.drift,
  evaluate(_config, context) {
    const fact = context.facts.extra.drift;
    if (fact === undefined) {
      return gateResult('drift', 'fail', 'no drift report', {
        required: [
          {
            gate: 'drift',
            text: `a drift report for ${context.stageName} (its config files against its upstream's)`,
          },
        ],
      });
    }
    if (fact.reports.length === 0) {
      return gateResult('drift', 'pass', 'no upstream stage to compare with', {
        validated: [
          {
            gate: 'drift',
            text: `${context.stageName} has no upstream stage, so no config drift to hold against a budget`,
          },
        ],
      });
    }
    const validated: DecisionItem[] = [];
    const risks: DecisionItem[] = [];
    const required: DecisionItem[] = [];
    const summaries: string[] = [];
    for (const report of fact.reports) {
      const upstream = report.upstream.stage;
      if (report.downstream.stage !== context.stageName) {
        required.push({
          gate: 'drift',
          text: `a drift report for ${context.stageName}; the one given is for ${report.downstream.stage}`,
        });
        continue;
      }
      for (const use of report.classes) {
        const inClass = report.differences.filter((difference) => difference.class === use.class);
        const undeclared = inClass.filter((difference) => !difference.declared);
        if (use.over) {
          required.push({
            gate: 'drift',
            text: `${use.class} drift vs ${upstream}: ${use.undeclared} undeclared / budget ${use.budget} — over budget: ${listPaths(undeclared)}`,
          });
        } else if (undeclared.length > 0) {
          risks.push({
            gate: 'drift',
            text: `${use.class} drift vs ${upstream}: ${undeclared.length} undeclared within budget ${use.budget}: ${listPaths(undeclared)}`,
          });
        }
        for (const difference of inClass.filter((entry) => entry.declared).slice(0, SHOWN * 2)) {
          risks.push({
            gate: 'drift',
            text: `declared ${use.class} difference vs ${upstream}: ${difference.path} (${difference.reason})`,
          });
        }
      }
      for (const stale of report.stale) {
        risks.push({
          gate: 'drift',
          text: `stale drift declaration ${stale.path} (${stale.class}: ${stale.reason}) matches no difference vs ${upstream}`,
        });
      }
      for (const expired of report.expired) {
        risks.push({
          gate: 'drift',
          text: `drift declaration ${expired.path} (${expired.reason}) expired on ${expired.until}; it no longer excuses anything`,
        });
      }
      const over = report.classes.filter((use) => use.over).map((use) => use.class);
      if (over.length === 0) {
        const counts = report.classes.map((use) => `${use.class} ${use.undeclared}/${use.budget}`).join(', ');
        validated.push({ gate: 'drift', text: `config drift vs ${upstream} within budget (${counts})` });
      }
      summaries.push(
        over.length === 0
          ? `${report.differences.length} difference(s) vs ${upstream}, within budget`
          : `over budget vs ${upstream} in ${over.join(', ')}`,
      );
    }
    return gateResult(
      'drift',
      required.length > 0 ? 'fail' : 'pass',
      summaries.join('; ') || 'no drift report',
      {
        validated,
        risks,
        required,
      },
    );
  },
};
