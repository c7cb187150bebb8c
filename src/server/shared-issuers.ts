/**
 * Issuers that vouch for anybody: every repository on github.com and every project on gitlab.com
 * gets a CI token from the same issuer, for whatever audience its job asks for (the audience is the
 * job's choice, not a secret), and anybody with a Google account can sign in through Google. On
 * such an issuer a claim rule grants whoever it matches, so one that does not fix the owner (an
 * organisation, a group, a domain) grants strangers:
 * `match: { ref: refs/heads/main }` is every main branch on GitHub, `repository: "shop*"` is
 * `shop-evil/x` too, `match: {}` on Google is everyone. The server's configuration refuses such a
 * rule when it is read.
 */

/**
 * How a claim can fix the owner: by an exact value, a path whose first segment is exact, a subject
 * that begins with one of those, or an address whose domain is exact.
 */
type Binding = 'exact' | 'path' | 'subject' | 'domain';

interface SharedIssuer {
  /** Who mints there, for the message. */
  name: string;
  /** True for this issuer's `iss` (GitHub's enterprise issuers add a path after the host). */
  is(issuer: string): boolean;
  /** Claims that name the owner, and how a pattern on them must be written to fix it. */
  claims: Readonly<Record<string, Binding>>;
  /** Literal beginnings of a `sub` that fix the owner (a custom `sub` starts with its first key). */
  subjectPrefixes: readonly RegExp[];
  /** Why a rule there must fix the owner. */
  why: string;
  /** The claims to use, as the message names them. */
  hint: string;
}

const SHARED_ISSUERS: readonly SharedIssuer[] = [
  {
    name: 'GitHub Actions (any repository on github.com)',
    is: (issuer) => /^https:\/\/token\.actions\.githubusercontent\.com(\/.*)?$/.test(issuer),
    claims: {
      repository_owner: 'exact',
      repository_owner_id: 'exact',
      repository_id: 'exact',
      repository: 'path',
      sub: 'subject',
    },
    // `repo:OWNER/…` by default; an organisation's custom subject begins with the key it chose.
    subjectPrefixes: [/^repo:[^/*]+\//, /^(repository_owner|repository_owner_id|repository_id):[^:*]+:/],
    why: 'mints tokens for anybody, for any audience they ask for',
    hint: 'repository_owner, repository_owner_id, repository_id, repository (OWNER/NAME or OWNER/*) or sub (repo:OWNER/…)',
  },
  {
    name: 'GitLab.com (any project on gitlab.com)',
    is: (issuer) => /^https:\/\/gitlab\.com\/?$/.test(issuer),
    claims: {
      namespace_id: 'exact',
      project_id: 'exact',
      namespace_path: 'path',
      project_path: 'path',
      sub: 'subject',
    },
    subjectPrefixes: [/^project_path:[^/*]+\//],
    why: 'mints tokens for anybody, for any audience they ask for',
    hint: 'namespace_id, project_id, namespace_path or project_path (GROUP or GROUP/…) or sub (project_path:GROUP/…)',
  },
  {
    // People signing in (login.issuer): anybody with a Google account can finish a sign-in.
    name: 'Google (any Google account)',
    is: (issuer) => /^https:\/\/accounts\.google\.com\/?$/.test(issuer),
    claims: { hd: 'exact', email: 'domain', sub: 'exact' },
    subjectPrefixes: [],
    why: 'signs in anybody with a Google account',
    hint: 'hd (the Workspace domain), email (NAME@DOMAIN or *@DOMAIN) or sub',
  },
];

/** True when every string `pattern` may match begins with the same owner. */
function fixesOwner(pattern: string, binding: Binding, issuer: SharedIssuer): boolean {
  const star = pattern.indexOf('*');
  const literal = star < 0 ? pattern : pattern.slice(0, star);
  switch (binding) {
    case 'exact':
      return star < 0 && pattern !== '';
    case 'path':
      // `shop` or `shop/…`: the owner is spelled out whole before anything may vary.
      return star < 0 ? !pattern.startsWith('/') && pattern !== '' : /^[^/]+\//.test(literal);
    case 'subject':
      return issuer.subjectPrefixes.some((prefix) => prefix.test(literal));
    case 'domain': {
      const at = pattern.lastIndexOf('@');
      return at >= 0 && at < pattern.length - 1 && !pattern.slice(at).includes('*');
    }
  }
}

/**
 * Why a rule of `issuer` would grant strangers, or undefined when it fixes the owner (or the
 * issuer is one organisation's own).
 * @example unboundRuleProblem('https://token.actions.githubusercontent.com', { ref: 'refs/heads/main' }) // a sentence
 */
export function unboundRuleProblem(
  issuer: string,
  match: Readonly<Record<string, string | readonly string[]>>,
): string | undefined {
  const shared = SHARED_ISSUERS.find((candidate) => candidate.is(issuer));
  if (!shared) return undefined;
  const binds = Object.entries(match).some(([claim, patterns]) => {
    const binding = shared.claims[claim];
    if (binding === undefined) return false;
    // A list matches when any of its patterns does: each one must fix the owner.
    return (typeof patterns === 'string' ? [patterns] : patterns).every((pattern) =>
      fixesOwner(pattern, binding, shared),
    );
  });
  if (binds) return undefined;
  return `${shared.name} ${shared.why}: this rule would grant whoever it matches. Match the owner, spelled out whole before any *: ${shared.hint}`;
}
