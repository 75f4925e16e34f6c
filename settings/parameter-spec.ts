/**
 * The one description of the rule's InputParameters. Each parameter's name, kind, default, allowed values and
 * description live here; the rule's parser (rule/parameters.ts), the CDK props' validation (infra/), the
 * conformance pack's AllowedValues/AllowedPattern (checked by a test) and the parameter table in
 * docs/config-rule.md (scripts/generate-parameter-docs.ts) are all derived from it.
 *
 * Config passes every value as a string (lists comma-separated); a value the rule cannot use fails with an
 * InvalidParameterError naming the parameter, rather than being guessed at.
 */
import { CHECK, CHECK_IDS, SEVERITIES, isCheckId, isSeverity, type CheckId, type Severity } from '../engine';
import { InvalidParameterError } from './errors';

/** The kinds of parameter, as the docs name them. */
export type ParameterKind = 'list' | 'severity' | 'check-id list' | 'boolean' | 'string' | 'number';

/**
 * What Config may hold for a parameter, as a CloudFormation parameter constraint: the empty string (unset)
 * always included. Never looser than `parse` but for the lengths a pattern does not state (ExecutionRoleName's
 * 512-character path): every other value it allows, the rule accepts. It may be stricter (lower case only,
 * no leading "/"), since the CDK app passes values as `format` writes them.
 */
export type ParameterConstraint = { readonly allowedValues: readonly string[] } | { readonly allowedPattern: string };

export interface ParameterSpec<T, N extends string = string> {
  /** The name Config stores (InputParameters key, conformance pack parameter). */
  readonly name: N;
  readonly kind: ParameterKind;
  /** The values accepted, for people (the docs' "Values" column). */
  readonly values: string;
  /** One sentence: the conformance pack's Description and the start of the docs' text. */
  readonly description: string;
  /** Further detail for the docs table only. */
  readonly details?: string;
  /** The rule's value when the parameter is unset or empty; undefined: none. */
  readonly default: T | undefined;
  readonly constraint: ParameterConstraint;
  /** Turns a set, non-empty value (a string, or a JSON array/number/boolean) into the typed value; throws InvalidParameterError. */
  readonly parse: (value: unknown) => T;
  /** The typed value as Config stores it. */
  readonly format: (value: T) => string;
}

/** A list parameter: a comma-separated string (as Config stores it) or a JSON array of strings. */
function listItems(name: string, value: unknown): string[] {
  const items =
    typeof value === 'string'
      ? value.split(',')
      : Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? (value as string[])
        : undefined;
  if (items === undefined) throw new InvalidParameterError(name, 'must be a comma-separated string');
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

function scalar(name: string, value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new InvalidParameterError(name, `must be a string, got ${Array.isArray(value) ? 'array' : typeof value}`);
}

/** A CloudFormation AllowedPattern for a comma-separated list of `item`s, or the empty string. */
function listPattern(item: string): string {
  return `^$|^ *(?:${item}) *(?:, *(?:${item}) *)*$`;
}

const anchored = (pattern: string) => new RegExp(`^(?:${pattern})$`, 'u');

// --- the kinds ---------------------------------------------------------------------------------------------

interface IdListOptions<N extends string> {
  readonly name: N;
  readonly description: string;
  readonly details?: string;
  /** An item's pattern, unanchored, in the syntax JavaScript and CloudFormation (Java) share. */
  readonly item: string;
  /** What one item is, for people ("12-digit account IDs"). */
  readonly items: string;
  readonly notAnItem: (bad: string) => string;
}

function idList<N extends string>(o: IdListOptions<N>): ParameterSpec<string[], N> {
  const item = anchored(o.item);
  return {
    name: o.name,
    kind: 'list',
    values: `comma-separated ${o.items}`,
    description: o.description,
    details: o.details,
    default: [],
    constraint: { allowedPattern: listPattern(o.item) },
    parse: (value) => {
      const ids = listItems(o.name, value);
      const bad = ids.find((id) => !item.test(id));
      if (bad !== undefined) throw new InvalidParameterError(o.name, o.notAnItem(bad));
      return ids;
    },
    format: (ids) => ids.join(','),
  };
}

function severity<N extends string>(o: { name: N; description: string; details?: string; default: Severity }): ParameterSpec<Severity, N> {
  return {
    name: o.name,
    kind: 'severity',
    values: SEVERITIES.map((v) => `\`${v}\``).join(', ') + ' (any case)',
    description: o.description,
    details: o.details,
    default: o.default,
    constraint: { allowedValues: ['', ...SEVERITIES] },
    parse: (value) => {
      const text = scalar(o.name, value).toLowerCase();
      if (!isSeverity(text)) throw new InvalidParameterError(o.name, `must be one of ${SEVERITIES.join(', ')}, got "${text}"`);
      return text;
    },
    format: (s) => s,
  };
}

const ASCII_CHECK_ID = /^[A-Za-z0-9_]+$/;

/** INVALID_POLICY cannot be disabled: a policy that cannot be parsed is never compliant. */
const DISABLEABLE_CHECK_IDS: readonly CheckId[] = CHECK_IDS.filter((id) => id !== CHECK.INVALID_POLICY);

/**
 * Check ids of the catalogue but INVALID_POLICY, upper-cased. Upper-casing maps some non-ASCII letters onto
 * ASCII ("ı" and "ſ" become "I" and "S"): a look-alike must not name a check, so only ASCII ids are upper-cased.
 */
function parseCheckIds(name: string, items: readonly string[], invalidPolicyProblem: string): CheckId[] {
  const notAscii = items.find((id) => !ASCII_CHECK_ID.test(id));
  if (notAscii !== undefined) {
    throw new InvalidParameterError(name, `unknown check "${notAscii}" (check IDs are ASCII letters, digits and _; known: ${CHECK_IDS.join(', ')})`);
  }
  const ids = items.map((id) => id.toUpperCase());
  const bad = ids.find((id) => !isCheckId(id));
  if (bad !== undefined) throw new InvalidParameterError(name, `unknown check "${bad}" (known: ${CHECK_IDS.join(', ')})`);
  if (ids.includes(CHECK.INVALID_POLICY)) throw new InvalidParameterError(name, invalidPolicyProblem);
  return ids as CheckId[];
}

const CHECK_IDS_VALUES = `comma-separated check IDs (ASCII letters in any case) of the catalogue, except \`${CHECK.INVALID_POLICY}\``;

function checkIdList<N extends string>(o: { name: N; description: string; details?: string }): ParameterSpec<CheckId[], N> {
  return {
    name: o.name,
    kind: 'check-id list',
    values: CHECK_IDS_VALUES,
    description: o.description,
    details: o.details,
    default: [],
    constraint: { allowedPattern: listPattern(DISABLEABLE_CHECK_IDS.join('|')) },
    parse: (value) =>
      parseCheckIds(o.name, listItems(o.name, value), `${CHECK.INVALID_POLICY} cannot be disabled: a policy that cannot be parsed is never compliant`),
    format: (ids) => ids.join(','),
  };
}

/**
 * The word that stands for "no check" in a check-id list whose default is not empty. Config stores no empty
 * parameter (the rule reads "" as unset, so the default), so an empty list needs a value of its own.
 */
export const NO_CHECKS = 'NONE';

/**
 * A check-id list with a non-empty default: unset or "" gives the default, `NONE` (alone, any case) no check.
 * INVALID_POLICY is refused: nothing can accept its findings anyway (inline suppressions refuse it, and the
 * exemption tag never covers it), so naming it would suggest that leaving it out could.
 */
function checkIdListOrNone<N extends string>(o: { name: N; description: string; details?: string; default: readonly CheckId[] }): ParameterSpec<CheckId[], N> {
  return {
    name: o.name,
    kind: 'check-id list',
    values: `${CHECK_IDS_VALUES}, or \`${NO_CHECKS}\` for none`,
    description: o.description,
    details: o.details,
    default: [...o.default],
    constraint: { allowedPattern: `${listPattern(DISABLEABLE_CHECK_IDS.join('|'))}|^ *${NO_CHECKS} *$` },
    parse: (value) => {
      const items = listItems(o.name, value);
      const none = items.filter((item) => item.toUpperCase() === NO_CHECKS && ASCII_CHECK_ID.test(item));
      if (none.length > 0) {
        if (items.length > 1) throw new InvalidParameterError(o.name, `${NO_CHECKS} stands alone: give either ${NO_CHECKS} or check IDs, not both`);
        return [];
      }
      return parseCheckIds(
        o.name,
        items,
        `${CHECK.INVALID_POLICY} is never suppressible (nothing can accept a policy that cannot be parsed); leave it out`,
      );
    },
    format: (ids) => (ids.length === 0 ? NO_CHECKS : ids.join(',')),
  };
}

function flag<N extends string>(o: { name: N; description: string; details?: string; default: boolean }): ParameterSpec<boolean, N> {
  return {
    name: o.name,
    kind: 'boolean',
    values: '`true` or `false` (any case)',
    description: o.description,
    details: o.details,
    default: o.default,
    constraint: { allowedValues: ['', 'true', 'false'] },
    parse: (value) => {
      const text = scalar(o.name, value).toLowerCase();
      if (text !== 'true' && text !== 'false') throw new InvalidParameterError(o.name, `must be true or false, got "${text}"`);
      return text === 'true';
    },
    format: (b) => String(b),
  };
}

interface TextOptions<N extends string> {
  readonly name: N;
  readonly description: string;
  readonly details?: string;
  /** Unanchored pattern of an acceptable value (after `prepare`). */
  readonly pattern: string;
  /** What a value is, for people. */
  readonly values: string;
  /** Normalises the trimmed text before it is checked (e.g. drops a leading "/"). */
  readonly prepare?: (text: string) => string;
  /** Why a value is unusable, or undefined when it is usable; runs before the pattern. */
  readonly problem?: (text: string) => string | undefined;
  readonly notMatching: (text: string) => string;
}

function text<N extends string>(o: TextOptions<N>): ParameterSpec<string, N> {
  const valid = anchored(o.pattern);
  return {
    name: o.name,
    kind: 'string',
    values: o.values,
    description: o.description,
    details: o.details,
    default: undefined,
    constraint: { allowedPattern: `^$|^${o.pattern}$` },
    parse: (value) => {
      const prepared = (o.prepare ?? ((t: string) => t))(scalar(o.name, value));
      const problem = o.problem?.(prepared) ?? (valid.test(prepared) ? undefined : o.notMatching(prepared));
      if (problem !== undefined) throw new InvalidParameterError(o.name, problem);
      return prepared;
    },
    format: (t) => t,
  };
}

interface NumberOptions<N extends string> {
  readonly name: N;
  readonly description: string;
  readonly details?: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** What the number counts, for the message ("requests per second"). */
  readonly unit: string;
}

/**
 * The CloudFormation pattern of a decimal from 1 to `max`, where `max` is a power of ten (10, 100, 1000, …):
 * a whole part of 1 to (digits of max − 1) digits without a leading zero and any decimals, or `max` itself.
 */
function oneToPowerOfTenPattern(max: number): string {
  const digits = String(max).length;
  if (!/^10+$/.test(String(max))) throw new Error(`no pattern for the range 1..${max}: the upper bound must be a power of ten`);
  return `^$|^(?:${max}(?:\\.0+)?|[1-9][0-9]{0,${digits - 2}}(?:\\.[0-9]+)?)$`;
}

function decimal<N extends string>(o: NumberOptions<N>): ParameterSpec<number, N> {
  if (o.min !== 1) throw new Error(`${o.name}: no pattern for a range starting at ${o.min}`);
  return {
    name: o.name,
    kind: 'number',
    values: `${o.min} to ${o.max}, decimals allowed (e.g. \`12.5\`)`,
    description: o.description,
    details: o.details,
    default: o.default,
    constraint: { allowedPattern: oneToPowerOfTenPattern(o.max) },
    parse: (value) => {
      const t = scalar(o.name, value);
      const n = t === '' ? Number.NaN : Number(t);
      if (!Number.isFinite(n) || n < o.min || n > o.max) {
        throw new InvalidParameterError(o.name, `must be a number of ${o.unit} from ${o.min} to ${o.max} (decimals allowed), got "${t}"`);
      }
      return n;
    },
    format: (n) => String(n),
  };
}

// --- the parameters ----------------------------------------------------------------------------------------

const ACCOUNT_ID_PATTERN = '[0-9]{12}';
/** https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html */
const ORG_ID_PATTERN = 'o-[a-z0-9]{10,32}';
export const ACCOUNT_ID = anchored(ACCOUNT_ID_PATTERN);
export const ORG_ID = anchored(ORG_ID_PATTERN);

// IAM role names, optionally with a path (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html):
// a name of at most 64 characters, a path (with its leading and trailing "/") of at most 512.
const ROLE_NAME_PATTERN = '(?:[A-Za-z0-9_+=,.@-]+/)*[A-Za-z0-9_+=,.@-]{1,64}';
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
  return undefined;
}

/**
 * Tag keys: https://docs.aws.amazon.com/kms/latest/APIReference/API_Tag.html (\p{…} classes mean the same in
 * JavaScript's `u` mode and Java). The rule trims the value first; the lookarounds make the pack's pattern
 * refuse what trimming would change (" " alone would pass the class but be empty to the rule).
 */
const TAG_KEY_PATTERN = '(?!\\p{Z})[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{1,128}(?<!\\p{Z})';

/**
 * Bounds of MaxRequestsPerSecond. Below 1 request per second a sweep cannot get through even a few hundred keys
 * in a 15-minute Lambda; the upper bound keeps a slip of the keyboard from spending the account's shared KMS
 * request quota (https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html).
 */
const MIN_REQUESTS_PER_SECOND = 1;
const MAX_REQUESTS_PER_SECOND = 1000;
export const DEFAULT_MAX_REQUESTS_PER_SECOND = 50;

/** The rule's parameters, in the order the docs and the pack list them, keyed by the parsed field. */
export const RULE_PARAMETER_SPEC = {
  trustedAccountIds: idList({
    name: 'TrustedAccountIds',
    description: `Comma-separated 12-digit account IDs trusted to use the keys (no ${CHECK.UNTRUSTED_CROSS_ACCOUNT} finding).`,
    item: ACCOUNT_ID_PATTERN,
    items: '12-digit account IDs',
    notAnItem: (bad) => `"${bad}" is not a 12-digit account id`,
  }),
  trustedOrgIds: idList({
    name: 'TrustedOrgIds',
    description: 'Comma-separated organisation IDs (o-...) whose principals are trusted likewise.',
    item: ORG_ID_PATTERN,
    items: 'organisation IDs (`o-` and 10 to 32 lowercase letters or digits)',
    notAnItem: (bad) => `"${bad}" is not an organization id (o-…)`,
  }),
  minimumSeverity: severity({
    name: 'MinimumSeverity',
    description: `Findings below this severity (${SEVERITIES.join(', ')}) do not make a key NON_COMPLIANT.`,
    default: 'low',
  }),
  disabledChecks: checkIdList({
    name: 'DisabledChecks',
    description: `Comma-separated check IDs to ignore (${CHECK.INVALID_POLICY} cannot be disabled).`,
  }),
  includeAwsManagedKeys: flag({
    name: 'IncludeAwsManagedKeys',
    description: '"true" evaluates AWS managed keys (alias/aws/...) instead of reporting them NOT_APPLICABLE.',
    default: false,
  }),
  evaluateGrants: flag({
    name: 'EvaluateGrants',
    description: `"false" leaves the grants of the keys unread (no ${CHECK.UNTRUSTED_GRANTEE}, ${CHECK.UNTRUSTED_GRANT_RETIREE} or ${CHECK.REDELEGABLE_GRANT} finding); "true" (default) reads them with kms:ListGrants.`,
    details:
      'Config does not record grants, so each evaluated key costs one kms:ListGrants request per 100 grants, against the account\'s KMS request quota and within MaxRequestsPerSecond. ' +
      'A key whose grants cannot be read is NON_COMPLIANT, the annotation naming the missing permission: never judged as having no grants.',
    default: true,
  }),
  exemptionTagKey: text({
    name: 'ExemptionTagKey',
    description: 'Tag key whose non-empty value exempts a key; the value is the justification shown in Config.',
    pattern: TAG_KEY_PATTERN,
    values: 'a tag key: 1 to 128 letters, digits, spaces and `_ . : / = + - @`',
    notMatching: (key) => `"${key}" is not a valid tag key (1-128 characters)`,
  }),
  nonSuppressibleChecks: checkIdListOrNone({
    name: 'NonSuppressibleChecks',
    description: `Comma-separated check IDs whose findings no exemption tag or inline suppression can accept, or ${NO_CHECKS}; empty means ${CHECK.PUBLIC_ACCESS}.`,
    details:
      'The team that owns a key or template also sets its exemption tag and writes its suppressions; for these checks the deployer keeps ' +
      `the last word. \`${NO_CHECKS}\` lets every check be accepted (the behaviour before this parameter). ${CHECK.INVALID_POLICY} is never accepted and may not be named.`,
    default: [CHECK.PUBLIC_ACCESS],
  }),
  maxRequestsPerSecond: decimal({
    name: 'MaxRequestsPerSecond',
    description: `Cap on KMS requests per second during an invocation, shared by all calls: ${MIN_REQUESTS_PER_SECOND} to ${MAX_REQUESTS_PER_SECOND}, decimals allowed.`,
    details: 'Lower values could not finish a sweep within a Lambda’s 15 minutes.',
    default: DEFAULT_MAX_REQUESTS_PER_SECOND,
    min: MIN_REQUESTS_PER_SECOND,
    max: MAX_REQUESTS_PER_SECOND,
    unit: 'requests per second',
  }),
  evaluateEffectiveAccess: flag({
    name: 'EvaluateEffectiveAccess',
    description: '"false" leaves out who can use a key: the scheduled run then reads no IAM nor Organizations policy.',
    details:
      'With the default `true`, the scheduled run reads the account\'s IAM once (Config\'s recorded IAM items where this Region records ' +
      'global resources, else iam:GetAccountAuthorizationDetails) and the organisation\'s SCPs and RCPs where readable, and the annotation ' +
      'of a key with an account-wide finding names how many principals can use it. Change notifications never read IAM.',
    default: true,
  }),
  executionRoleName: text({
    name: 'ExecutionRoleName',
    description: 'Role name, optionally with its path (audit/KmsPolicyGuardAudit), not its ARN, that the function assumes in the evaluated account (organisation deployments).',
    details:
      'At most 64 characters of name and 512 of path. Assumed as `arn:<partition>:iam::<event accountId>:role/<name>` through the ' +
      'regional STS endpoint; every KMS and Config call, PutEvaluations included, is made with it.',
    pattern: ROLE_NAME_PATTERN,
    values: 'an IAM role name (letters, digits and `_+=,.@-`), optionally after its path (`audit/`)',
    prepare: (role) => role.replace(/^\/+/, ''),
    problem: roleNameProblem,
    notMatching: (role) => `"${role}" is not an IAM role name (optionally with a path, e.g. "audit/KmsPolicyGuardAudit")`,
  }),
} as const;

export type RuleParameterKey = keyof typeof RULE_PARAMETER_SPEC;
export type ParameterName = (typeof RULE_PARAMETER_SPEC)[RuleParameterKey]['name'];

/** The spec's entries in order, as [field, spec] pairs. */
export const RULE_PARAMETER_ENTRIES = Object.entries(RULE_PARAMETER_SPEC) as {
  [K in RuleParameterKey]: [K, (typeof RULE_PARAMETER_SPEC)[K]];
}[RuleParameterKey][];
