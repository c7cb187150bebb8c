import { z } from 'zod';
import { compileRule, type RuleProgram } from '../../policy/cel.js';

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

/** A rule as a loaded contract holds it: as written, and compiled. */
export type CompiledRuleEntry = z.infer<typeof ruleEntry> & { program: RuleProgram };

export const rulesRequirement = z
  .array(ruleEntry)
  .min(1, 'at least one rule ({ name, cel }): an empty `rules` checks nothing (remove `rules`)')
  // Each rule is type-checked and compiled here, once; the gate only evaluates the programs.
  .transform((rules, ctx): CompiledRuleEntry[] => {
    const seen = new Set<string>();
    const compiled: CompiledRuleEntry[] = [];
    rules.forEach((rule, index) => {
      if (seen.has(rule.name))
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `rule name "${rule.name}" is used twice`,
          input: rule.name,
        });
      seen.add(rule.name);
      const result = compileRule(rule.cel);
      if (result.ok) compiled.push({ ...rule, program: result.program });
      else
        ctx.addIssue({
          code: 'custom',
          path: [index, 'cel'],
          message: `rule "${rule.name}": ${result.message}`,
          input: rule.cel,
        });
    });
    return compiled.length === rules.length && seen.size === rules.length ? compiled : z.NEVER;
  })
  .describe('Custom rules in CEL; all must be true. A rule that errors when evaluated fails closed.');
