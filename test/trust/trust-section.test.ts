import { describe, expect, it } from 'vitest';
import { signedByRequirement } from '../../src/contract/requires/signed-by.js';
import { signerNames, trustSection } from '../../src/contract/trust-section.js';

describe('contract trust section', () => {
  it('accepts keys and identities and fills defaults', () => {
    const trust = trustSection.parse({
      keys: { ci: 'keys/ci.pub' },
      identities: {
        release: {
          issuer: 'https://token.actions.githubusercontent.com',
          subject: 'https://github.com/acme/*',
        },
      },
    });
    expect(signerNames(trust)).toEqual(['ci', 'release']);
    expect(trustSection.parse({})).toEqual({ keys: {}, identities: {} });
  });

  it('refuses a name used both as key and identity, and unknown fields', () => {
    const both = trustSection.safeParse({
      keys: { ci: 'a.pub' },
      identities: { ci: { issuer: 'i', subject: 's' } },
    });
    expect(both.success).toBe(false);
    expect(both.error?.issues[0]?.message).toContain('keys and identities share one namespace');
    expect(trustSection.safeParse({ keys: { ci: 'a.pub' }, certs: {} }).success).toBe(false);
    expect(trustSection.safeParse({ identities: { r: { issuer: 'i' } } }).success).toBe(false);
  });

  it('validates signedBy: at least one signer, known kinds only', () => {
    expect(signedByRequirement.parse({ by: ['ci'], kinds: ['tests', 'sbom'] })).toEqual({
      by: ['ci'],
      kinds: ['tests', 'sbom'],
    });
    expect(signedByRequirement.safeParse({ by: [] }).success).toBe(false);
    expect(signedByRequirement.safeParse({ by: ['ci'], kinds: ['opaque'] }).success).toBe(false);
    expect(signedByRequirement.safeParse({ by: ['ci'], kinds: ['verification'] }).success).toBe(false);
  });
});
