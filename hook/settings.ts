/**
 * The hook's settings, read from the function's environment variables. Each variable is named after the rule
 * parameter it mirrors (TrustedAccountIds, MinimumSeverity, …) and parsed by that parameter's own spec
 * (settings/parameter-spec.ts), so the hook and the Config rule accept and refuse the same values; the
 * KmsKeyPolicyHook construct writes them with the same spec's `format`.
 */
import type { CheckId, Severity } from '../engine';
import { InvalidParameterError } from '../settings/errors';
import { RULE_PARAMETER_SPEC } from '../settings/parameter-spec';

export interface HookSettings {
  readonly trustedAccountIds: readonly string[];
  readonly trustedOrgIds: readonly string[];
  readonly minimumSeverity: Severity;
  readonly disabledChecks: readonly CheckId[];
  /** Tag key whose non-empty value on the key accepts its findings; undefined: findings cannot be accepted. */
  readonly exemptionTagKey?: string;
  /** Checks the exemption tag can never accept. */
  readonly nonSuppressibleChecks: readonly CheckId[];
}

/** The rule parameters the hook reads, by field. */
const SHARED_KEYS = ['trustedAccountIds', 'trustedOrgIds', 'minimumSeverity', 'disabledChecks', 'exemptionTagKey', 'nonSuppressibleChecks'] as const;
type SharedKey = (typeof SHARED_KEYS)[number];

/** Each setting's environment variable: the rule parameter's name. */
export const HOOK_ENVIRONMENT_VARIABLES = Object.fromEntries(SHARED_KEYS.map((key) => [key, RULE_PARAMETER_SPEC[key].name])) as {
  [K in SharedKey]: (typeof RULE_PARAMETER_SPEC)[K]['name'];
};

/** A variable holds a value the hook cannot use: every invocation answers InternalFailure with this message. */
export class InvalidHookSettingError extends Error {
  override readonly name = 'InvalidHookSettingError';
  constructor(
    readonly variable: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(
      `environment variable ${variable} of the hook function: ${problem}. Fix the value (the KmsKeyPolicyHook construct's props write it) and redeploy the hook stack.`,
      options,
    );
  }
}

function parseShared<K extends SharedKey>(key: K, value: string | undefined): ReturnType<(typeof RULE_PARAMETER_SPEC)[K]['parse']> | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const spec = RULE_PARAMETER_SPEC[key];
  try {
    return spec.parse(value) as ReturnType<(typeof RULE_PARAMETER_SPEC)[K]['parse']>;
  } catch (error) {
    if (error instanceof InvalidParameterError) {
      throw new InvalidHookSettingError(spec.name, error.message.replace(/^invalid rule parameter [^:]+: /, ''), { cause: error });
    }
    throw error;
  }
}

/** The settings in `env`; unset variables take the rule's defaults. Throws InvalidHookSettingError. */
export function readHookSettings(env: Readonly<Record<string, string | undefined>>): HookSettings {
  const v = HOOK_ENVIRONMENT_VARIABLES;
  const exemptionTagKey = parseShared('exemptionTagKey', env[v.exemptionTagKey]);
  return {
    trustedAccountIds: parseShared('trustedAccountIds', env[v.trustedAccountIds]) ?? [],
    trustedOrgIds: parseShared('trustedOrgIds', env[v.trustedOrgIds]) ?? [],
    minimumSeverity: parseShared('minimumSeverity', env[v.minimumSeverity]) ?? RULE_PARAMETER_SPEC.minimumSeverity.default ?? 'low',
    disabledChecks: parseShared('disabledChecks', env[v.disabledChecks]) ?? [],
    ...(exemptionTagKey === undefined ? {} : { exemptionTagKey }),
    nonSuppressibleChecks: parseShared('nonSuppressibleChecks', env[v.nonSuppressibleChecks]) ?? [...(RULE_PARAMETER_SPEC.nonSuppressibleChecks.default ?? [])],
  };
}
