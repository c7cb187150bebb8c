/**
 * What every request of the server carries through its middleware and handlers (hono's context
 * variables): who is calling, the request id, and the services of this request.
 */
import type { Context } from 'hono';
import type { AppServices } from '../app/services.js';
import type { Identity } from './identity.js';
import type { UploadDigest } from './upload-digest.js';

export interface ServerVariables {
  identity: Identity;
  requestId: string;
  /** The services of this request, when they differ from the process's (a keyed write's store). */
  services?: AppServices;
  /** The digest of a keyed upload's body, taken as the route reads it (src/server/idempotency.ts). */
  uploadDigest?: UploadDigest;
  /** The code of the error answered, for the log line. */
  errorCode?: string;
}
export type ServerEnv = { Variables: ServerVariables };
export type ServerContext = Context<ServerEnv>;
