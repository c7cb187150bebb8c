/**
 * Running the user's rollback command (`rollback --exec`, `watch --rollback --exec`): the shell's
 * part, after the application layer has recorded the rollback.
 */
import { createRequire } from 'node:module';
import type { RollbackResult } from '../app/rollback.js';
import type { Environment } from '../app/services.js';

/** Built-ins loaded on demand (`await import()` has no callback in the CLI bundle's vm.Script). */
const lazyRequire = createRequire(import.meta.url);

/**
 * Runs `command` through the shell with TOLLGATE_DIGEST (the digest to deploy: the rollback
 * target), TOLLGATE_PREVIOUS_DIGEST (the digest rolled back) and TOLLGATE_STAGE added to `env`.
 * Resolves with its exit code.
 */
export function runRollbackCommand(
  command: string,
  /** The rollback recorded: a result of the application layer, or the document a server answered. */
  result: { to: Pick<RollbackResult['to'], 'digest'>; from: Pick<RollbackResult['from'], 'artifact'> },
  stageName: string,
  options: { env: Environment; stdout?: 'inherit' | 'stderr' },
): Promise<number> {
  // Loaded here, not at the top: `rollback check` never runs a command.
  const { spawn } = lazyRequire('node:child_process') as typeof import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(command, {
      shell: true,
      stdio: ['ignore', options.stdout === 'stderr' ? process.stderr : 'inherit', 'inherit'],
      env: {
        ...options.env,
        TOLLGATE_DIGEST: result.to.digest,
        TOLLGATE_PREVIOUS_DIGEST: result.from.artifact,
        TOLLGATE_STAGE: stageName,
      },
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
