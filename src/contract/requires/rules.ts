import { z } from 'zod';
import { checkRule } from '../../policy/cel.js';

export const ruleEntry = z
  .strictObject({
    name: z.string().min(1).describe('Shown in decisions.'),
    cel: z
      .string()
      .min(1)
      .describe('A CEL expression that must be true; the context is documented in docs/policy.md.'),
    message: z.string().min(1).optional().describe('What to tell people when the rule is false.'),
  })
  .describe('A custom rule in CEL, type-checked when the contract loads.');

export const rulesRequirement = z
  .array(ruleEntry)
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.forEach((rule, index) => {
      if (seen.has(rule.name))
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `rule name "${rule.name}" is used twice`,
        });
      seen.add(rule.name);
      const check = checkRule(rule.cel);
      if (!check.ok)
        ctx.addIssue({
          code: 'custom',
          path: [index, 'cel'],
          message: `rule "${rule.name}": ${check.message}`,
        });
    });
  })
  .describe('Custom rules in CEL; all must be true. A rule that errors when evaluated fails closed.');

export type RulesRequirement = z.infer<typeof rulesRequirement>;
