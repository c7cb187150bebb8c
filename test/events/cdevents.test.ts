/**
 * CDEvents: every event Tollgate emits is validated against the CDEvents specification's own JSON
 * schemas (test/fixtures/cdevents, copied from cdevents/spec), and delivered as CloudEvents 1.0 to
 * real HTTP sinks on loopback, one of which fails first and one of which never answers well.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CdEvent, cdEventsOf, type EventEntry } from '../../src/events/cdevents.js';
import { FIXTURES, fakeDigest, junit, makeWorkspace, runCli, startServe } from '../support/cli.js';

const SCHEMAS = join(FIXTURES, 'cdevents');

/** A validator holding every copied schema, found by event type. */
function loadValidator() {
  const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false, allErrors: true });
  (addFormats as unknown as (a: unknown) => void)(ajv);
  const byType = new Map<string, ReturnType<typeof ajv.compile>>();
  for (const version of ['0.5.1', '0.6.0-draft']) {
    for (const file of readdirSync(join(SCHEMAS, version, 'links'))) {
      ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, version, 'links', file), 'utf8')));
    }
  }
  for (const version of ['0.5.1', '0.6.0-draft']) {
    for (const file of readdirSync(join(SCHEMAS, version))) {
      if (!file.endsWith('.json')) continue;
      const schema = JSON.parse(readFileSync(join(SCHEMAS, version, file), 'utf8'));
      const type = schema.properties.context.properties.type.enum[0] as string;
      byType.set(`${version} ${type}`, ajv.compile(schema));
    }
  }
  return (event: CdEvent) => {
    const validate = byType.get(`${event.context.specversion} ${event.context.type}`);
    if (!validate) return [`no schema for ${event.context.specversion} ${event.context.type}`];
    return validate(event) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}

const validate = loadValidator();
const D1 = fakeDigest('one');
const D2 = fakeDigest('two');

function entry(kind: string, over: Partial<EventEntry> = {}): EventEntry {
  return {
    seq: 7,
    hash: `sha256:${'e'.repeat(64)}`,
    kind,
    stage: 'prod',
    artifact: D1,
    actor: 'dana',
    at: '2026-12-05T10:00:00.000Z',
    payload: {},
    ...over,
  };
}

const context = {
  pipeline: 'checkout',
  source: '/tollgate/checkout',
  artifactType: 'oci',
  repository: 'registry.example.com/shop/checkout',
};

describe('CDEvents built from ledger entries', () => {
  it('a first promotion is service.deployed, a later one service.upgraded, each valid against the spec', () => {
    const [deployed] = cdEventsOf(entry('promotion'), context);
    const [upgraded] = cdEventsOf(entry('promotion', { artifact: D2 }), { ...context, previousDigest: D1 });
    expect(deployed!.context.type).toBe('dev.cdevents.service.deployed.0.3.0');
    expect(upgraded!.context.type).toBe('dev.cdevents.service.upgraded.0.3.0');
    expect(deployed!.subject.content).toEqual({
      environment: { id: 'prod', source: '/tollgate/checkout' },
      artifactId: `pkg:oci/checkout@${encodeURIComponent(D1)}?repository_url=registry.example.com%2Fshop%2Fcheckout`,
    });
    expect(validate(deployed!)).toEqual([]);
    expect(validate(upgraded!)).toEqual([]);
  });

  it('a rollback is service.rolledback naming the digest rolled back to; approvals are approval.updated', () => {
    const [rolledback] = cdEventsOf(entry('rollback', { payload: { target: D2, promotion: 3 } }), context);
    expect(rolledback!.subject.content.artifactId).toContain(encodeURIComponent(D2));
    expect(validate(rolledback!)).toEqual([]);
    const [approved] = cdEventsOf(entry('approval', { payload: { decision: 'approve' } }), context);
    const [rejected] = cdEventsOf(entry('approval', { payload: { decision: 'reject' } }), context);
    expect(approved!.subject.content.decision).toBe('approved');
    expect(rejected!.subject.content.decision).toBe('rejected');
    expect(validate(approved!)).toEqual([]);
    expect(validate(rejected!)).toEqual([]);
    expect(cdEventsOf(entry('approval', { payload: { decision: 'withdraw' } }), context)).toEqual([]);
    expect(cdEventsOf(entry('attest'), context)).toEqual([]);
  });

  it('the schemas are strict enough to catch a wrong event', () => {
    const [event] = cdEventsOf(entry('promotion'), context);
    const broken = structuredClone(event!);
    delete (broken.subject.content as Record<string, unknown>).environment;
    expect(validate(broken).join()).toContain('environment');
  });
});

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP sink on loopback; `failFirst` requests are answered 503. */
async function startSink(failFirst = 0, alwaysStatus?: number) {
  const received: Received[] = [];
  let failures = failFirst;
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (d: Buffer) => {
      body += d.toString();
    });
    request.on('end', () => {
      if (alwaysStatus !== undefined) {
        response.writeHead(alwaysStatus).end();
      } else if (failures > 0) {
        failures -= 1;
        response.writeHead(503).end();
      } else {
        received.push({ headers: request.headers, body });
        response.writeHead(202).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/events`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const CONTRACT = `version: 1
pipeline: checkout
artifact: { type: oci, repository: registry.example.com/shop/checkout }
groups:
  release-managers: [rita, sam]
stages:
  dev:
    purpose: fast feedback
    requires:
      tests: [{ suite: unit }]
  prod:
    purpose: live
    from: dev
    requires:
      approvals: { count: 1, from: [group:release-managers] }
`;

describe('delivery to HTTP sinks', () => {
  let good: Awaited<ReturnType<typeof startSink>>;
  let flaky: Awaited<ReturnType<typeof startSink>>;
  let broken: Awaited<ReturnType<typeof startSink>>;
  beforeAll(async () => {
    [good, flaky, broken] = await Promise.all([startSink(), startSink(2), startSink(0, 500)]);
  });
  afterAll(async () => {
    await Promise.all([good?.close(), flaky?.close(), broken?.close()]);
  });

  it('emits valid CloudEvents for promotions, approvals and rollbacks; retries a failing sink; dead-letters what never arrives; never fails the command', async () => {
    // Each build its own run: one report's bytes attested for two digests block the second.
    const dir = makeWorkspace(CONTRACT, {
      'unit-1.xml': junit(['pass'], 'first'),
      'unit-2.xml': junit(['pass'], 'second'),
    });
    const env = {
      TOLLGATE_EVENT_SINKS: `${good.url},${flaky.url},${broken.url}`,
      TOLLGATE_EVENT_TIMEOUT: '2s',
    };
    for (const digest of [D1, D2]) {
      expect((await runCli(['register', '--digest', digest], { cwd: dir, env })).code).toBe(0);
      expect(
        (
          await runCli(
            ['attest', 'tests', '--artifact', digest, '--suite', 'unit', `unit-${digest === D1 ? 1 : 2}.xml`],
            {
              cwd: dir,
              env,
            },
          )
        ).code,
      ).toBe(0);
      const promoted = await runCli(['promote', 'dev', '--artifact', digest], { cwd: dir, env });
      expect(promoted.code, promoted.stderr).toBe(0);
      expect(promoted.stderr).toContain('event not delivered');
    }
    expect(
      (await runCli(['approve', 'prod', '--artifact', D2, '--as', 'rita'], { cwd: dir, env })).code,
    ).toBe(0);
    const rollback = await runCli(['rollback', 'dev', '--reason', 'smoke test failed'], { cwd: dir, env });
    expect(rollback.code, rollback.stderr).toBe(0);

    const types = (sink: typeof good) => sink.received.map((r) => r.headers['ce-type']);
    const expected = [
      'dev.cdevents.service.deployed.0.3.0',
      'dev.cdevents.service.upgraded.0.3.0',
      'dev.cdevents.approval.updated.0.1.0',
      'dev.cdevents.service.rolledback.0.3.0',
    ];
    expect(types(good)).toEqual(expected);
    expect(types(flaky)).toEqual(expected); // the two 503s were retried
    for (const { headers, body } of [...good.received, ...flaky.received]) {
      expect(headers['ce-specversion']).toBe('1.0');
      const event = JSON.parse(body) as CdEvent;
      expect(headers['ce-id']).toBe(event.context.id);
      expect(validate(event)).toEqual([]);
    }
    const rolledBack = JSON.parse(good.received[3]!.body) as CdEvent;
    expect(rolledBack.subject.content.artifactId).toContain(encodeURIComponent(D1));

    const deadLetter = join(dir, '.tollgate', 'events-dead-letter.jsonl');
    expect(existsSync(deadLetter)).toBe(true);
    const dead = readFileSync(deadLetter, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(dead.map((d) => d.cloudEvent.type)).toEqual(expected);
    expect(dead.every((d) => d.sink === broken.url && d.error.includes('HTTP 500'))).toBe(true);

    const history = await runCli(['history', 'dev', '--json'], { cwd: dir });
    expect(history.stdout).toContain(D2);
  });

  it('a server given TOLLGATE_EVENT_SINKS announces the promotions recorded through it', async () => {
    const dir = makeWorkspace(CONTRACT, { 'unit.xml': junit(['pass'], 'served') });
    const serverEnv = {
      TOLLGATE_DATA_DIR: join(dir, 'server-ledger'),
      TOLLGATE_CONTRACT: join(dir, 'tollgate.yaml'),
      TOLLGATE_EVENT_SINKS: good.url,
      TOLLGATE_EVENT_SOURCE: 'https://tollgate.example.com/checkout',
    };
    const made = await runCli(
      ['token', 'create', '--role', 'admin', '--pipeline', 'checkout', '--name', 'ci'],
      {
        cwd: dir,
        env: serverEnv,
      },
    );
    expect(made.code, made.stderr).toBe(0);
    const server = await startServe([], { cwd: dir, env: serverEnv });
    try {
      const env = { TOLLGATE_SERVER: server.url, TOLLGATE_TOKEN: made.stdout.trim() };
      const before = good.received.length;
      for (const args of [
        ['register', '--digest', D1],
        ['attest', 'tests', '--artifact', D1, '--suite', 'unit', 'unit.xml'],
        ['promote', 'dev', '--artifact', D1],
      ]) {
        const result = await runCli(args, { cwd: dir, env });
        expect(result.code, result.stderr).toBe(0);
      }
      // The server delivers in the background once the write committed: wait for the sink.
      await expect.poll(() => good.received.length - before).toBe(1);
      const [received] = good.received.slice(before);
      expect(received!.headers['ce-type']).toBe('dev.cdevents.service.deployed.0.3.0');
      expect(received!.headers['ce-source']).toBe('https://tollgate.example.com/checkout');
      const event = JSON.parse(received!.body) as CdEvent;
      expect(validate(event)).toEqual([]);
      expect(event.subject.content.artifactId).toBe(
        `pkg:oci/checkout@${encodeURIComponent(D1)}?repository_url=${encodeURIComponent('registry.example.com/shop/checkout')}`,
      );
    } finally {
      await server.stop();
    }
  });

  it('a TOLLGATE_EVENT_SOURCE that is no URI reference is refused before anything is recorded, not an event lost', async () => {
    const dir = makeWorkspace(CONTRACT, { 'unit.xml': junit(['pass'], 'only') });
    expect((await runCli(['register', '--digest', D1], { cwd: dir })).code).toBe(0);
    expect(
      (await runCli(['attest', 'tests', '--artifact', D1, '--suite', 'unit', 'unit.xml'], { cwd: dir })).code,
    ).toBe(0);
    const before = good.received.length;
    const env = { TOLLGATE_EVENT_SINKS: good.url, TOLLGATE_EVENT_SOURCE: 'tollgate shop' };
    const promoted = await runCli(['promote', 'dev', '--artifact', D1], { cwd: dir, env });
    expect(promoted.code, promoted.stderr).toBe(3);
    expect(promoted.stderr).toContain('TOLLGATE_EVENT_SOURCE "tollgate shop" is not a URI reference');
    const history = await runCli(['history', 'dev', '--json'], { cwd: dir });
    expect(history.stdout).not.toContain(D1);
    // A URI reference is taken, and is the events' source.
    env.TOLLGATE_EVENT_SOURCE = 'https://ci.example.com/tollgate/shop';
    const again = await runCli(['promote', 'dev', '--artifact', D1], { cwd: dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(good.received.slice(before).map((r) => r.headers['ce-source'])).toEqual([
      'https://ci.example.com/tollgate/shop',
    ]);
  });
});

describe('CDEvents as evidence (attest cdevent)', () => {
  const EVIDENCE_CONTRACT = `version: 1
pipeline: checkout
artifact: { type: oci, repository: registry.example.com/shop/checkout }
stages:
  dev:
    purpose: fast feedback
    requires:
      tests: [{ suite: auth, in: dev }]
`;
  const conformance = (name: string) => readFileSync(join(SCHEMAS, 'conformance', `${name}.json`), 'utf8');

  it('the conformance example of service.deployed validates against the copied schemas (the validator reads the spec as its authors do)', () => {
    expect(validate(JSON.parse(conformance('service_deployed')))).toEqual([]);
  });

  it("reads the spec's testsuiterun.finished example as a failed suite in its environment, so the stage is blocked", async () => {
    const dir = makeWorkspace(EVIDENCE_CONTRACT, { 'event.json': conformance('testsuiterun_finished') });
    expect((await runCli(['register', '--digest', D1], { cwd: dir })).code).toBe(0);
    const result = await runCli(
      ['attest', 'cdevent', '--artifact', D1, '--suite', 'auth', 'event.json', '--json'],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    const recorded = JSON.parse(result.stdout);
    expect(recorded).toMatchObject({
      type: 'dev.cdevents.testsuiterun.finished.0.3.0',
      stage: 'dev',
      data: { kind: 'tests', suite: 'auth', failed: 1 },
    });
    expect(recorded.data.failures[0].name).toContain('Host 123.34.23.32 not found');
    const check = await runCli(['check', 'dev', '--artifact', D1], { cwd: dir });
    expect(check.code).toBe(1);
  });

  it('a successful suite run, sent as a structured CloudEvent on standard input, passes with the missing counts as risk', async () => {
    const dir = makeWorkspace(EVIDENCE_CONTRACT);
    expect((await runCli(['register', '--digest', D1], { cwd: dir })).code).toBe(0);
    const event = JSON.parse(conformance('testsuiterun_finished'));
    event.subject.content.outcome = 'success';
    const cloudEvent = {
      specversion: '1.0',
      id: 'x1',
      source: '/ci',
      type: event.context.type,
      datacontenttype: 'application/json',
      data: event,
    };
    const result = await runCli(['attest', 'cdevent', '--artifact', D1, '--suite', 'auth', '-'], {
      cwd: dir,
      input: JSON.stringify(cloudEvent),
    });
    expect(result.code, result.stderr).toBe(0);
    const check = await runCli(['check', 'dev', '--artifact', D1, '--json'], { cwd: dir });
    expect(check.code, check.stdout).toBe(0);
    expect(
      JSON.parse(check.stdout)
        .risks.map((r: { text: string }) => r.text)
        .join(),
    ).toContain('holds no test cases');
  });

  it('refuses --in naming another stage than the one the event says it ran in, and maps an unknown environment', async () => {
    const contract = EVIDENCE_CONTRACT.replace(
      'stages:\n',
      'stages:\n  staging:\n    purpose: rc\n    requires:\n      tests: [{ suite: auth, in: staging }]\n',
    );
    const event = JSON.parse(conformance('testsuiterun_finished'));
    event.subject.content.outcome = 'success';
    event.subject.content.environment.id = 'dev';
    const dir = makeWorkspace(contract, { 'dev.json': JSON.stringify(event) });
    expect((await runCli(['register', '--digest', D1], { cwd: dir })).code).toBe(0);
    const moved = await runCli(
      ['attest', 'cdevent', '--artifact', D1, '--suite', 'auth', '--in', 'staging', 'dev.json'],
      { cwd: dir },
    );
    expect(moved.code).toBe(3);
    expect(moved.stderr).toContain(
      'the event happened in stage dev (subject.content.environment.id), not staging',
    );
    // Nothing was recorded in staging.
    const explain = await runCli(['explain', D1, '--json'], { cwd: dir });
    expect(JSON.parse(explain.stdout).evidence).toEqual([]);
    // An environment the contract does not name is mapped by --in.
    event.subject.content.environment.id = 'k8s-staging-eu';
    const mapped = await runCli(
      ['attest', 'cdevent', '--artifact', D1, '--suite', 'auth', '--in', 'staging', '-', '--json'],
      { cwd: dir, input: JSON.stringify(event) },
    );
    expect(mapped.code, mapped.stderr).toBe(0);
    expect(JSON.parse(mapped.stdout).stage).toBe('staging');
  });

  it('refuses --suite relabelling a run of another of the contract suites, and maps a suite name it does not use', async () => {
    const contract = EVIDENCE_CONTRACT.replace(
      'tests: [{ suite: auth, in: dev }]',
      'tests: [{ suite: auth }, { suite: e2e }]',
    );
    const event = JSON.parse(conformance('testsuiterun_finished'));
    event.subject.content.outcome = 'success';
    event.subject.content.testSuite.name = 'auth';
    const dir = makeWorkspace(contract, { 'auth.json': JSON.stringify(event) });
    expect((await runCli(['register', '--digest', D1], { cwd: dir })).code).toBe(0);
    const relabelled = await runCli(['attest', 'cdevent', '--artifact', D1, '--suite', 'e2e', 'auth.json'], {
      cwd: dir,
    });
    expect(relabelled.code).toBe(3);
    expect(relabelled.stderr).toContain(
      'the event is a run of suite auth (subject.content.testSuite), not e2e',
    );
    const explain = await runCli(['explain', D1, '--json'], { cwd: dir });
    expect(JSON.parse(explain.stdout).evidence).toEqual([]);
    // A name the contract does not use ("Auth TestSuite") is mapped by --suite.
    event.subject.content.testSuite.name = 'Auth TestSuite';
    const mapped = await runCli(['attest', 'cdevent', '--artifact', D1, '--suite', 'e2e', '-', '--json'], {
      cwd: dir,
      input: JSON.stringify(event),
    });
    expect(mapped.code, mapped.stderr).toBe(0);
    expect(JSON.parse(mapped.stdout).data.suite).toBe('e2e');
  });

  it('refuses an artifact.signed event about another artifact, and records one about this digest', async () => {
    const dir = makeWorkspace(EVIDENCE_CONTRACT, { 'signed.json': conformance('artifact_signed') });
    expect((await runCli(['register', '--digest', D1], { cwd: dir })).code).toBe(0);
    const other = await runCli(['attest', 'cdevent', '--artifact', D1, 'signed.json'], { cwd: dir });
    expect(other.code).toBe(3);
    expect(other.stderr).toContain('is about pkg:golang/mygit.com/myorg/myapp@234fd47e07d1004f0aed9c, not');
    const event = JSON.parse(conformance('artifact_signed'));
    event.subject.id = `pkg:oci/checkout@${encodeURIComponent(D1)}?repository_url=registry.example.com%2Fshop%2Fcheckout`;
    const ours = await runCli(['attest', 'cdevent', '--artifact', D1, '-', '--json'], {
      cwd: dir,
      input: JSON.stringify(event),
    });
    expect(ours.code, ours.stderr).toBe(0);
    expect(JSON.parse(ours.stdout).data).toEqual({
      kind: 'opaque',
      predicateType: 'https://cdevents.dev/artifact.signed',
    });
  });

  it('refuses an artifact.signed event whose purl version is no digest, though a qualifier or subpath names this one', async () => {
    const dir = makeWorkspace(EVIDENCE_CONTRACT);
    expect((await runCli(['register', '--digest', D1], { cwd: dir })).code).toBe(0);
    const event = JSON.parse(conformance('artifact_signed'));
    // purl-spec: the version is what follows the last @ before ?qualifiers and #subpath.
    for (const id of [
      `pkg:oci/checkout@latest?repository_url=registry.example.com%2Fshop@${D1}`,
      `pkg:oci/checkout?repository_url=registry.example.com%2Fshop%2Fcheckout@${encodeURIComponent(D1)}`,
      `pkg:oci/checkout@v1.4.2#@${D1}`,
      `notapurl/checkout@${D1}`,
    ]) {
      event.subject.id = id;
      const result = await runCli(['attest', 'cdevent', '--artifact', D1, '-'], {
        cwd: dir,
        input: JSON.stringify(event),
      });
      expect(result.code, id).toBe(3);
      expect(result.stderr, id).toContain(`artifact.signed is about ${id}, not ${D1}`);
    }
    const explain = await runCli(['explain', D1, '--json'], { cwd: dir });
    expect(JSON.parse(explain.stdout).evidence).toEqual([]);
    // The colon may be percent-encoded in either case (sha256%3a…): the same version.
    event.subject.id = `pkg:oci/checkout@${D1.replace(':', '%3a')}?repository_url=registry.example.com%2Fshop%2Fcheckout`;
    const ours = await runCli(['attest', 'cdevent', '--artifact', D1, '-'], {
      cwd: dir,
      input: JSON.stringify(event),
    });
    expect(ours.code, ours.stderr).toBe(0);
  });

  it('an old successful run replayed after a newer failed one blocks the stage, by the events own timestamps', async () => {
    const dir = makeWorkspace(EVIDENCE_CONTRACT);
    expect((await runCli(['register', '--digest', D1], { cwd: dir })).code).toBe(0);
    const failed = JSON.parse(conformance('testsuiterun_finished'));
    failed.context.timestamp = '2026-12-05T10:00:00Z';
    const passed = JSON.parse(conformance('testsuiterun_finished'));
    passed.context.id = 'a-run-of-yesterday';
    passed.context.timestamp = '2026-12-04T10:00:00Z';
    passed.subject.content.outcome = 'success';
    for (const event of [failed, passed]) {
      const result = await runCli(['attest', 'cdevent', '--artifact', D1, '--suite', 'auth', '-', '--json'], {
        cwd: dir,
        input: JSON.stringify(event),
      });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).data.ranAt).toBe(new Date(event.context.timestamp).toISOString());
    }
    const check = await runCli(['check', 'dev', '--artifact', D1, '--json'], { cwd: dir });
    expect(check.code, check.stdout).toBe(1);
    expect(JSON.stringify(JSON.parse(check.stdout).required)).toContain('a run newer than');
  });

  it('refuses a testsuiterun.finished or artifact.signed of a major version it does not know', async () => {
    const dir = makeWorkspace(EVIDENCE_CONTRACT);
    expect((await runCli(['register', '--digest', D1], { cwd: dir })).code).toBe(0);
    const event = JSON.parse(conformance('testsuiterun_finished'));
    event.subject.content.outcome = 'success';
    event.context.type = 'dev.cdevents.testsuiterun.finished.1.0.0';
    const result = await runCli(['attest', 'cdevent', '--artifact', D1, '--suite', 'auth', '-'], {
      cwd: dir,
      input: JSON.stringify(event),
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'dev.cdevents.testsuiterun.finished.1.0.0 is of major version 1; Tollgate reads versions 0.x of testsuiterun.finished',
    );
    const signed = JSON.parse(conformance('artifact_signed'));
    signed.subject.id = `pkg:oci/checkout@${encodeURIComponent(D1)}`;
    signed.context.type = 'dev.cdevents.artifact.signed.2.0.0';
    const refused = await runCli(['attest', 'cdevent', '--artifact', D1, '-'], {
      cwd: dir,
      input: JSON.stringify(signed),
    });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('is of major version 2; Tollgate reads versions 0.x of artifact.signed');
    const explain = await runCli(['explain', D1, '--json'], { cwd: dir });
    expect(JSON.parse(explain.stdout).evidence).toEqual([]);
  });

  it('refuses event types that carry no evidence', async () => {
    const dir = makeWorkspace(EVIDENCE_CONTRACT, { 'deployed.json': conformance('service_deployed') });
    expect((await runCli(['register', '--digest', D1], { cwd: dir })).code).toBe(0);
    const result = await runCli(['attest', 'cdevent', '--artifact', D1, 'deployed.json'], { cwd: dir });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('carries no evidence Tollgate reads');
  });
});
