import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoOpenMetrics } from '../../src/cli/demo-prometheus.js';
import { ROOT } from '../support/cli.js';

describe('the demo metrics as OpenMetrics (for promtool backfill)', () => {
  it("writes each condition's samples under the metric its query selects, with the file's labels", () => {
    const text = demoOpenMetrics(join(ROOT, 'examples', 'checkout', 'tollgate.yaml'));
    const lines = text?.split('\n') ?? [];
    expect(lines[0]).toBe('# TYPE checkout:http_error_ratio:rate5m gauge');
    expect(lines).toContain(
      'checkout:http_error_ratio:rate5m{image_digest="sha256:64bfeb000659aeaf2426462271b749a6cc5046947b6292c00875c5d060719fd9"} 0.093 1795616280',
    );
    expect(lines).toContain('# TYPE checkout:http_latency_p99_seconds:rate5m gauge');
    expect(lines.at(-2)).toBe('# EOF');
    expect(lines.filter((l) => l.startsWith('checkout:')).length).toBe(13);
  });
});
