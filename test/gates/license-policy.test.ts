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
