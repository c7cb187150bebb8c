/**
 * URLs printed anywhere have their user information and secret query parameters masked, by the one
 * secret detector: Prometheus URLs in errors and decisions, event sink URLs, the server URL of the
 * CI shells, database URLs. Each case failed before (the password or token was printed).
 */
import { describe, expect, it } from 'vitest';
import { serverEnv } from '../../src/ci/server-call.js';
import { fileRef, renderMessage, TollgateError, unreadableFile } from '../../src/errors.js';
import { parseSinkUrls } from '../../src/events/sinks.js';
import { redactUrl } from '../../src/ledger/postgres-store.js';
import { describeMetricsSource } from '../../src/rollback/metrics-config.js';
import { PrometheusClient } from '../../src/rollback/prometheus-client.js';
import { tollgateErrorOf } from '../support/builders.js';
import { makeWorkspace, runCli } from '../support/cli.js';

const SECRETS = /hunter2|t0k3n|s3cr3t/;

describe('URLs in messages', () => {
  it('a Prometheus URL that does not parse is named without its password', () => {
    for (const url of [
      'http://bob:hunter2@prom:abc/',
      'http://bob:hunter2@[::1/',
      'ftp://bob:hunter2@prom/?token=t0k3n',
    ]) {
      const error = tollgateErrorOf(() => new PrometheusClient({ url }));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toMatch(/Prometheus URL "/);
      expect(error.message).not.toMatch(SECRETS);
    }
  });

  it('a Prometheus URL in decisions and messages keeps no user information or secret parameter', () => {
    const client = new PrometheusClient({ url: 'https://bob:hunter2@prom.example:9090/?token=t0k3n&x=1' });
    expect(client.description).toBe('Prometheus at https://***@prom.example:9090/?token=***&x=1');
    const text = describeMetricsSource({
      kind: 'prometheus',
      url: 'https://bob:hunter2@prom.example/?api_key=s3cr3t',
      from: 'env',
      hasToken: false,
      timeoutMs: 1000,
    } as Parameters<typeof describeMetricsSource>[0]);
    expect(text).toBe('Prometheus at https://***@prom.example/?api_key=*** (TOLLGATE_PROMETHEUS_URL)');
  });

  it('an event sink URL that does not parse is a usage error that keeps the password out', () => {
    const error = tollgateErrorOf(() => parseSinkUrls('https://ok.example/hook,http://bob:hunter2@[::1'));
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain('TOLLGATE_EVENT_SINKS: "http://***@[::1" is not a URL');
    const scheme = tollgateErrorOf(() => parseSinkUrls('ftp://bob:hunter2@sink.example/?sig=s3cr3t'));
    expect(scheme.message).not.toMatch(SECRETS);
  });

  it('a server URL the CI shells cannot use is named without its credentials', () => {
    const error = tollgateErrorOf(() => serverEnv({}, 'https://bob:hunter2@[tollgate', 'tg_x'));
    expect(error.message).toContain('server-url "https://***@[tollgate" is not a URL');
  });

  it('a database URL is shown without user information or a password parameter', () => {
    expect(redactUrl('postgres://app:hunter2@db:5432/ledger?password=s3cr3t&sslmode=require')).toBe(
      'postgres://***@db:5432/ledger?password=***&sslmode=require',
    );
  });

  it('an unreachable PostgreSQL ledger is reported without the password in its URL', async () => {
    const result = await runCli(['status'], {
      cwd: makeWorkspace(
        'version: 1\npipeline: p\nartifact: { type: file }\nstages:\n  dev: { purpose: d }\n',
      ),
      env: {
        TOLLGATE_DATABASE_URL: 'postgres://app:hunter2@127.0.0.1:9/ledger?password=s3cr3t&connect_timeout=2',
      },
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('127.0.0.1:9');
    expect(result.stderr).not.toMatch(SECRETS);
  });
});

describe('files named in messages', () => {
  const enoent = Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });

  it('a file named like a secret at the start of a message keeps its name and reason', () => {
    for (const name of ['key', 'token', 'password', 'Authorization']) {
      expect(unreadableFile(name, enoent).message).toBe(
        `${name}: cannot read the file: no such file or directory`,
      );
      const located = new TollgateError('EVIDENCE_INVALID', `${name}: expected a PEM private key`, {
        position: { file: name },
      });
      expect(located.message).toBe(`${name}: expected a PEM private key`);
    }
  });

  it('still masks a header line, a password line and a token the message quotes around the file', () => {
    expect(new TollgateError('USAGE', 'password: hunter2').message).toBe('password: ***');
    expect(new TollgateError('USAGE', 'Authorization: Bearer t0k3nAbc123').message).toBe(
      'Authorization: Bearer ***',
    );
    // Only the file is set aside: a secret after it, on its line or the next, is masked.
    const quoting = new TollgateError(
      'EVIDENCE_INVALID',
      'key: rejected --password hunter2\npassword: s3cr3t',
      {
        position: { file: 'key' },
      },
    );
    expect(quoting.message).toBe('key: rejected --password ***\npassword: ***');
    // A file whose path holds a credential is masked on its own.
    const url = 'https://bob:hunter2@files.example/key';
    expect(unreadableFile(url, enoent).message).toBe(
      'https://***@files.example/key: cannot read the file: no such file or directory',
    );
    // Text holding the mark that keeps a file's place is read whole, its marks left as they are.
    expect(renderMessage(['\uE0000\uE001 ', fileRef('password'), ': hunter2'])).toBe(
      '\uE0000\uE001 password: hunter2',
    );
    expect(renderMessage(['\uE0000\uE001\n', fileRef('password'), ': hunter2'])).toBe(
      '\uE0000\uE001\npassword: ***',
    );
  });
});
