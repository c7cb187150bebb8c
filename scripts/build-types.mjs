// The library's type declarations (dist/tollgate.d.ts, one rolled-up file) and its API report
// (etc/tollgate.api.md), with @microsoft/api-extractor. The report is the public API as it stands;
// it is checked in, and `--check` fails when the API changed without the report being updated
// (run `npm run api` to accept a deliberate change, and say so in the commit).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const require = createRequire(import.meta.url);

rmSync(join(root, 'dist/types'), { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.lib.json')],
  {
    stdio: 'inherit',
    cwd: root,
  },
);
const { Extractor, ExtractorConfig } = require('@microsoft/api-extractor');
const config = ExtractorConfig.loadFileAndPrepare(join(root, 'api-extractor.json'));
const result = Extractor.invoke(config, { localBuild: !check, showVerboseMessages: false });
rmSync(join(root, 'dist/types'), { recursive: true, force: true });
if (!result.succeeded) {
  console.error(
    check && result.apiReportChanged
      ? 'the public API changed: etc/tollgate.api.md no longer matches src/index.ts. If the change is deliberate, run `npm run api` and commit the report.'
      : `api-extractor: ${result.errorCount} errors, ${result.warningCount} warnings`,
  );
  process.exit(1);
}
