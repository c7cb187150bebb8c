/**
 * flagd's shared targeting rules (`$evaluators`) belong to the file that defines them: flagd writes
 * each `"$ref": "name"` in a flag's targeting with the members of that file's evaluator when it loads
 * the file (flagd's `transposeEvaluators`, the OpenFeature Java provider's `FlagParser`). The flags'
 * rules are what the application evaluates, so they are what drift compares.
 */
import { describe, expect, it } from 'vitest';
import { diffConfigs } from '../../src/drift/diff.js';
import { mergeConfig } from '../../src/drift/merge.js';
import { parseConfigBytes } from '../../src/drift/read-config.js';
import { tollgateErrorOf } from '../support/builders.js';

const encode = (text: string) => new TextEncoder().encode(text);

function stage(files: Array<[string, unknown]>) {
  return mergeConfig(files.flatMap(([name, json]) => parseConfigBytes(encode(JSON.stringify(json)), name)));
}

const checkout = (domain: string) => ({
  flags: {
    'new-checkout': {
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'off',
      targeting: { if: [{ $ref: 'staff' }, 'on', 'off'] },
    },
  },
  $evaluators: { staff: { ends_with: [{ var: 'email' }, domain] } },
});

const search = {
  flags: { 'fast-search': { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' } },
  $evaluators: { staff: { ends_with: [{ var: 'email' }, '@example.com'] } },
};

describe('flagd $evaluators', () => {
  it('shows a changed shared rule at each flag that uses it, even when a later file has evaluators too', () => {
    const upstream = stage([
      ['checkout.flagd.json', checkout('@example.com')],
      ['search.flagd.json', search],
    ]);
    // Prod turns the new checkout on for every address ending in "": everyone.
    const downstream = stage([
      ['checkout.flagd.json', checkout('')],
      ['search.flagd.json', search],
    ]);
    const differences = diffConfigs(upstream, downstream);
    expect(differences).toEqual([
      {
        path: 'flagd:/new-checkout/targeting/if/0/ends_with/1',
        kind: 'changed',
        before: '@example.com',
        after: '',
      },
    ]);
  });

  it('writes the rule into the targeting, keeping the members beside the reference', () => {
    const set = stage([
      [
        'f.flagd.json',
        {
          flags: {
            f: {
              state: 'ENABLED',
              variants: { on: true, off: false },
              defaultVariant: 'off',
              targeting: { if: [{ $ref: 'outer' }, 'on', 'off'] },
            },
          },
          $evaluators: { outer: { and: [{ $ref: 'inner' }, true] }, inner: { '==': [1, 1] } },
        },
      ],
    ]);
    expect(set.flagd).not.toHaveProperty('$evaluators');
    expect((set.flagd.f as { targeting: unknown }).targeting).toEqual({
      if: [{ and: [{ '==': [1, 1] }, true] }, 'on', 'off'],
    });
  });

  it('leaves a reference to no evaluator as written, and refuses a rule that refers to itself', () => {
    const flag = {
      state: 'ENABLED',
      variants: { on: true },
      defaultVariant: 'on',
      targeting: { if: [{ $ref: 'loop' }, 'on'] },
    };
    const unknown = stage([['u.flagd.json', { flags: { f: { ...flag, targeting: { $ref: 'none' } } } }]]);
    expect((unknown.flagd.f as { targeting: unknown }).targeting).toEqual({ $ref: 'none' });
    const error = tollgateErrorOf(() =>
      stage([['l.flagd.json', { flags: { f: flag }, $evaluators: { loop: { or: [{ $ref: 'loop' }] } } }]]),
    );
    expect(error.message).toBe(
      'l.flagd.json: invalid flagd definition: flag "f": evaluator "loop" refers to itself (loop → loop)',
    );
  });
});
