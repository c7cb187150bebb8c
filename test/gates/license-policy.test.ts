import { describe, expect, it } from 'vitest';
import { licensePolicy } from '../../src/gates/license-policy.js';

describe('licensePolicy', () => {
  it('denies only what every choice needs', () => {
    const policy = licensePolicy(['GPL-3.0-only']);
    expect(policy.deniedIn(['MIT OR GPL-3.0-only'])).toEqual([]);
    expect(policy.deniedIn(['MIT AND GPL-3.0-only'])).toEqual(['GPL-3.0-only']);
    expect(policy.deniedIn(['(MIT OR GPL-3.0-only) AND (Apache-2.0 OR GPL-3.0-only)'])).toEqual([]);
    expect(policy.deniedIn(['GPL-3.0-only AND (MIT OR Apache-2.0)'])).toEqual(['GPL-3.0-only']);
  });

  it('treats an expression in the deny-list as denying each licence it names', () => {
    const policy = licensePolicy(['AGPL-3.0-only OR SSPL-1.0']);
    expect(policy.deniedIn(['SSPL-1.0'])).toEqual(['SSPL-1.0']);
    expect(policy.deniedIn(['AGPL-3.0-only'])).toEqual(['AGPL-3.0-only']);
    expect(policy.deniedIn(['MIT'])).toEqual([]);
  });

  it('matches LicenseRef identifiers exactly', () => {
    const policy = licensePolicy(['LicenseRef-Proprietary']);
    expect(policy.deniedIn(['LicenseRef-Proprietary'])).toEqual(['LicenseRef-Proprietary']);
    expect(policy.deniedIn(['LicenseRef-Other'])).toEqual([]);
  });

  it('judges very large expressions conservatively: any denied term denies', () => {
    const huge = Array.from({ length: 10 }, (_, i) => `(MIT OR BSD-${i % 2 ? 2 : 3}-Clause)`).join(' AND ');
    const policy = licensePolicy(['BSD-2-Clause']);
    // 2^10 choices exceed the limit; the answer errs on the side of denying.
    expect(policy.deniedIn([huge])).toEqual(['BSD-2-Clause']);
    expect(policy.deniedIn(['(MIT OR BSD-2-Clause) AND (MIT OR ISC)'])).toEqual([]);
  });

  it('with an empty deny-list denies nothing', () => {
    expect(licensePolicy([]).deniedIn(['AGPL-3.0-only'])).toEqual([]);
  });
});

describe('licensePolicy with exceptions off the SPDX exception list', () => {
  const policy = licensePolicy(['GPL-3.0-only']);

  it('judges a licence with an unlisted exception as its base and names the exception', () => {
    const note = (e: string) =>
      `GPL-3.0-only (its exception ${e} is not on the SPDX exception list and was not honoured)`;
    expect(policy.deniedIn(['GPL-3.0-only WITH AdditionRef-foo'])).toEqual([note('AdditionRef-foo')]);
    expect(policy.deniedIn(['GPL-3.0-only WITH LicenseRef-foo'])).toEqual([note('LicenseRef-foo')]);
    expect(policy.deniedIn(['Apache-2.0 AND GPL-3.0-only WITH Unknown-exception'])).toEqual([
      note('Unknown-exception'),
    ]);
  });

  it('keeps a listed exception lifting the denial, and a free choice avoiding it', () => {
    expect(policy.deniedIn(['GPL-3.0-only WITH GCC-exception-3.1'])).toEqual([]);
    expect(policy.deniedIn(['MIT OR GPL-3.0-only WITH AdditionRef-foo'])).toEqual([]);
    expect(policy.deniedIn(['MIT WITH AdditionRef-foo'])).toEqual([]);
  });
});
