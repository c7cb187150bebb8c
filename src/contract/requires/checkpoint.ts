import { z } from 'zod';

export const checkpointRequirement = z
  .boolean()
  .describe(
    "true: every promotion into this stage is sealed by a signed checkpoint of the ledger covering it (C2SP tlog-checkpoint, signed with the verifier key, which must be Ed25519), recorded in the ledger and carried in the VSA with the promotion's inclusion proof. Without such a key the gate fails and says what is needed.",
  );
