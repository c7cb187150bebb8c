import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseCycloneDx, parseCycloneDxVulnerabilities } from '../../src/evidence/cyclonedx-parser.js';
import { mergeTotals, parseJunit, toTestSummary } from '../../src/evidence/junit-parser.js';
import { parseSarif } from '../../src/evidence/sarif-parser.js';
import { parseSpdx } from '../../src/evidence/spdx-parser.js';
import { parseSpdxTagValue } from '../../src/evidence/spdx-tag-value.js';
import { statedTime } from '../../src/evidence/stated-time.js';

const junit = (xml: string) => parseJunit({ stream: Readable.from([xml]), name: 'r.xml' }, { suite: 'unit' });

describe('statedTime', () => {
  it('reads ISO 8601 with a zone, without one (as UTC), and refuses other text', () => {
    expect(statedTime('2026-12-06T11:00:00+01:00')).toBe('2026-12-06T10:00:00.000Z');
    expect(statedTime('2026-12-06T10:00:00')).toBe('2026-12-06T10:00:00.000Z');
    expect(statedTime('2026-12-06T10:00:00.5Z')).toBe('2026-12-06T10:00:00.500Z');
    expect(statedTime('yesterday')).toBeUndefined();
    expect(statedTime(12)).toBeUndefined();
  });
});

describe('a stated leap second', () => {
  it('reads 23:59:60 as the last instant of its minute, after :59 and before the next minute', async () => {
    // RFC 3339 allows second 60; JavaScript's Date (POSIX time) has no leap second and refuses it,
    // so the report read as stating no run time and its run order went unchecked.
    expect(statedTime('2016-12-31T23:59:60Z')).toBe('2016-12-31T23:59:59.999Z');
    expect(statedTime('2016-12-31T23:59:60.5Z')).toBe('2016-12-31T23:59:59.999Z');
    expect(statedTime('2017-01-01T00:59:60+01:00')).toBe('2016-12-31T23:59:59.999Z');
    expect(statedTime('2016-12-31T23:59:61Z')).toBeUndefined();
    const report = await junit(
      '<testsuite name="a" timestamp="2016-12-31T23:59:60"><testcase name="t"/></testsuite>',
    );
    expect(toTestSummary(report, 'unit').ranAt).toBe('2016-12-31T23:59:59.999Z');
  });
});

describe('the run time each report states', () => {
  it('JUnit: the latest testsuite timestamp, kept across merged files', async () => {
    const a = await junit(
      '<testsuites><testsuite name="a" timestamp="2026-12-06T10:00:00"><testcase name="t"/></testsuite><testsuite name="b" timestamp="2026-12-06T10:05:00"><testcase name="u"/></testsuite></testsuites>',
    );
    expect(a.ranAt).toBe('2026-12-06T10:05:00.000Z');
    const b = await junit(
      '<testsuite name="c" timestamp="2026-12-07T09:00:00Z"><testcase name="v"/></testsuite>',
    );
    expect(toTestSummary(mergeTotals([a, b]), 'unit').ranAt).toBe('2026-12-07T09:00:00.000Z');
    const none = await junit('<testsuite name="d"><testcase name="w"/></testsuite>');
    expect(toTestSummary(none, 'unit').ranAt).toBeUndefined();
  });

  it('SARIF: the latest invocation end time, else start time', () => {
    const sarif = {
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'scanner' } },
          invocations: [
            {
              executionSuccessful: true,
              startTimeUtc: '2026-12-06T10:00:00Z',
              endTimeUtc: '2026-12-06T10:02:00Z',
            },
          ],
          results: [],
        },
      ],
    };
    expect(parseSarif(sarif, 's.sarif').ranAt).toBe('2026-12-06T10:02:00.000Z');
  });

  it('CycloneDX: metadata.timestamp, for an SBOM and for a scan', () => {
    const bom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      metadata: { timestamp: '2026-12-06T10:00:00Z' },
      components: [{ name: 'openssl', version: '3.0.1' }],
      vulnerabilities: [],
    };
    expect(parseCycloneDx(bom, 'b.json').ranAt).toBe('2026-12-06T10:00:00.000Z');
    expect(parseCycloneDxVulnerabilities(bom, 'b.json').ranAt).toBe('2026-12-06T10:00:00.000Z');
  });

  it('SPDX 2: creationInfo.created, in JSON and in tag-value', () => {
    const text = [
      'SPDXVersion: SPDX-2.3',
      'DataLicense: CC0-1.0',
      'SPDXID: SPDXRef-DOCUMENT',
      'DocumentName: app',
      'Creator: Tool: syft-1.0.0',
      'Created: 2026-12-06T10:00:00Z',
      'PackageName: left-pad',
      'SPDXID: SPDXRef-Package-left-pad',
    ].join('\n');
    expect(parseSpdx(parseSpdxTagValue(text, 'a.spdx'), 'a.spdx').ranAt).toBe('2026-12-06T10:00:00.000Z');
  });
});
