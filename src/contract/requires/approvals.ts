import { z } from 'zod';
import { foldName } from '../../policy/names.js';

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
        z
          .string()
          .regex(
            /^(author|promoter|attester:[A-Za-z0-9][A-Za-z0-9._-]*)$/,
            'expected "author", "promoter" or "attester:SUITE" (whoever attested that test suite or evidence kind)',
          ),
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
