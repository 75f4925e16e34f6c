/**
 * `kms-policy-guard/cdk`: the constructs and stacks, for use in your own CDK v2 app. `aws-cdk-lib` and
 * `constructs` are peer dependencies: the app's own copies are used. The Lambda code the constructs deploy
 * ships prebuilt in the package (dist/lambda/), so synthesis needs neither esbuild nor Docker.
 */
export {
  DEFAULT_MAXIMUM_EXECUTION_FREQUENCY,
  KmsKeyPolicyRule,
  KmsKeyPolicyRuleFunction,
  type KmsKeyPolicyRuleFunctionProps,
  type KmsKeyPolicyRuleProps,
} from './constructs/kms-key-policy-rule';
export { AUTOMATION_ASSUME_ROLE_PARAMETER, KeyPolicyRemediation, type KeyPolicyRemediationProps } from './constructs/key-policy-remediation';
export { GuardFunction, type GuardFunctionProps } from './constructs/guard-function';
export {
  DEFAULT_HOOK_ALIAS,
  hookMemberTemplate,
  KmsKeyPolicyHook,
  KmsKeyPolicyHookFunction,
  type KmsKeyPolicyHookFunctionProps,
  type KmsKeyPolicyHookProps,
  type KmsKeyPolicyHookSettings,
} from './constructs/key-policy-hook';
export type { LambdaHandlerName } from './constructs/lambda-bundle';
export { KmsPolicyGuardRuleStack, type KmsPolicyGuardRuleStackProps } from './stacks/rule-stack';
export { KmsPolicyGuardHookStack, type KmsPolicyGuardHookStackProps } from './stacks/hook-stack';
export { KmsPolicyGuardConformancePackStack, type KmsPolicyGuardConformancePackStackProps } from './stacks/conformance-pack-stack';
export { KmsPolicyGuardOrganizationStack, type KmsPolicyGuardOrganizationStackProps, type OrganizationHookProps } from './stacks/organization-stack';
export { CONFORMANCE_PACK_TEMPLATE_PATH, loadConformancePackTemplate, type ConformancePackTemplate } from './conformance-pack';
export { DEFAULT_EXECUTION_ROLE_NAME, executionRoleTemplate } from './execution-role-template';
export { DEFAULT_RULE_NAME } from './names';
export { KMS_KEY_POLICY_NO_PUBLIC_ACCESS_MISSING_REGIONS, MANAGED_RULES, type ManagedRule } from './managed-rules';
export type { KmsPolicyGuardRuleParameters } from './rule-parameters';
export type { RemediationSettings } from './settings';
export { KmsPolicyGuardAspect, type KmsPolicyGuardAspectProps } from './checks/aspect';
export type { KmsPolicyGuardCheckProps } from './checks/settings';
export { RULE_IDS as KMS_POLICY_GUARD_RULE_IDS, checkRuleId } from './checks/rule-ids';
