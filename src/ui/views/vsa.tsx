/** The VSA stored with a promotion: its statement, read in the browser, checked against the digest. */
import type { Envelope } from '../api.js';
import { enc } from '../api.js';
import { Load, useApi } from '../ui.js';

interface VsaStatement {
  subject?: Array<{ digest?: Record<string, string> }>;
  predicate?: {
    verificationResult?: string;
    verifier?: { id?: string };
    timeVerified?: string;
    verifiedLevels?: string[];
  };
}

export function VsaCheck(props: { pipeline: string; stage: string; digest: string }) {
  const [loaded] = useApi<Envelope>(
    `/pipelines/${enc(props.pipeline)}/stages/${enc(props.stage)}/vsa?artifact=${enc(props.digest)}`,
  );
  return (
    <Load loaded={loaded} what="the VSA">
      {(envelope) => {
        let statement: VsaStatement = {};
        try {
          statement = JSON.parse(atob(envelope.payload)) as VsaStatement;
        } catch {
          return <span class="bad">unreadable payload</span>;
        }
        const [algorithm, hex] = props.digest.split(':');
        const about = statement.subject?.some((s) => s.digest?.[algorithm ?? ''] === hex) ?? false;
        const result = statement.predicate?.verificationResult ?? '?';
        return (
          <span>
            {result === 'PASSED' && about ? (
              <span class="good">PASSED</span>
            ) : (
              <span class="bad">{result}</span>
            )}
            {about ? ', about this digest' : ', NOT about this digest'}
            {`, ${envelope.signatures.length} signature${envelope.signatures.length === 1 ? '' : 's'}`}
            {envelope.signatures[0]?.keyid ? ` (key ${envelope.signatures[0].keyid.slice(0, 16)})` : ''}
            <span class="muted"> — signature: check it with `tollgate verify`</span>
          </span>
        );
      }}
    </Load>
  );
}
