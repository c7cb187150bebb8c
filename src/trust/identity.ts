import type { TrustedRoot } from '@sigstore/protobuf-specs';

/** A keyless (Fulcio certificate) signer Tollgate trusts, as named in the contract's `trust.identities`. */
export interface SigstoreIdentity {
  name: string;
  /** OIDC issuer, compared exactly (`https://token.actions.githubusercontent.com`). */
  issuer: string;
  /**
   * Certificate subject (SAN: workflow URI or e-mail). `*` matches any run of characters, every
   * other character matches itself; the whole subject must match.
   */
  subject: string;
  trustedRoot: TrustedRoot;
}

/** Tests a subject against a pattern where `*` matches any run of characters and nothing else is special. */
export function matchesSubject(pattern: string, subject: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === subject;
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (subject.length < first.length + last.length) return false;
  if (!subject.startsWith(first) || !subject.endsWith(last)) return false;
  let at = first.length;
  const end = subject.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = subject.indexOf(middle, at);
    if (found === -1 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}
