/**
 * Claim rules: an identity an issuer vouched for (the claims of an ID token) becomes a principal
 * and a grant by the first rule of the server's configuration whose patterns all match. A claim a
 * rule names but the token lacks never matches; a token no rule matches is refused. An `email` the
 * issuer does not say it verified (`email_verified`) counts as absent.
 */
import type { Grant } from '../app/authorise.js';
import { TollgateError } from '../errors.js';
import { compileGlob } from '../text/glob.js';
import type { ClaimRule } from './config.js';

export interface ClaimMapping {
  principal: string;
  grant: Grant;
}

/**
 * A claim's value as the rules see it. An address the provider has not verified is one anybody may
 * have typed when signing up (OpenID Connect Core 5.1, `email_verified`): a rule granting
 * `*@example.com` must not grant it to whoever typed `erin@example.com`, whatever claim names the
 * person. Absent counts as not verified; Cognito writes the string "true".
 */
function claimOf(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (!Object.hasOwn(claims, name)) return undefined;
  if (name === 'email' && claims.email_verified !== true && claims.email_verified !== 'true')
    return undefined;
  return claims[name];
}

/** A claim's value as text, or undefined when it is absent or not a scalar. */
function claimText(claims: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = claimOf(claims, name);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** A list claim (`groups`) matches when any member matches; a scalar when it does. */
function claimValues(claims: Readonly<Record<string, unknown>>, name: string): string[] {
  const value = claimOf(claims, name);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  const text = claimText(claims, name);
  return text === undefined ? [] : [text];
}

function ruleMatches(rule: ClaimRule, claims: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(rule.match).every(([name, patterns]) => {
    const values = claimValues(claims, name);
    const globs = (Array.isArray(patterns) ? patterns : [patterns]).map((p) => compileGlob(p));
    return values.some((value) => globs.some((glob) => glob.matches(value)));
  });
}

/** Fills `{claim}` parts of a principal template; a missing claim or an unusable result is refused. */
function principalOf(template: string, claims: Readonly<Record<string, unknown>>): string {
  const name = template.replace(/\{([^{}]+)\}/g, (_, claim: string) => {
    const value = claimText(claims, claim);
    if (value === undefined)
      throw new TollgateError(
        'UNAUTHENTICATED',
        claim === 'email' && Object.hasOwn(claims, 'email')
          ? "the token's email, which names its principal, is not verified by its issuer (email_verified)"
          : `the token has no claim "${claim}", which names its principal`,
      );
    return value;
  });
  if (!/^[^\s\p{Cc}]{1,200}$/u.test(name))
    throw new TollgateError(
      'UNAUTHENTICATED',
      'the principal the token names has spaces or control characters',
    );
  return name;
}

/**
 * The principal and grant of the first matching rule.
 * @throws TollgateError NOT_ALLOWED when no rule matches (the token is genuine but grants nothing)
 */
export function mapClaims(
  rules: readonly ClaimRule[],
  claims: Readonly<Record<string, unknown>>,
  issuer: string,
): ClaimMapping {
  const rule = rules.find((candidate) => ruleMatches(candidate, claims));
  if (!rule) {
    throw new TollgateError(
      'NOT_ALLOWED',
      `no rule of the server's configuration for ${issuer} matches this token (subject ${claimText(claims, 'sub') ?? 'unknown'})`,
    );
  }
  return {
    principal: principalOf(rule.principal, claims),
    grant: {
      role: rule.role,
      pipelines: rule.pipelines.includes('*') ? '*' : rule.pipelines,
      ...(rule.stages ? { stages: rule.stages } : {}),
    },
  };
}
