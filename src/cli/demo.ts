import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TollgateError } from '../errors.js';
import { DEMO_STEPS } from './demo-script.js';

/** The package's root: the bundle lives in dist/, sources in src/cli/. */
function packageRoot(): string {
  const here = new URL('.', import.meta.url);
  return fileURLToPath(here.pathname.endsWith('/dist/') ? new URL('..', here) : new URL('../..', here));
}

/**
 * Copies examples/checkout into a fresh directory (so its ledger starts empty) and runs every
 * demo step as a real `tollgate` process, printing the command and its output.
 */
export async function runDemo(options: { keep: boolean; print: (text: string) => void }): Promise<number> {
  const root = packageRoot();
  const bin = join(root, 'bin', 'tollgate.cjs');
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-demo-'));
  cpSync(join(root, 'examples', 'checkout'), dir, {
    recursive: true,
    filter: (src) => !src.includes('.tollgate'),
  });
  const { print } = options;
  let digest = '';
  print(`Tollgate demo: pipeline "checkout" in ${dir}\n`);
  const metrics = await (await import('./demo-prometheus.js')).startDemoPrometheus(dir, print);
  try {
    for (const [index, step] of DEMO_STEPS.entries()) {
      const args = step.args.map((a) => a.replaceAll('{digest}', digest));
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        TOLLGATE_CONTRACT: 'tollgate.yaml',
        TOLLGATE_DATA_DIR: join(dir, '.tollgate'),
        ...metrics?.env,
      };
      delete env.TOLLGATE_DATABASE_URL;
      if (step.actor) env.TOLLGATE_ACTOR = step.actor;
      else delete env.TOLLGATE_ACTOR;
      if (step.now) env.TOLLGATE_NOW = step.now;
      else delete env.TOLLGATE_NOW;
      print(`── ${index + 1}. ${step.say}`);
      if (step.copy) {
        copyFileSync(join(dir, step.copy[0]), join(dir, step.copy[1]));
        print(`$ cp ${step.copy[0]} ${step.copy[1]}`);
      }
      const who = [
        step.actor ? `TOLLGATE_ACTOR=${step.actor}` : '',
        step.now ? `TOLLGATE_NOW=${step.now}` : '',
      ]
        .filter(Boolean)
        .join(' ');
      print(`$ ${who ? `${who} ` : ''}tollgate ${args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}`);
      const run = spawnSync(process.execPath, [bin, ...args], { cwd: dir, env, encoding: 'utf8' });
      const output = `${run.stdout}${run.stderr}`.trimEnd();
      if (output) print(output);
      print(`(exit ${run.status})\n`);
      if (step.captureDigest) digest = (JSON.parse(run.stdout) as { digest: string }).digest;
      if (run.status !== step.expect) {
        throw new TollgateError(
          'INTERNAL',
          `demo step ${index + 1} exited ${run.status}, expected ${step.expect}`,
        );
      }
    }
    print(
      options.keep
        ? `The demo pipeline is kept in ${dir}: cd there and try \`tollgate status\`.`
        : 'Demo finished. Run `npm start -- --keep` to keep its directory and explore.',
    );
    return 0;
  } finally {
    await metrics?.stop();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}
