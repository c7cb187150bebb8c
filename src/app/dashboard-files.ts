/**
 * Where the dashboard's built files are (index.html and assets/, made by scripts/build.mjs): dist/ui
 * beside the running bundle (dist/server.cjs, dist/core.cjs), or the repository's dist/ui when
 * running from source (tests).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function dashboardDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'ui');
  return existsSync(beside) ? beside : join(here, '..', '..', 'dist', 'ui');
}
