/**
 * The top-level people sections of a contract: `groups` (named lists of users) and `overrides`
 * (who may override which gate, where). Spread `peopleShape` into the contract schema and run
 * `checkPolicyReferences` after parsing for the references between sections.
 */
import { z } from 'zod';
import { checkPeople, type PeopleIssue, peopleOf } from '../policy/people.js';
import { hasOwnKey } from '../records.js';
import { didYouMean } from '../text/nearest.js';
import { principal } from './requires/approvals.js';

export const groupsSection = z
  .record(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a group name: letters, digits, ".", "_" or "-"'),
    z.array(principal).min(1),
  )
  .describe('Named groups of users, referred to as `group:NAME` in approvals and overrides.');

export const overrideGrant = z
  .strictObject({
    by: z.array(principal).min(1).describe('Users and `group:NAME` allowed to override.'),
    gates: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        'Gate keys they may override; when absent, every gate but `from`, `rolledBack` and `checkpoint`, which must be named.',
      ),
    stages: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Stages where they may; all stages when absent.'),
  })
  .describe('Who may pass `promote --override GATE --reason …`; the override is recorded and shown as risk.');

export const overridesSection = z
  .array(overrideGrant)
  .describe('Who may override gates. Nobody may when absent.');

export const adminsSection = z
  .array(principal)
  .min(1)
  .describe(
    'Who may change this contract once a pipeline has pinned it (`tollgate contract update`, `contract push`): users and `group:NAME`. The admins of the contract in force decide, never those of the new one. Nobody may change it when absent.',
  );

/** Keys to spread into the top-level contract schema. */
export const peopleShape = {
  admins: adminsSection.optional(),
  groups: groupsSection.optional(),
  overrides: overridesSection.optional(),
};

/**
 * References across sections that a per-section schema cannot see: `group:NAME` names a group,
 * override stages exist, `soak.in`, `verifiedIn` and a suite's `in` name stages, soak has a stage to soak in.
 * Paths are from the contract's top, ready for the loader's line lookup.
 */
export function checkPolicyReferences(contract: {
  stages: Record<string, { from?: string | string[]; requires?: Record<string, unknown> }>;
}): PeopleIssue[] {
  const issues = checkPeople(peopleOf(contract), contract.stages);
  const stageNames = Object.keys(contract.stages);
  // `self` is the stage whose soak or verifiedIn names `name`: a digest is decided before it enters
  // that stage, so it cannot have soaked or been verified there yet, and the gate would refuse
  // every first promotion.
  const checkStage = (name: string, path: (string | number)[], self: string | undefined) => {
    if (!hasOwnKey(contract.stages, name))
      issues.push({
        path,
        message: `"${name}" names no stage; stages are ${stageNames.join(', ')}${didYouMean(name, stageNames)}`,
      });
    else if (name === self)
      issues.push({
        path,
        message: `"${name}" is the stage this requirement guards; a digest is checked before it enters ${name}, so it cannot have soaked or been verified there yet and the gate would refuse every first promotion: name an upstream stage`,
      });
  };
  for (const [name, stage] of Object.entries(contract.stages)) {
    const requires = stage.requires ?? {};
    // Loaded form (src/contract/requires/soak.ts): `in` is always a list when given.
    const soak = requires.soak as { in?: string[] } | undefined;
    if (soak !== undefined) {
      const base = ['stages', name, 'requires', 'soak'];
      const inStages = soak.in;
      if (inStages === undefined && stage.from === undefined) {
        issues.push({
          path: base,
          message: `stage ${name} has no \`from\`: say where to soak with { duration, in: STAGE }`,
        });
      }
      // One stage is most often written bare (`in: staging`): point at `in` itself then.
      for (const [i, s] of (inStages ?? []).entries())
        checkStage(s, inStages?.length === 1 ? [...base, 'in'] : [...base, 'in', i], name);
    }
    // A suite's `in` names the stage its evidence must come from; a typo would never match.
    const tests = requires.tests as { in?: string }[] | undefined;
    // Results attested in the stage itself may count (tests run in its environment before the
    // promotion is recorded): no `self` here.
    for (const [i, suite] of (tests ?? []).entries())
      if (suite.in !== undefined)
        checkStage(suite.in, ['stages', name, 'requires', 'tests', i, 'in'], undefined);
    const verifiedIn = requires.verifiedIn as string | string[] | undefined;
    if (typeof verifiedIn === 'string')
      checkStage(verifiedIn, ['stages', name, 'requires', 'verifiedIn'], name);
    else
      for (const [i, s] of (verifiedIn ?? []).entries())
        checkStage(s, ['stages', name, 'requires', 'verifiedIn', i], name);
  }
  return issues;
}
