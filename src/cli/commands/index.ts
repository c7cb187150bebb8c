/**
 * Every command, one line each. A command file only declares its arguments and options; its
 * action imports the application layer when it runs.
 */
import type { Command } from 'commander';
import { defineApprove, defineReject } from './approve.js';
import { defineAttest } from './attest.js';
import { defineCheck } from './check.js';
import { defineCi } from './ci.js';
import { defineContract } from './contract.js';
import { defineCopy } from './copy.js';
import { defineDemo } from './demo.js';
import { defineDrift } from './drift.js';
import { defineExplain } from './explain.js';
import { defineHistory } from './history.js';
import { defineInit } from './init.js';
import { defineLedger } from './ledger.js';
import { definePromote } from './promote.js';
import { definePublish } from './publish.js';
import { defineRegister } from './register.js';
import { defineReport } from './report.js';
import { defineRollback, defineWatch } from './rollback.js';
import { defineSchema } from './schema.js';
import { defineServe } from './serve.js';
import { defineSign } from './sign.js';
import { defineStatus } from './status.js';
import { defineToken } from './token.js';
import { defineValidate } from './validate.js';
import { defineVerify } from './verify.js';
import { defineVerifyBundle } from './verify-bundle.js';
import { defineVsa } from './vsa.js';
import { defineWindows } from './windows.js';

export const COMMANDS: Array<(program: Command) => void> = [
  defineInit,
  defineValidate,
  defineRegister,
  defineAttest,
  defineCheck,
  definePromote,
  defineCopy,
  definePublish,
  defineApprove,
  defineReject,
  defineWindows,
  defineRollback,
  defineWatch,
  defineDrift,
  defineStatus,
  defineHistory,
  defineExplain,
  defineReport,
  defineSign,
  defineVerifyBundle,
  defineVerify,
  defineVsa,
  defineLedger,
  defineContract,
  defineServe,
  defineToken,
  defineDemo,
  defineSchema,
  defineCi,
];
