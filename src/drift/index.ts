/** Config drift: read stage configs, diff by identity, classify, hold against a budget, render. */
export {
  type Classification,
  type ClassPatterns,
  classifyPath,
  compileClassPatterns,
  explainPath,
} from './classify.js';
export { compileKeyRules, type DiffOptions, diffConfigs, diffValues, type KeyRule } from './diff.js';
export { lookupPath, pathsMatching } from './lookup.js';
export { type ConfigPart, mergeConfig } from './merge.js';
export { compilePathPattern, matchPath, type PathPattern, parsePath } from './pointer.js';
export {
  parseConfigBytes,
  type ReadConfigOptions,
  readStageConfig,
  splitConfigEntry,
} from './read-config.js';
export { formatChange, renderDriftJson, renderDriftMarkdown, renderDriftText } from './render.js';
export {
  type BudgetValue,
  type BuildDriftReportInput,
  buildDriftReport,
  type ClassUse,
  compileDriftRequirement,
  type DeclarationNote,
  type DriftDeclaration,
  type DriftDeclarationSpec,
  type DriftDifference,
  type DriftReport,
  type DriftRequirement,
} from './report.js';
export * from './types.js';
