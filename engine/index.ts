/**
 * The engine's public surface. Everything outside engine/ imports from here, and only from here.
 */
export * from './types';
export type { AnalysisOptions, Finding } from './findings';
export { analyzePolicy } from './analyze';
export type { AnalysisResult, InternalError } from './analyze';
export type { ParseError } from './parse-policy';
export { accessMatrix, type AccessSummary, type AccessEntry, type Grant, type GrantAccess } from './access-summary';
export { GRANT_OPERATIONS, keyGrantsFromListGrants, type GrantProblem, type GrantsReading, type KeyGrant } from './key-grants';
export {
  ACTION_CLASSES,
  ACTION_CLASS_LABELS,
  KMS_ACTIONS,
  actionNames,
  matchActionPattern,
  type ActionClass,
  type ActionSet,
} from './actions';
export {
  MODELLED_KEYS,
  PRINCIPAL_KINDS,
  SAR_DOCS_DISAGREEMENTS,
  keyPresence,
  type KeyPresence,
  type Presence,
  type PrincipalKind,
} from './condition-presence';
export type { PrincipalClass } from './principals';
export { PARTITIONS, accountOfArn, accountOfPrincipal, partitionOfArn, partitionOfRegion, wholeAccountOf } from './principals';
export { duplicateKeyPaths, keyPath, pathSegments } from './json-text';
export { CHECK, CHECKS, CHECK_IDS, isCheckId, type CheckId } from './checks/registry';
export { COMPLIANCE_FRAMEWORKS, type Check, type CheckMeta, type ComplianceMapping, type ControlIds } from './checks/toolkit';
export type {
  AccessVia,
  AccountAuthorizationDetails,
  CompileAccountFn,
  CompiledAccount,
  EffectiveAccess,
  EffectiveAccessFn,
  EffectiveLevel,
  EffectivePrincipal,
  KeyToJudge,
  OrganizationPolicies,
  OrganizationPolicy,
} from './effective-access/types';
export { compileAccount } from './effective-access/compile';
export { effectiveAccess, NOT_COVERED } from './effective-access/evaluate';
