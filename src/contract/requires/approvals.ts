import { z } from 'zod';
import { foldName } from '../../policy/names.js';
import { nearestName } from '../../text/nearest.js';

/**
 * A user name or `group:NAME`. User names load normalised (src/policy/names.ts: `Dana` is
 * `dana`), as every actor is, so approvals, `notBy`, overrides and admins compare by identity;
 * group names stay as written, being keys of `groups`.
 */
export const principal = z
  .string()
  .regex(/^(group:)?[A-Za-z0-9][A-Za-z0-9._@+-]*$/, 'expected a user name or group:NAME')
  .transform((name) => (name.startsWith('group:') ? name : foldName(name)))
  .describe('A user name, or `group:NAME` for a group from the top-level `groups`.');

const NOT_BY = /^(author|promoter|attester:[A-Za-z0-9][A-Za-z0-9._-]*)$/;

/** ` (did you mean …?)` for a misspelt `notBy` word (`promotr`, `Author`, `attestor:e2e`, `attester`). */
function notByHint(input: unknown): string {
  if (typeof input !== 'string') return '';
  const colon = input.indexOf(':');
  const word = colon === -1 ? input : input.slice(0, colon);
  const near = nearestName(
    word,
    ['author', 'promoter', 'attester'],
    Math.max(2, Math.floor(word.length / 2)),
  );
  if (near === undefined) return '';
  if (near !== 'attester') return colon === -1 ? ` (did you mean "${near}"?)` : '';
  const suite = colon === -1 ? '' : input.slice(colon + 1);
  const meant = `attester:${suite}`;
  return NOT_BY.test(meant)
    ? ` (did you mean "${meant}"?)`
    : ' (did you mean "attester:SUITE", naming the suite?)';
}

export const approvalsRequirement = z
  .strictObject({
    count: z.number().int().min(1).default(1).describe('How many eligible approvals are needed (default 1).'),
    from: z
      .array(principal)
      .min(1)
      .optional()
      .describe('Who may approve: users and `group:NAME`. Anyone may approve when absent.'),
    notBy: z
      .array(
        z.string().regex(NOT_BY, {
          error: (issue) =>
            `expected "author", "promoter" or "attester:SUITE" (whoever attested that test suite or evidence kind)${notByHint(issue.input)}`,
        }),
      )
      .default([])
      .describe(
        'Separation of duties: approvals by these people are recorded but not counted. `author` (the label `author`, and who registered the artifact), `promoter` (who promotes), `attester:SUITE` (who attested that test suite or evidence kind).',
      ),
  })
  .describe(
    'Approvals of this digest for this stage (`tollgate approve`); any rejection blocks until withdrawn.',
  );

export type ApprovalsRequirement = z.infer<typeof approvalsRequirement>;
