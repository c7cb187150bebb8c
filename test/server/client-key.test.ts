import { describe, expect, it } from 'vitest';
import { clientKey } from '../../src/server/observe.js';

describe('clientKey: who a per-client limit counts', () => {
  it('counts an IPv6 host by its /64, whatever address in it it picks', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2:ffff:ffff:ffff:fffe')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
  });

  it('counts by the configured prefix, cutting inside a group', () => {
    expect(clientKey('2001:db8:abcd:12ff::1', 56)).toBe('2001:db8:abcd:1200::/56');
    expect(clientKey('2001:db8:abcd:12ff::1', 48)).toBe('2001:db8:abcd::/48');
    expect(clientKey('2001:db8::1', 128)).toBe('2001:db8::1/128');
  });

  it('counts an IPv4 peer on a dual-stack socket as its IPv4 address, in either spelling', () => {
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('::ffff:c000:207')).toBe('192.0.2.7');
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7');
  });

  it('drops a zone id and keeps an unparsable address as spelled', () => {
    expect(clientKey('fe80::1%eth0')).toBe('fe80::/64');
    expect(clientKey('unknown')).toBe('unknown');
    expect(clientKey('1.2.3')).toBe('1.2.3');
  });
});
