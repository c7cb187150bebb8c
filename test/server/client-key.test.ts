import { describe, expect, it } from 'vitest';
import { clientKey, forwardedClient, proxyNetworks } from '../../src/server/observe.js';

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

describe('forwardedClient: the client a trusted proxy names', () => {
  const proxies = proxyNetworks(['10.0.0.0/8', '2001:db8:ffff::1']);

  it('takes the rightmost entry that is not a trusted proxy', () => {
    expect(forwardedClient('10.1.2.3', '198.51.100.1, 203.0.113.7', proxies)).toBe('203.0.113.7');
    expect(forwardedClient('::ffff:10.1.2.3', '203.0.113.7, 10.9.9.9', proxies)).toBe('203.0.113.7');
    expect(forwardedClient('2001:db8:ffff::1', ' 2001:db8:1::5 ', proxies)).toBe('2001:db8:1::5');
  });

  it('reads nothing from a peer that is not trusted, or when none is', () => {
    expect(forwardedClient('198.51.100.9', '203.0.113.7', proxies)).toBeUndefined();
    expect(forwardedClient('2001:db8:ffff::2', '203.0.113.7', proxies)).toBeUndefined();
    expect(forwardedClient('10.1.2.3', '203.0.113.7', [])).toBeUndefined();
    expect(forwardedClient('10.1.2.3', undefined, proxies)).toBeUndefined();
  });

  it('stops at an entry that is no address: the nearest proxy is the client then', () => {
    expect(forwardedClient('10.1.2.3', '203.0.113.7, unknown', proxies)).toBeUndefined();
    expect(forwardedClient('10.1.2.3', '203.0.113.7, 198.51.100.1:4431, 10.0.0.9', proxies)).toBe('10.0.0.9');
  });
});

describe('clientKey for networks', () => {
  it('counts an IPv4 address by its network when asked', () => {
    expect(clientKey('198.51.100.77', 48, 24)).toBe('198.51.100.0/24');
    expect(clientKey('::ffff:198.51.100.77', 48, 24)).toBe('198.51.100.0/24');
    expect(clientKey('2001:db8:5:ff::1', 48, 24)).toBe('2001:db8:5::/48');
  });
});
