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
  /**
   * Authenticates the request's credential again, now (undefined when it no longer is one: a
   * session signed out or expired, a token revoked): a long answer (a live stream) asks it.
   */
  reauthenticate: () => Promise<Identity | undefined>;
  requestId: string;
  /** The services of this request, when they differ from the process's (a keyed write's store). */
  services?: AppServices;
  /** The digest of a keyed upload's body, taken as the route reads it (src/server/idempotency.ts). */
  uploadDigest?: UploadDigest;
  /**
   * The client's address when a trusted proxy named it (X-Forwarded-For; see clientAddress);
   * absent: the socket's peer is the client.
   */
  forwardedFor?: string;
  /** The code of the error answered, for the log line. */
  errorCode?: string;
}
export type ServerEnv = { Variables: ServerVariables };
export type ServerContext = Context<ServerEnv>;
