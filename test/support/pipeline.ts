/**
 * One way for use-case tests to stand up a pipeline: its contract on a backend's fresh store, the
 * application's services over it, and requests as any principal at any time. Call `pipelines()`
 * once at a test file's top level; every store it opens is closed after each test.
 */
import { afterEach } from 'vitest';
import { createServices } from '../../src/app/create-services.js';
import {
  type AppRequest,
  type AppServices,
  contractSource,
  type Environment,
  fixedClock,
  requestOf,
} from '../../src/app/services.js';
import type { Contract } from '../../src/contract/types.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import type { Backend, StoreHandle } from './stores.js';

export interface TestPipeline {
  readonly services: AppServices;
  readonly store: LedgerStore;
  readonly handle: StoreHandle;
  /** A request as `principal`: at `at` (a set clock) or, without it, on the services' clock. */
  as(principal: string, at?: Date): AppRequest;
}

export interface PipelineOptions {
  /** The services' clock, fixed at this instant (default: the real clock). */
  clock?: Date;
  /** The environment the services see (default: none). */
  env?: Environment;
}

export type OpenPipeline = (
  backend: Backend,
  contract: Contract,
  options?: PipelineOptions,
) => Promise<TestPipeline>;

export function pipelines(): OpenPipeline {
  const open: StoreHandle[] = [];
  afterEach(async () => {
    for (const handle of open.splice(0)) await handle.dispose();
  });
  return async (backend, contract, options = {}) => {
    const handle = await backend.open();
    open.push(handle);
    const services = createServices({
      contracts: contractSource([contract]),
      store: handle.store,
      ...(options.clock ? { clock: fixedClock(options.clock) } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
    return {
      services,
      store: handle.store,
      handle,
      as: (principal, at) =>
        requestOf(services, { principal, pipeline: contract.pipeline, ...(at ? { at } : {}) }),
    };
  };
}
