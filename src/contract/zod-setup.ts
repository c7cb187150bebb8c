/**
 * Imported first by every module that builds the contract schema. A contract is parsed once per
 * process, so zod's JIT (a function generated per object schema, decided when the schema is
 * built) costs more at start-up than it ever saves: build the schemas without it.
 */
import { z } from 'zod';

z.config({ jitless: true });
