/**
 * Registry speed (issue 17, "Speed"), against real local registries (Debian's docker-registry):
 * - `register --image` (whole command, tag resolution included) ≤ 3 × `node -e 0`;
 * - `copy` of a 200 MB multi-layer, two-platform image between two registries ≥ 0.5 × the
 *   throughput of `skopeo copy --all` between the same registries, interleaved, each run into a
 *   registry started for it. A fresh repository on a shared destination is not enough: skopeo
 *   keeps a blob-info cache (/var/lib/containers/cache as root) of where it has put each blob and
 *   mounts from there, so its second copy to the same registry moves no layer bytes at all (the
 *   first run of this bench measured exactly that: "615 MB/s").
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SKOPEO_BIN,
  skopeoPush,
  startRegistry,
  type TestRegistry,
  writeOciLayout,
} from '../test/support/registry.js';
import { BENCH_ROOT, type BenchResult, interleaved, nodeStartMs, round2, wallMs } from './bench-util.js';

const CONTRACT = `version: 1
pipeline: shop
artifact: { type: oci, repository: registry.example.com/shop/app }
stages:
  dev:
    purpose: feedback
    requires:
      tests: [{ suite: unit }]
`;

export async function run(): Promise<BenchResult[]> {
  const bin = join(BENCH_ROOT, 'bin', 'tollgate.cjs');
  const work = mkdtempSync(join(tmpdir(), 'tollgate-oci-bench-'));
  const source = await startRegistry();
  // Each copy goes to an empty registry of its own, started and stopped outside the timing.
  const destinations: TestRegistry[] = [];
  try {
    writeFileSync(join(work, 'tollgate.yaml'), CONTRACT);
    const env: NodeJS.ProcessEnv = { ...process.env, TOLLGATE_ACTOR: 'bench', HOME: work };
    delete env.TOLLGATE_DATABASE_URL;

    // register --image: a small image, resolved again each time (registering it again is idempotent).
    const small = mkdtempSync(join(work, 'small-'));
    writeOciLayout(small, [
      { architecture: 'amd64', layers: [4096] },
      { architecture: 'arm64', layers: [4096] },
    ]);
    await skopeoPush(small, `${source.host}/shop/small:1.0`);
    const register = () =>
      wallMs(process.execPath, [bin, 'register', '--image', `${source.host}/shop/small:1.0`], {
        cwd: work,
        env,
      });
    const reg = interleaved(15, register, nodeStartMs);

    // copy: 200 MB in 2 platforms × 4 layers of 25 MB.
    const layout = mkdtempSync(join(work, 'big-'));
    const pushed = writeOciLayout(layout, [
      { architecture: 'amd64', layers: [25e6, 25e6, 25e6, 25e6] },
      { architecture: 'arm64', layers: [25e6, 25e6, 25e6, 25e6] },
    ]);
    await skopeoPush(layout, `${source.host}/shop/big:1.0`);
    rmSync(layout, { recursive: true, force: true });
    execFileSync(process.execPath, [bin, 'register', '--image', `${source.host}/shop/big:1.0`], {
      cwd: work,
      env,
      stdio: 'ignore',
    });
    const fresh = async () => {
      const registry = await startRegistry();
      destinations.push(registry);
      return registry.host;
    };
    const rounds = 3;
    const hosts = await Promise.all(Array.from({ length: 2 * (rounds + 1) }, fresh));
    const ours = () =>
      wallMs(
        process.execPath,
        [bin, 'copy', '--artifact', pushed.digest, '--to', `${hosts.pop()}/shop/big:1.0`],
        {
          cwd: work,
          env,
        },
      );
    const skopeo = () =>
      wallMs(
        SKOPEO_BIN!,
        [
          'copy',
          '--all',
          '--quiet',
          '--src-tls-verify=false',
          '--dest-tls-verify=false',
          `docker://${source.host}/shop/big:1.0`,
          `docker://${hosts.pop()}/shop/big:1.0`,
        ],
        { env },
      );
    const copy = interleaved(rounds, ours, skopeo);
    const mb = pushed.bytes / 1e6;
    const oursRate = mb / (copy.value / 1000);
    const skopeoRate = mb / (copy.baseline / 1000);
    return [
      {
        name: 'register --image (tag resolved at a local registry), whole command',
        target: '≤ 3 × node -e 0',
        value: Math.round(reg.value),
        baseline: Math.round(reg.baseline),
        ratio: round2(reg.value / reg.baseline),
        unit: 'ms',
        pass: reg.value / reg.baseline <= 3,
        note: 'median of 15, interleaved',
      },
      {
        name: 'copy of a 200 MB image (2 platforms × 4 layers) between two local registries',
        target: '≥ 0.5 × skopeo copy --all',
        value: Math.round(oursRate),
        baseline: Math.round(skopeoRate),
        ratio: round2(oursRate / skopeoRate),
        unit: 'MB/s',
        pass: oursRate / skopeoRate >= 0.5,
        note: 'median of 3, interleaved, each into an empty registry of its own; whole processes timed',
      },
    ];
  } finally {
    await Promise.all([source, ...destinations].map((registry) => registry.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}
