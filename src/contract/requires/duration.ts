/**
 * The contract's exact durations (`soak`, rollback `within`/`for`/`interval`, metrics `timeout`):
 * validated and parsed once, when the contract loads, into their text and milliseconds.
 */
import { z } from 'zod';
import {
  DURATION_EXAMPLES,
  DURATION_PATTERN,
  type ExactDuration,
  parseExactDuration,
} from '../../policy/duration.js';

const MESSAGE = `expected a duration such as ${DURATION_EXAMPLES}`;

export const exactDuration = z
  .string()
  .regex(DURATION_PATTERN, MESSAGE)
  .transform((text, ctx): ExactDuration => {
    const ms = parseExactDuration(text);
    // The pattern admits units out of order ("30m1h") and lengths past what a number holds.
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: MESSAGE, input: text });
      return z.NEVER;
    }
    return { text, ms };
  })
  .describe('A duration: `24h`, `90m`, `1d12h` (units w, d, h, m, s, ms; largest first).');
