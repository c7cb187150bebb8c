/** Config drift: read stage configs, diff by identity, classify, hold against a budget, render. */
export { type Classification, type ClassPatterns, classifyPath, explainPath } from './classify.js';
export { type DiffOptions, diffConfigs, diffValues } from './diff.js';
export { lookupPath, pathsMatching } from './lookup.js';
export { type ConfigPart, mergeConfig } from './merge.js';
export { matchPath, parsePath } from './pointer.js';
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
  type DeclarationNote,
  type DriftDeclaration,
  type DriftDifference,
  type DriftReport,
  type DriftRequirementConfig,
} from './report.js';
export * from './types.js';
