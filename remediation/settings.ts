/**
 * What the remediation may write, fixed when it is deployed: the principals that replace account-wide
 * grants. They reach the function through its environment (set by infra/constructs/key-policy-remediation.ts,
 * validated there at `cdk synth`) and are validated again here, once, at cold start. An invocation never
 * chooses them: whoever could pass their own role as administrator would take over every key whose policy
 * delegates to IAM (a confused deputy).
 */
import { PARTITIONS } from '../engine';
import { RemediationConfigurationError } from './errors';

/** Environment variables of the deployed function; their names are fixed by deployments already made. */
export const ADMINISTRATION_PRINCIPALS_ENV = 'KMS_POLICY_GUARD_ADMIN_PRINCIPAL_ARNS';
export const USE_PRINCIPALS_ENV = 'KMS_POLICY_GUARD_USAGE_PRINCIPAL_ARNS';
/** Replaced key policies are backed up under this SSM parameter path; the deployed role may write nowhere else. */
export const BACKUP_PARAMETER_PREFIX = '/kms-policy-guard/backup';

export interface RemediationPrincipals {
  /** Receive the administration part of account-wide grants (the function's own role is among them). */
  readonly administration: readonly string[];
  /** Receive the use part of account-wide grants. */
  readonly use: readonly string[];
}

/**
 * IAM role or user ARNs only. An account principal (`arn:…:root` or a bare account ID) is exactly the
 * account-wide grant being removed, and `*` is public; neither may come back through the settings.
 * Wildcards are not allowed in the Principal element of a key policy anyway
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html#key-policy-elements).
 */
const PRINCIPAL_ARN = /^arn:([^:]*):iam::\d{12}:(role|user)\/((?:[\w+=,.@-]+\/)*[\w+=,.@-]+)$/;


/**
 * Why `arn` cannot be named by the remediation, or undefined when it can. The partitions are the engine's
 * (PARTITIONS): a principal of another partition can never match a caller of this one, so naming it would lock
 * the key's administrators out.
 */
export function principalArnProblem(arn: string): string | undefined {
  const m = PRINCIPAL_ARN.exec(arn);
  const partition = m?.[1] ?? '';
  // A role or user path and name together hold at most 512 characters; every path segment and the name are non-empty.
  if (m !== null && PARTITIONS.test(partition) && (m[3] ?? '').length <= 512) return undefined;
  if (m !== null && !PARTITIONS.test(partition)) {
    return `"${arn}" names an unknown partition "${partition}"; the partitions are aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f and aws-eusc`;
  }
  const hint =
    /:root$/.test(arn) || /^\d{12}$/.test(arn) ? ' (an account principal grants the whole account, which is what this remediation removes)' : '';
  return `"${arn}" is not an IAM role or user ARN such as arn:aws:iam::111122223333:role/KeyAdmin${hint}`;
}

function readList(env: Readonly<Record<string, string | undefined>>, name: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    throw new RemediationConfigurationError(
      name,
      'is not set: the remediation was deployed without its principals; set remediationAdminPrincipalArns and ' +
        'remediationUsagePrincipalArns (CDK context or construct props) and deploy again',
    );
  }
  const arns: string[] = [];
  for (const part of raw.split(',')) {
    const arn = part.trim();
    if (arn === '') continue;
    const problem = principalArnProblem(arn);
    if (problem !== undefined) throw new RemediationConfigurationError(name, problem);
    if (!arns.includes(arn)) arns.push(arn);
  }
  if (arns.length === 0) {
    throw new RemediationConfigurationError(
      name,
      `names no principal ("${raw}" holds only separators); set remediationAdminPrincipalArns and remediationUsagePrincipalArns ` +
        '(CDK context or construct props) to role or user ARNs and deploy again',
    );
  }
  return arns;
}

/** Read and validate the deployed principals. Throws RemediationConfigurationError. */
export function readRemediationPrincipals(env: Readonly<Record<string, string | undefined>>): RemediationPrincipals {
  return { administration: readList(env, ADMINISTRATION_PRINCIPALS_ENV), use: readList(env, USE_PRINCIPALS_ENV) };
}
