/**
 * Names the deployment gives, in a module that loads no CDK code, so benchmarks and tools can use them cheaply.
 */

/** The rule's name, also in conformance-pack/kms-policy-guard-pack.yaml (a test holds them equal). */
export const DEFAULT_RULE_NAME = 'kms-policy-guard-key-policy';
