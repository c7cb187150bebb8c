/**
 * The client's handling of what sits between Tollgate and Prometheus: proxies, auth, timeouts.
 * A node:http stand-in plays the proxy; the real Prometheus is exercised in prometheus.test.ts.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollbackSection } from '../../src/contract/requires/rollback.js';
import { TollgateError } from '../../src/errors.js';
import { checkRollback } from '../../src/rollback/check.js';
import { PrometheusClient } from '../../src/rollback/prometheus-client.js';

type Handler = (request: http.IncomingMessage, body: string, response: http.ServerResponse) => void;
let handler: Handler = () => undefined;
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => handler(request, body, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/prom`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const query = { name: 'error rate', promql: 'sum(rate(x[5m]))' };

async function failure(client: PrometheusClient): Promise<TollgateError> {
  const error = await client.instant(query, 1_764_151_200_000).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TollgateError);
  return error as TollgateError;
}

describe('PrometheusClient', () => {
  it('posts the query under the base path with the bearer token and reads a vector', async () => {
    let seen: { url?: string; auth?: string; body?: string } = {};
    handler = (request, body, response) => {
      seen = { url: request.url, auth: request.headers.authorization, body };
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: { job: 'a' }, value: [1764151200, '0.5'] }] },
          warnings: ['partial response'],
        }),
      );
    };
    const client = new PrometheusClient({ url: base, bearerToken: 'tok', timeoutMs: 2000 });
    const answer = await client.instant(query, 1_764_151_200_000);
    expect(seen.url).toBe('/prom/api/v1/query');
    expect(seen.auth).toBe('Bearer tok');
    const params = new URLSearchParams(seen.body);
    expect(params.get('query')).toBe('sum(rate(x[5m]))');
    expect(params.get('time')).toBe('1764151200.000');
    expect(answer.series).toEqual([
      { labels: { job: 'a' }, samples: [{ at: 1_764_151_200_000, value: 0.5 }] },
    ]);
    expect(answer.warnings).toEqual(['partial response']);
  });

  it('sends query_range with start, end and step', async () => {
    let params = new URLSearchParams();
    let path = '';
    handler = (request, body, response) => {
      path = request.url ?? '';
      params = new URLSearchParams(body);
      response.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }));
    };
    const answer = await new PrometheusClient({ url: base }).range(query, 1000, 61_000, 30_000);
    expect(path).toBe('/prom/api/v1/query_range');
    expect([params.get('start'), params.get('end'), params.get('step')]).toEqual([
      '1.000',
      '61.000',
      '30.000',
    ]);
    expect(answer.series).toEqual([]);
  });

  it('refuses a vector answer to a range query: its one sample would speak for the whole window', async () => {
    handler = (_request, _body, response) => {
      response.end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, value: [61, '0.001'] }] },
        }),
      );
    };
    const error = await new PrometheusClient({ url: base })
      .range(query, 1000, 61_000, 30_000)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'METRICS_UNAVAILABLE' });
    expect((error as Error).message).toContain('a range query returned a vector result, expected a matrix');
  });

  it("shows Prometheus's errorType and message; bad_data is the query's fault", async () => {
    handler = (_request, _body, response) => {
      response.statusCode = 400;
      response.end(
        JSON.stringify({
          status: 'error',
          errorType: 'bad_data',
          error: '1:16: parse error: unclosed left parenthesis',
        }),
      );
    };
    const error = await failure(new PrometheusClient({ url: base }));
    expect(error.code).toBe('METRICS_INVALID');
    expect(error.message).toContain(
      'Prometheus refused the query (bad_data): 1:16: parse error: unclosed left parenthesis',
    );
    expect(error.exitCode).toBe(3);

    handler = (_request, _body, response) => {
      response.statusCode = 503;
      response.end(
        JSON.stringify({
          status: 'error',
          errorType: 'timeout',
          error: 'query timed out in expression evaluation',
        }),
      );
    };
    const timeout = await failure(new PrometheusClient({ url: base }));
    expect(timeout.code).toBe('METRICS_UNAVAILABLE');
    expect(timeout.message).toContain('(timeout)');
    expect(timeout.exitCode).toBe(4);
  });

  it('reports a proxy error page without JSON as unavailable, with status and an excerpt', async () => {
    handler = (_request, _body, response) => {
      response.writeHead(502, 'Bad Gateway', { 'content-type': 'text/html' });
      response.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    };
    const error = await failure(new PrometheusClient({ url: base }));
    expect(error.code).toBe('METRICS_UNAVAILABLE');
    expect(error.message).toContain(
      'HTTP 502 Bad Gateway with a non-JSON body (text/html): <html><body><h1>502 Bad Gateway</h1>',
    );
  });

  it('refuses a success body that came with a redirect or an error status', async () => {
    const success = JSON.stringify({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: {}, value: [1764151200, '0'] }] },
    });
    handler = (_request, _body, response) => {
      // A redirect to another host is not followed, and its body is not Prometheus's answer.
      response.writeHead(302, 'Found', { location: 'http://elsewhere.example/api/v1/query' });
      response.end(success);
    };
    const redirect = await failure(new PrometheusClient({ url: base }));
    expect(redirect.code).toBe('METRICS_UNAVAILABLE');
    expect(redirect.message).toContain('HTTP 302');
    expect(redirect.message).toContain('http://elsewhere.example/api/v1/query');
    handler = (_request, _body, response) => {
      response.writeHead(500, 'Internal Server Error', { 'content-type': 'application/json' });
      response.end(success);
    };
    const stale = await failure(new PrometheusClient({ url: base }));
    expect(stale.code).toBe('METRICS_UNAVAILABLE');
    expect(stale.message).toContain('HTTP 500');
  });

  it('reports an answer cut off before its end as unavailable', async () => {
    handler = (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
      response.write('{"status":"success","data":{"resultType":"vector","result":[]}}');
      setTimeout(() => response.socket?.destroy(), 20);
    };
    const error = await failure(new PrometheusClient({ url: base, timeoutMs: 2000 }));
    expect(error.code).toBe('METRICS_UNAVAILABLE');
  });

  it('hints at the token on 401', async () => {
    handler = (_request, _body, response) => {
      response.writeHead(401, 'Unauthorized');
      response.end('unauthorized');
    };
    expect((await failure(new PrometheusClient({ url: base }))).message).toContain('check the bearer token');
  });

  it('gives up after the timeout', async () => {
    handler = () => undefined; // never answers
    const error = await failure(new PrometheusClient({ url: base, timeoutMs: 200 }));
    expect(error.code).toBe('METRICS_UNAVAILABLE');
    expect(error.message).toContain('no answer within 200ms');
  });

  it('refuses non-numeric sample values and malformed answers', async () => {
    handler = (_request, _body, response) => {
      response.end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'high'] }] },
        }),
      );
    };
    const error = await failure(new PrometheusClient({ url: base }));
    expect(error.code).toBe('METRICS_INVALID');
    expect(error.message).toContain('expected a numeric sample value');

    handler = (_request, _body, response) => {
      response.end(JSON.stringify({ hello: 'world' }));
    };
    expect((await failure(new PrometheusClient({ url: base }))).message).toContain(
      'not a Prometheus API response',
    );
  });

  it('reports an unreachable https Prometheus as unavailable', async () => {
    const error = await failure(new PrometheusClient({ url: 'https://127.0.0.1:1', timeoutMs: 2000 }));
    expect(error.code).toBe('METRICS_UNAVAILABLE');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => new PrometheusClient({ url: 'file:///etc/passwd' })).toThrow(/must start with http/);
    expect(() => new PrometheusClient({ url: 'not a url' })).toThrow(/is not a URL/);
  });
});

describe('a vector of 150,000 series over HTTP', () => {
  it('is parsed and judged without recursion; the one breaching series is named', async () => {
    const at = 1_764_151_200;
    const result = Array.from({ length: 150_000 }, (_, i) => ({
      metric: { __name__: 'errors', pod: `p${i}` },
      value: [at, i === 140_001 ? '0.7' : '0.001'],
    }));
    handler = (_request, _body, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
    };
    const checked = await checkRollback({
      policy: rollbackSection.parse({
        within: '1h',
        when: [{ name: 'errors', prometheus: 'errors', above: 0.02 }],
      }),
      variables: { digest: `sha256:${'a'.repeat(64)}`, stage: 'prod', pipeline: 'checkout' },
      source: new PrometheusClient({ url: base, timeoutMs: 20_000 }),
      now: at * 1000,
    });
    expect(checked.verdict).toBe('tripped');
    expect(checked.conditions[0]?.series).toBe('errors{pod="p140001"}');
  }, 60_000);
});

/**
 * Answers Prometheus 2.42 cannot give (Prometheus 3's `infos`, a proxy's odd `warnings`, native
 * histograms, repeated samples, a trickle), served by the node:http stand-in above: each must
 * leave the condition inconclusive or in error, never healthy.
 */
describe('PrometheusClient: answers that must not read as healthy', () => {
  const at = 1_764_151_200;
  const healthyVector = { resultType: 'vector', result: [{ metric: {}, value: [at, '0.001'] }] };
  const judge = (when: Record<string, unknown>, timeoutMs = 5000) =>
    checkRollback({
      policy: rollbackSection.parse({
        within: '1h',
        when: [{ name: 'errors', prometheus: 'errors', ...when }],
      }),
      variables: { digest: `sha256:${'a'.repeat(64)}`, stage: 'prod', pipeline: 'checkout' },
      source: new PrometheusClient({ url: base, timeoutMs }),
      now: at * 1000,
    });
  const answer = (body: unknown) => {
    handler = (_request, _body, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(body));
    };
  };

  it('is inconclusive when warnings come as a string or as objects, or when Prometheus 3 sends infos', async () => {
    for (const extra of [
      { warnings: 'partial response: store eu-2 unavailable' },
      { warnings: [{ message: 'store eu-2 unavailable' }] },
      { infos: ['PromQL info: ignored histograms in a range containing both floats and histograms'] },
    ]) {
      answer({ status: 'success', data: healthyVector, ...extra });
      const result = await judge({ above: 0.02 });
      expect(result.verdict, JSON.stringify(extra)).toBe('inconclusive');
      expect(result.exitCode).toBe(2);
      expect(result.conditions[0]?.reason).toContain('may be incomplete or wrong');
    }
    answer({ status: 'success', data: healthyVector, infos: ['PromQL info: ignored histograms'] });
    expect((await judge({ above: 0.02 })).conditions[0]?.warnings).toEqual([
      'info: PromQL info: ignored histograms',
    ]);
  });

  it('asks Thanos for no partial answer', async () => {
    let form = new URLSearchParams();
    handler = (_request, body, response) => {
      form = new URLSearchParams(body);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ status: 'success', data: healthyVector }));
    };
    expect((await judge({ above: 0.02 })).verdict).toBe('healthy');
    expect(form.get('partial_response')).toBe('false');
  });

  it('refuses native histogram samples, which would read as silent times', async () => {
    answer({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [{ metric: { le: 'x' }, histogram: [at, { count: '3', sum: '1' }] }],
      },
    });
    const instant = await judge({ above: 0.02, noData: 'pass' });
    expect(instant.verdict).toBe('inconclusive');
    expect(instant.exitCode).toBe(3);
    expect(instant.conditions[0]?.error?.message).toContain('native histogram samples');
    // Floats for part of the window and histograms for the rest: the histogram times were silent.
    answer({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [{ metric: {}, values: [[at - 60, '0.001']], histograms: [[at, { count: '9', sum: '9' }]] }],
      },
    });
    const range = await judge({ above: 0.02, for: '1m', interval: '1m', noData: 'pass' });
    expect(range.verdict).toBe('inconclusive');
    expect(range.conditions[0]?.error?.message).toContain('native histogram samples');
  });

  it('refuses two samples of one series at one time instead of reading the first', async () => {
    answer({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: { pod: 'a' },
            values: [
              [at - 60, '0.001'],
              [at, '0.001'],
              [at, '0.9'],
            ],
          },
        ],
      },
    });
    const result = await judge({ above: 0.02, for: '1m', interval: '1m', failureLimit: 1 });
    expect(result.verdict).toBe('inconclusive');
    expect(result.exitCode).toBe(3);
    expect(result.conditions[0]?.error?.message).toContain('two samples at 2025-11-26T10:00:00.000Z');
  });

  it('gives up on an answer that trickles in past the timeout', async () => {
    handler = (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const body = JSON.stringify({ status: 'success', data: healthyVector });
      let sent = 0;
      const drip = setInterval(() => {
        if (response.destroyed || sent >= body.length) {
          clearInterval(drip);
          if (!response.destroyed) response.end();
          return;
        }
        response.write(body[sent]);
        sent += 1;
      }, 50);
    };
    const result = await judge({ above: 0.02 }, 600);
    expect(result.exitCode).toBe(4);
    expect(result.conditions[0]?.error?.message).toContain('no answer within 600ms');
  });
});
