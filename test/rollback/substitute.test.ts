import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.js';
import { queryVariables, substituteQuery } from '../../src/rollback/substitute.js';

const vars = { digest: `sha256:${'c'.repeat(64)}`, stage: 'prod', pipeline: 'checkout' };

describe('substituteQuery', () => {
  it('replaces variables inside double- and single-quoted label values', () => {
    expect(substituteQuery('up{digest="$digest",env=\'$stage\'}', vars, 'c')).toBe(
      `up{digest="${vars.digest}",env='prod'}`,
    );
  });

  it('quotes a variable written outside a string, so it stays a string', () => {
    expect(substituteQuery('up{job=$pipeline}', vars, 'c')).toBe('up{job="checkout"}');
  });

  it('accepts the braced form, for a variable followed by letters', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a PromQL variable, not a template
    expect(substituteQuery('x{a="${stage}_eu"}', vars, 'c')).toBe('x{a="prod_eu"}');
  });

  it('escapes quotes and backslashes in values so they cannot end the string', () => {
    const hostile = { ...vars, stage: 'a"} or vector(1) #\\' };
    const out = substituteQuery('up{env="$stage"}', hostile, 'c');
    expect(out).toBe('up{env="a\\"} or vector(1) #\\\\"}');
    const single = substituteQuery("up{env='$stage'}", { ...vars, stage: "it's" }, 'c');
    expect(single).toBe("up{env='it\\'s'}");
    expect(substituteQuery('up{env=$stage}', hostile, 'c')).toBe('up{env="a\\"} or vector(1) #\\\\"}');
  });

  it('refuses a backtick string when the value holds a backtick', () => {
    expect(substituteQuery('up{env=`$stage`}', vars, 'c')).toBe('up{env=`prod`}');
    expect(() => substituteQuery('up{env=`$stage`}', { ...vars, stage: 'a`b' }, 'c')).toThrow(/backtick/);
  });

  it('leaves regex anchors inside strings and comments alone, and refuses unknown variables outside', () => {
    expect(substituteQuery('up{path=~"^/api$"}', vars, 'c')).toBe('up{path=~"^/api$"}');
    expect(substituteQuery('up{path=~"^/api$end"} # $foo', vars, 'c')).toBe('up{path=~"^/api$end"} # $foo');
    expect(() => substituteQuery('up * $foo', vars, 'condition "x"')).toThrow(TollgateError);
    expect(() => substituteQuery('up * $foo', vars, 'condition "x"')).toThrow(
      /condition "x": unknown variable \$foo/,
    );
  });

  it('escapes regex metacharacters in a regex matcher, so another stage cannot match', () => {
    const dotted = { ...vars, stage: 'prod.eu', pipeline: 'shop+1' };
    // RE2 must see `prod\.eu`; inside a "…" or '…' string that backslash is written twice.
    expect(substituteQuery('up{env=~"$stage"}', dotted, 'c')).toBe('up{env=~"prod\\\\.eu"}');
    expect(substituteQuery("up{env!~ '$stage-.*'}", dotted, 'c')).toBe("up{env!~ 'prod\\\\.eu-.*'}");
    // A backtick string has no escapes: RE2 sees the backslash as written.
    expect(substituteQuery('up{env=~`$stage|$pipeline`}', dotted, 'c')).toBe('up{env=~`prod\\.eu|shop\\+1`}');
    expect(substituteQuery('up{env=~$stage}', dotted, 'c')).toBe('up{env=~"prod\\\\.eu"}');
    // Equality matchers take the value as it is.
    expect(substituteQuery('up{env="$stage"}', dotted, 'c')).toBe('up{env="prod.eu"}');
  });

  it('escapes a value in label_replace: its regex matches the value only, its replacement never expands', () => {
    const odd = { ...vars, stage: 'prod.eu', pipeline: 'a$1|b' };
    // The fifth argument is a regex: a dot escaped, as in a matcher.
    expect(substituteQuery('label_replace(up, "s", "x", "job", "$stage-(.*)")', odd, 'c')).toBe(
      'label_replace(up, "s", "x", "job", "prod\\\\.eu-(.*)")',
    );
    // The third is a replacement: `$` is written `$$`, so `$1` in a value stays text.
    expect(substituteQuery('label_replace(up, "s", "$1-$pipeline", "job", "(.*)")', odd, 'c')).toBe(
      'label_replace(up, "s", "$1-a$$1|b", "job", "(.*)")',
    );
    expect(substituteQuery('label_join(up, "s", $stage, "a", "b")', odd, 'c')).toBe(
      'label_join(up, "s", "prod.eu", "a", "b")',
    );
  });

  it('refuses a value where it cannot tell how PromQL reads it', () => {
    const refused = [
      ['label_replace(up, "$stage", "a", "job", "(.*)")', /a label or metric name/],
      ['label_join(up, "x", "-", "$stage")', /a label or metric name/],
      ['count_values("$stage", up)', /cannot tell/],
      ['up * $digest', /cannot tell/],
      ['up == "$stage"', /cannot tell/],
      ['{"$stage"}', /a label or metric name/],
      ['up{env=~"[a-$stage]"}', /inside a character class/],
      ['up{env=~"\\\\$stage"}', /after a backslash/],
      ['up{env=~"\\x5b$stage]"}', /inside a character class/],
      ['up{env=~"\\\\Q$stage\\\\E"}', /\\Q/],
    ] as const;
    for (const [query, message] of refused) {
      expect(() => substituteQuery(query, vars, 'condition "x"'), query).toThrow(message);
    }
    // A class that is closed, a grouping and an escape before the value are fine.
    expect(substituteQuery('up{env=~"[[:alpha:]]+$stage"}', vars, 'c')).toBe('up{env=~"[[:alpha:]]+prod"}');
    expect(substituteQuery('sum by (a, b) (up{env=~"\\\\.$stage", x="$pipeline"})', vars, 'c')).toBe(
      'sum by (a, b) (up{env=~"\\\\.prod", x="checkout"})',
    );
  });

  it('does not read an escaped quote as the end of a string', () => {
    expect(substituteQuery('up{a="\\"$stage"}', vars, 'c')).toBe('up{a="\\"prod"}');
  });

  it('refuses an unterminated string', () => {
    expect(() => substituteQuery('up{a="$stage}', vars, 'c')).toThrow(/unterminated/);
  });

  it('lists the variables a query uses', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a PromQL variable, not a template
    expect(queryVariables('a{d="$digest"} / b{s=${stage}}')).toEqual(['digest', 'stage']);
  });
});
