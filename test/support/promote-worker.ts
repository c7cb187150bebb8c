/**
 * A separate process for the concurrency test: registers N digests and promotes each into a stage
 * through the application layer, as a CI job would. Bundled by esbuild at test time.
 * argv: worker-id count stage
 */
import { createHash } from 'node:crypto';
import { createContext } from '../../src/app/context.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { renewed } from '../../src/app/services.js';

const [worker = '0', count = '50', stage = 'dev'] = process.argv.slice(2);
const ctx = createContext({ env: process.env, as: `worker-${worker}` });
let promoted = 0;
for (let i = 0; i < Number(count); i++) {
  const digest = `sha256:${createHash('sha256').update(`${worker}-${i}`).digest('hex')}`;
  // One request per call, each at its own time, as separate CI jobs would make them.
  await registerArtifact(renewed(ctx), { digest, labels: { worker, index: String(i) } });
  const { entry } = await promote(renewed(ctx), stage, digest);
  if (entry) promoted++;
}
await ctx.close();
process.stdout.write(JSON.stringify({ worker, promoted }));
