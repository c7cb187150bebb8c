/**
 * The VSA stored with a promotion, verified by the server as `tollgate verify` verifies it
 * (signature with the pipeline's verifier key, subject digest, stage, pipeline, and the ledger
 * entry's inclusion proof and signed checkpoint when it carries them).
 */
import type { VsaVerification } from '../api.js';
import { enc } from '../api.js';
import { Load, useApi, When } from '../ui.js';

export function VsaCheck(props: { pipeline: string; stage: string; digest: string }) {
  const [loaded] = useApi<VsaVerification>(
    `/pipelines/${enc(props.pipeline)}/stages/${enc(props.stage)}/vsa/verification?artifact=${enc(props.digest)}`,
  );
  return (
    <Load loaded={loaded} what="the VSA's verification">
      {(v) =>
        v.valid ? (
          <span>
            <span class="good">signature valid</span>, {v.result} for this digest and stage
            {v.ledger ? ', ledger entry proven against a signed checkpoint' : ''}; verified{' '}
            <When at={v.timeVerified} /> by {v.verifier}
          </span>
        ) : (
          <span class="bad">does not verify: {v.reason}</span>
        )
      }
    </Load>
  );
}
