/**
 * The rule's InputParameters. All are optional. Config passes them as strings (lists comma-separated); a value
 * the rule cannot use fails the invocation with a message naming the parameter, rather than being guessed at.
 */
import { CHECK_IDS, SEVERITIES, isCheckId, isSeverity, type CheckId, type Severity } from '../engine';
import { InvalidParameterError } from './errors';

export interface RuleParameters {
  /** Accounts trusted to use the keys (no UNTRUSTED_CROSS_ACCOUNT finding). @default [] */
  trustedAccountIds: string[];
  /** Organisations (o-…) trusted to use the keys. @default [] */
  trustedOrgIds: string[];
  /** Findings below this severity do not make a key NON_COMPLIANT. @default 'low' */
  minimumSeverity: Severity;
  /** Checks to ignore. INVALID_POLICY cannot be disabled. @default [] */
  disabledChecks: CheckId[];
  /** Evaluate AWS-managed keys (alias/aws/…) instead of reporting them NOT_APPLICABLE. @default false */
  includeAwsManagedKeys: boolean;
  /** Tag key whose non-empty value exempts a key, the value being the justification. @default undefined */
  exemptionTagKey?: string;
  /** Cap on KMS requests per second during a sweep, shared by all calls; 1 to 1000. @default 50 */
  maxRequestsPerSecond: number;
  /** Role to assume in the event's account for every KMS and Config call (organisation deployment). @default undefined */
  executionRoleName?: string;
}

export const DEFAULT_MAX_REQUESTS_PER_SECOND = 50;
/**
 * Bounds of MaxRequestsPerSecond. Below 1 request per second a sweep cannot get through even a few hundred keys
 * in a 15-minute Lambda; the upper bound keeps a slip of the keyboard from spending the account's shared KMS
 * request quota (https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html).
 */
export const MIN_REQUESTS_PER_SECOND = 1;
export const MAX_REQUESTS_PER_SECOND = 1000;

export const PARAMETER_NAMES = [
  'TrustedAccountIds',
  'TrustedOrgIds',
  'MinimumSeverity',
  'DisabledChecks',
  'IncludeAwsManagedKeys',
  'ExemptionTagKey',
  'MaxRequestsPerSecond',
  'ExecutionRoleName',
] as const;
type ParameterName = (typeof PARAMETER_NAMES)[number];

function isParameterName(name: string): name is ParameterName {
  return (PARAMETER_NAMES as readonly string[]).includes(name);
}

/** A list parameter: a comma-separated string (as Config stores it) or a JSON array of strings. */
function list(name: ParameterName, value: unknown): string[] {
  const items =
    typeof value === 'string'
      ? value.split(',')
      : Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? (value as string[])
        : undefined;
  if (items === undefined) throw new InvalidParameterError(name, 'must be a comma-separated string');
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

function scalar(name: ParameterName, value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new InvalidParameterError(name, `must be a string, got ${Array.isArray(value) ? 'array' : typeof value}`);
}

export const ACCOUNT_ID = /^\d{12}$/;
/** https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html */
export const ORG_ID = /^o-[a-z0-9]{10,32}$/;
// IAM role names, optionally with a path (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html):
// a name of at most 64 characters, a path (with its leading and trailing "/") of at most 512.
const ROLE_NAME = /^(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const MAX_ROLE_NAME_LENGTH = 64;
const MAX_ROLE_PATH_LENGTH = 512;
const ROLE_ARN = /^arn:[^:]*:iam::[^:]*:role\/(.*)$/;

/** Checks ExecutionRoleName (leading "/" already removed) and returns why it is unusable, if it is. */
function roleNameProblem(role: string): string | undefined {
  const arn = ROLE_ARN.exec(role);
  if (arn !== null || role.startsWith('arn:')) {
    const example = arn?.[1] !== undefined && arn[1] !== '' ? arn[1] : 'audit/KmsPolicyGuardAudit';
    return `"${role}" is an ARN: give the role name (and path), not the ARN, e.g. "${example}"`;
  }
  const slash = role.lastIndexOf('/');
  const name = role.slice(slash + 1);
  // The IAM path includes its leading and trailing "/": "audit/x/Name" has the path "/audit/x/".
  const pathLength = slash < 0 ? 1 : slash + 2;
  if (name.length > MAX_ROLE_NAME_LENGTH) return `role name "${name.slice(0, 20)}…" is ${name.length} characters long; IAM allows at most ${MAX_ROLE_NAME_LENGTH}`;
  if (pathLength > MAX_ROLE_PATH_LENGTH) return `the role path is ${pathLength} characters long; IAM allows at most ${MAX_ROLE_PATH_LENGTH}`;
  if (!ROLE_NAME.test(role)) return `"${role}" is not an IAM role name (optionally with a path, e.g. "audit/KmsPolicyGuardAudit")`;
  return undefined;
}
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

export function parseRuleParameters(raw: Record<string, unknown>): RuleParameters {
  const params: RuleParameters = {
    trustedAccountIds: [],
    trustedOrgIds: [],
    minimumSeverity: 'low',
    disabledChecks: [],
    includeAwsManagedKeys: false,
    maxRequestsPerSecond: DEFAULT_MAX_REQUESTS_PER_SECOND,
  };
  for (const [name, value] of Object.entries(raw)) {
    if (!isParameterName(name)) {
      throw new InvalidParameterError(name, `is not a parameter of this rule (known: ${PARAMETER_NAMES.join(', ')})`);
    }
    if (value === undefined || value === null || value === '') continue;
    switch (name) {
      case 'TrustedAccountIds': {
        const ids = list(name, value);
        const bad = ids.find((id) => !ACCOUNT_ID.test(id));
        if (bad !== undefined) throw new InvalidParameterError(name, `"${bad}" is not a 12-digit account id`);
        params.trustedAccountIds = ids;
        break;
      }
      case 'TrustedOrgIds': {
        const ids = list(name, value);
        const bad = ids.find((id) => !ORG_ID.test(id));
        if (bad !== undefined) throw new InvalidParameterError(name, `"${bad}" is not an organization id (o-…)`);
        params.trustedOrgIds = ids;
        break;
      }
      case 'MinimumSeverity': {
        const severity = scalar(name, value).toLowerCase();
        if (!isSeverity(severity)) throw new InvalidParameterError(name, `must be one of ${SEVERITIES.join(', ')}, got "${severity}"`);
        params.minimumSeverity = severity;
        break;
      }
      case 'DisabledChecks': {
        const ids = list(name, value).map((id) => id.toUpperCase());
        const bad = ids.find((id) => !isCheckId(id));
        if (bad !== undefined) throw new InvalidParameterError(name, `unknown check "${bad}" (known: ${CHECK_IDS.join(', ')})`);
        if (ids.includes('INVALID_POLICY')) {
          throw new InvalidParameterError(name, 'INVALID_POLICY cannot be disabled: a policy that cannot be parsed is never compliant');
        }
        params.disabledChecks = ids as CheckId[];
        break;
      }
      case 'IncludeAwsManagedKeys': {
        const flag = scalar(name, value).toLowerCase();
        if (flag !== 'true' && flag !== 'false') throw new InvalidParameterError(name, `must be true or false, got "${flag}"`);
        params.includeAwsManagedKeys = flag === 'true';
        break;
      }
      case 'ExemptionTagKey': {
        const key = scalar(name, value);
        if (!TAG_KEY.test(key)) throw new InvalidParameterError(name, `"${key}" is not a valid tag key (1-128 characters)`);
        params.exemptionTagKey = key;
        break;
      }
      case 'MaxRequestsPerSecond': {
        const text = scalar(name, value);
        const rate = text === '' ? Number.NaN : Number(text);
        if (!Number.isFinite(rate) || rate < MIN_REQUESTS_PER_SECOND || rate > MAX_REQUESTS_PER_SECOND) {
          throw new InvalidParameterError(
            name,
            `must be a number of requests per second from ${MIN_REQUESTS_PER_SECOND} to ${MAX_REQUESTS_PER_SECOND} (decimals allowed), got "${text}"`,
          );
        }
        params.maxRequestsPerSecond = rate;
        break;
      }
      case 'ExecutionRoleName': {
        const role = scalar(name, value).replace(/^\/+/, '');
        const problem = roleNameProblem(role);
        if (problem !== undefined) throw new InvalidParameterError(name, problem);
        params.executionRoleName = role;
        break;
      }
      default: {
        const unreachable: never = name;
        throw new InvalidParameterError(String(unreachable), 'is not handled');
      }
    }
  }
  return params;
}
