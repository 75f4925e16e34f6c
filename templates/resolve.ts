/**
 * Resolves CloudFormation intrinsic functions in a key policy as far as the template alone allows: pseudo
 * parameters, parameter defaults, mappings, conditions on those, and Fn::Sub / Fn::Join / Fn::Select /
 * Fn::Split over them. What depends on deployment (Fn::GetAtt, Fn::ImportValue, a parameter without a
 * Default, a resource's physical name) becomes an `Unresolved` value; key-policy.ts then decides, by where
 * it sits in the policy, what it is judged as.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 */

import { getOwn, isRecord, setOwn } from './own-keys';

/** Marks, inside a partly resolved string, the part that is known only at deployment. */
export const HOLE = '\u0000';

/** A value the template alone does not determine. */
export class Unresolved {
  constructor(
    /** What could not be resolved, for a person: e.g. `Fn::ImportValue SharedKeyAdminArn`. */
    readonly reason: string,
    /** The string with the unknown parts as HOLE, when the rest is known (e.g. an ARN with an unknown name). */
    readonly partial?: string,
  ) {}
}

/** AWS::NoValue: the property or list item is removed. */
const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export interface TemplateContext {
  /** The key's own account; a placeholder when the user named none (see accountIsPlaceholder). */
  accountId: string;
  /**
   * accountId is a stand-in, not the account the stack deploys to: values built from it are judged as the key's
   * own account, but a condition over AWS::AccountId decides nothing (both of its branches are judged).
   */
  accountIsPlaceholder?: boolean;
  partition: string;
  /** The Region the stack deploys to; undefined when the user gave none (AWS::Region is then unknown). */
  region: string | undefined;
  urlSuffix: string;
  parameters: Record<string, unknown>;
  resources: Record<string, unknown>;
  mappings: Record<string, unknown>;
  conditions: Record<string, unknown>;
  /**
   * The variant being judged: a value for each enumerated parameter (one of its AllowedValues) and a truth
   * value for each condition the template alone cannot decide. Without it, such parameters and conditions
   * are unknown.
   */
  variant?: { parameters: Record<string, string>; conditions: Record<string, boolean> };
  /** Values a parent stack passes to this (nested) template's parameters, as resolved in the parent. */
  passedParameters?: Record<string, unknown>;
  /** Why enumerated parameters are not given a value (too many variants), for the Unresolved reason. */
  notEnumerated?: string;
  /** Filled while resolving: the conditions `Fn::If` asked for, with the value they took (undefined: undecided). */
  conditionsUsed?: Map<string, boolean | undefined>;
}

/** A parameter's AllowedValues when each is a value the stack may be deployed with (String and Number types). */
export function enumerableValues(parameter: unknown): string[] | undefined {
  if (!isRecord(parameter) || !Array.isArray(parameter.AllowedValues) || parameter.AllowedValues.length === 0) return undefined;
  const type = typeof parameter.Type === 'string' ? parameter.Type : 'String';
  if (type !== 'String' && type !== 'Number') return undefined;
  if (!parameter.AllowedValues.every((v) => typeof v === 'string' || typeof v === 'number')) return undefined;
  return parameter.AllowedValues.map(String);
}

function resourceType(ctx: TemplateContext, logicalId: string): string | undefined {
  const r = getOwn(ctx.resources, logicalId);
  return isRecord(r) && typeof r.Type === 'string' ? r.Type : undefined;
}

function resolveRef(name: unknown, ctx: TemplateContext): unknown {
  if (typeof name !== 'string') return new Unresolved('Ref with a non-string argument');
  switch (name) {
    case 'AWS::AccountId':
      if (ctx.accountIsPlaceholder === true && (conditionDepth.get(ctx) ?? 0) > 0) {
        return new Unresolved('Ref AWS::AccountId: no --account-id given, so the account the stack deploys to is not known', HOLE);
      }
      return ctx.accountId;
    case 'AWS::Partition':
      return ctx.partition;
    case 'AWS::Region':
      return ctx.region ?? new Unresolved('Ref AWS::Region: no --region given (nor a CDK stack Region), so the Region the stack deploys to is not known', HOLE);
    case 'AWS::URLSuffix':
      return ctx.urlSuffix;
    case 'AWS::NoValue':
      return NO_VALUE;
    case 'AWS::NotificationARNs':
      return [];
    case 'AWS::StackName':
    case 'AWS::StackId':
      return new Unresolved(`Ref ${name}`, HOLE);
  }
  if (ctx.passedParameters !== undefined && Object.hasOwn(ctx.passedParameters, name)) return ctx.passedParameters[name];
  const parameter = getOwn(ctx.parameters, name);
  if (isRecord(parameter)) {
    const type = typeof parameter.Type === 'string' ? parameter.Type : 'String';
    // An SSM parameter type's Default is the name of a Parameter Store entry, read at deployment.
    if (type.startsWith('AWS::SSM::Parameter::Value<')) {
      return new Unresolved(`Ref ${name}: the value is read from Parameter Store (${'Default' in parameter ? String(parameter.Default) : 'no Default'}) at deployment`);
    }
    const chosen = getOwn(ctx.variant?.parameters, name) as string | undefined;
    if (chosen !== undefined) return chosen;
    // A nested stack's parameters are set only by its parent's `Parameters`: one the parent does not pass
    // takes its Default, and no deployer can override it.
    if (ctx.passedParameters !== undefined && 'Default' in parameter) {
      const value = parameter.Default;
      if ((type === 'CommaDelimitedList' || type.startsWith('List<')) && typeof value === 'string') return value.split(',').map((v) => v.trim());
      return typeof value === 'number' ? String(value) : value;
    }
    const allowed = enumerableValues(parameter);
    if (allowed !== undefined) {
      return new Unresolved(`Ref ${name}: one of its AllowedValues (${allowed.join(', ')}), not judged one by one${ctx.notEnumerated !== undefined ? ` (${ctx.notEnumerated})` : ''}`);
    }
    if (!('Default' in parameter)) return new Unresolved(`Ref ${name}: the parameter has no Default`);
    // A Default is only what the stack gets when the deployer passes nothing: any value may be passed instead
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html),
    // unless AllowedValues restricts it.
    const shown = Array.isArray(parameter.Default) || typeof parameter.Default !== 'object' ? String(parameter.Default) : JSON.stringify(parameter.Default);
    const reason = `Ref ${name}: a parameter the deployer may override (Default ${JSON.stringify(shown)}, no AllowedValues)`;
    return new Unresolved(reason);
  }
  if (Object.hasOwn(ctx.resources, name)) return new Unresolved(`Ref ${name}: the resource's physical id is known only after deployment`, HOLE);
  return new Unresolved(`Ref ${name}: no such parameter or resource in the template`);
}

/** The ARN a resource of this template will have, with its generated name unknown. */
function arnOf(ctx: TemplateContext, logicalId: string): string | undefined {
  const type = resourceType(ctx, logicalId);
  if (type === undefined) return undefined;
  const p = ctx.partition;
  switch (type) {
    case 'AWS::IAM::Role':
      return `arn:${p}:iam::${ctx.accountId}:role/${HOLE}`;
    case 'AWS::IAM::User':
      return `arn:${p}:iam::${ctx.accountId}:user/${HOLE}`;
    default: {
      const service = type.split('::')[1]?.toLowerCase() ?? 'unknown';
      return `arn:${p}:${service}:${ctx.region ?? HOLE}:${ctx.accountId}:${HOLE}`;
    }
  }
}

function resolveGetAtt(args: unknown, ctx: TemplateContext, depth: number): unknown {
  let logicalId: unknown;
  let attribute: unknown;
  if (typeof args === 'string') [logicalId, attribute] = [args.slice(0, args.indexOf('.')), args.slice(args.indexOf('.') + 1)];
  else if (Array.isArray(args)) [logicalId, attribute] = [args[0], resolveValue(args[1], ctx, depth + 1)];
  if (typeof logicalId !== 'string' || typeof attribute !== 'string') return new Unresolved('Fn::GetAtt with malformed arguments');
  const reason = `Fn::GetAtt ${logicalId}.${attribute}`;
  if (attribute === 'Arn') {
    const arn = arnOf(ctx, logicalId);
    if (arn !== undefined) return new Unresolved(`${reason}: the resource's name is known only after deployment`, arn);
  }
  return new Unresolved(`${reason}: known only after deployment`);
}

function joinParts(parts: unknown[], delimiter: string, reasons: string[]): string {
  return parts
    .map((part) => {
      if (part instanceof Unresolved) {
        reasons.push(part.reason);
        return part.partial ?? HOLE;
      }
      return typeof part === 'string' || typeof part === 'number' || typeof part === 'boolean' ? String(part) : HOLE;
    })
    .join(delimiter);
}

function stringResult(value: string, reasons: string[]): unknown {
  return value.includes(HOLE) ? new Unresolved(reasons.length ? reasons.join('; ') : 'a value known only after deployment', value) : value;
}

function resolveSub(args: unknown, ctx: TemplateContext, depth: number): unknown {
  const [template, vars] = Array.isArray(args) ? [args[0], args[1]] : [args, {}];
  if (typeof template !== 'string') return new Unresolved('Fn::Sub with a non-string template');
  const variables = isRecord(vars) ? vars : {};
  const reasons: string[] = [];
  const out = template.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
    // ${!Literal} writes ${Literal}.
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    const key = name.trim();
    let value: unknown;
    if (Object.hasOwn(variables, key)) value = resolveValue(variables[key], ctx, depth + 1);
    else if (key.includes('.') && !key.startsWith('AWS::')) value = resolveGetAtt(key, ctx, depth + 1);
    else value = resolveRef(key, ctx);
    return joinParts([value], '', reasons);
  });
  return stringResult(out, reasons);
}

function resolveIntrinsic(name: string, args: unknown, ctx: TemplateContext, depth: number): unknown {
  switch (name) {
    case 'Ref':
      return resolveRef(args, ctx);
    case 'Fn::GetAtt':
      return resolveGetAtt(args, ctx, depth + 1);
    case 'Fn::Sub':
      return resolveSub(args, ctx, depth + 1);
    case 'Fn::Join': {
      if (!Array.isArray(args) || typeof args[0] !== 'string') return new Unresolved('Fn::Join with malformed arguments');
      const list = resolveValue(args[1], ctx, depth + 1);
      if (list instanceof Unresolved) return new Unresolved(`Fn::Join over ${list.reason}`);
      if (!Array.isArray(list)) return new Unresolved('Fn::Join of something that is not a list');
      const reasons: string[] = [];
      return stringResult(joinParts(list, args[0], reasons), reasons);
    }
    case 'Fn::Select': {
      if (!Array.isArray(args)) return new Unresolved('Fn::Select with malformed arguments');
      const index = resolveValue(args[0], ctx, depth + 1);
      const list = resolveValue(args[1], ctx, depth + 1);
      if (list instanceof Unresolved) return new Unresolved(`Fn::Select from ${list.reason}`);
      const i = Number(index);
      if (!Array.isArray(list) || !Number.isInteger(i) || i < 0 || i >= list.length) return new Unresolved('Fn::Select out of range');
      return list[i];
    }
    case 'Fn::Split': {
      if (!Array.isArray(args) || typeof args[0] !== 'string') return new Unresolved('Fn::Split with malformed arguments');
      const text = resolveValue(args[1], ctx, depth + 1);
      if (typeof text !== 'string') return new Unresolved(`Fn::Split of ${text instanceof Unresolved ? text.reason : 'a non-string'}`);
      return text.split(args[0]);
    }
    case 'Fn::FindInMap': {
      if (!Array.isArray(args) || args.length < 3) return new Unresolved('Fn::FindInMap with malformed arguments');
      const [map, top, second] = args.slice(0, 3).map((a) => resolveValue(a, ctx, depth + 1));
      if (typeof map !== 'string' || typeof top !== 'string' || typeof second !== 'string') return new Unresolved('Fn::FindInMap with keys known only after deployment');
      const m = getOwn(ctx.mappings, map);
      const level = isRecord(m) ? getOwn(m, top) : undefined;
      if (!isRecord(level) || !Object.hasOwn(level, second)) return new Unresolved(`Fn::FindInMap ${map}.${top}.${second}: no such entry`);
      // Mapping values are literal strings or lists: CloudFormation allows no intrinsic functions in Mappings
      // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/mappings-section-structure.html).
      const found = level[second];
      if (typeof found === 'string' || typeof found === 'number' || (Array.isArray(found) && found.every((x) => typeof x === 'string'))) return found;
      return new Unresolved(`Fn::FindInMap ${map}.${top}.${second}: a mapping value that is not a literal string or list`);
    }
    case 'Fn::If': {
      if (!Array.isArray(args) || typeof args[0] !== 'string') return new Unresolved('Fn::If with malformed arguments');
      const holds = evaluateCondition({ Condition: args[0] }, ctx, 0);
      ctx.conditionsUsed?.set(args[0], holds);
      if (holds === undefined) return new Unresolved(`Fn::If ${args[0]}: the condition depends on values known only at deployment${ctx.notEnumerated !== undefined ? ` (${ctx.notEnumerated})` : ''}`);
      return resolveValue(holds ? args[1] : args[2], ctx, depth + 1);
    }
    case 'Fn::Base64': {
      const text = resolveValue(args, ctx, depth + 1);
      return typeof text === 'string' ? Buffer.from(text, 'utf8').toString('base64') : new Unresolved('Fn::Base64 of a value known only after deployment');
    }
    case 'Fn::ToJsonString': {
      const value = resolveValue(args, ctx, depth + 1);
      return containsUnresolved(value) ? new Unresolved('Fn::ToJsonString of values known only after deployment') : JSON.stringify(value);
    }
    case 'Fn::Length': {
      const value = resolveValue(args, ctx, depth + 1);
      return Array.isArray(value) ? value.length : new Unresolved('Fn::Length of a value known only after deployment');
    }
    case 'Fn::ImportValue': {
      const exportName = resolveValue(args, ctx, depth + 1);
      return new Unresolved(`Fn::ImportValue ${typeof exportName === 'string' ? exportName : '(computed name)'}: another stack's output`);
    }
    default:
      return new Unresolved(`${name}: not resolved before deployment`);
  }
}

const decided = new WeakMap<TemplateContext, Map<string, boolean | undefined>>();
/** How many Fn::Equals of a context are being evaluated: inside one, a placeholder account is not a value. */
const conditionDepth = new WeakMap<TemplateContext, number>();

/** true / false when the condition can be decided from the template, undefined otherwise. */
export function evaluateCondition(expr: unknown, ctx: TemplateContext, depth: number): boolean | undefined {
  if (depth > 50) return undefined;
  if (typeof expr === 'boolean') return expr;
  if (!isRecord(expr)) return undefined;
  const [name, args] = Object.entries(expr)[0] ?? [];
  switch (name) {
    case 'Condition': {
      if (typeof args !== 'string') return undefined;
      const chosen = getOwn(ctx.variant?.conditions, args) as boolean | undefined;
      if (chosen !== undefined) return chosen;
      if (!Object.hasOwn(ctx.conditions, args)) return undefined;
      // Each named condition is evaluated once per context: conditions that name others twice over, level
      // after level, would otherwise take exponential time.
      let known = decided.get(ctx);
      if (known === undefined) decided.set(ctx, (known = new Map()));
      if (known.has(args)) return known.get(args);
      // A condition that names itself (CloudFormation rejects the template) is undecided.
      known.set(args, undefined);
      const value = evaluateCondition(ctx.conditions[args], ctx, depth + 1);
      known.set(args, value);
      return value;
    }
    case 'Fn::Equals': {
      if (!Array.isArray(args) || args.length !== 2) return undefined;
      conditionDepth.set(ctx, (conditionDepth.get(ctx) ?? 0) + 1);
      let a: unknown;
      let b: unknown;
      try {
        [a, b] = args.map((x) => resolveValue(x, ctx));
      } finally {
        conditionDepth.set(ctx, (conditionDepth.get(ctx) ?? 1) - 1);
      }
      // Parameters reach a template as strings (a Number parameter's 2 is "2"), while a literal in YAML may be a
      // number or a boolean: scalars are compared as CloudFormation sees them, by their string forms. Anything
      // else (a list, an object, a value known only at deployment) decides nothing.
      const scalar = (x: unknown): x is string | number | boolean => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
      if (!scalar(a) || !scalar(b)) return undefined;
      return String(a) === String(b);
    }
    case 'Fn::Not': {
      const v = Array.isArray(args) ? evaluateCondition(args[0], ctx, depth + 1) : undefined;
      return v === undefined ? undefined : !v;
    }
    case 'Fn::And':
    case 'Fn::Or': {
      if (!Array.isArray(args)) return undefined;
      const values = args.map((a) => evaluateCondition(a, ctx, depth + 1));
      if (name === 'Fn::And') return values.includes(false) ? false : values.includes(undefined) ? undefined : true;
      return values.includes(true) ? true : values.includes(undefined) ? undefined : false;
    }
    default:
      return undefined;
  }
}

function intrinsicName(value: Record<string, unknown>): string | undefined {
  const keys = Object.keys(value);
  const key = keys[0];
  return keys.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::')) ? key : undefined;
}

/** Resolve every intrinsic in `value`. Unresolved values stay in place as `Unresolved`. */
export function resolveValue(value: unknown, ctx: TemplateContext, depth = 0): unknown {
  if (depth > 100) return new Unresolved('intrinsic functions nested deeper than 100 levels');
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, ctx, depth + 1)).filter((v) => v !== NO_VALUE);
  if (!isRecord(value)) return value;
  const name = intrinsicName(value);
  if (name !== undefined) return resolveIntrinsic(name, value[name], ctx, depth + 1);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const r = resolveValue(v, ctx, depth + 1);
    if (r !== NO_VALUE) setOwn(out, k, r);
  }
  return out;
}

/**
 * A key policy resolved as `resolveValue` resolves it, and the template index of each statement left in it:
 * `Fn::If` with `AWS::NoValue` removes statements, so the resolved policy's statement 1 may be the template's
 * statement 3. `kept` is undefined when nothing was removed (or the policy has no list of statements).
 */
export function resolveKeyPolicy(policy: unknown, ctx: TemplateContext): { resolved: unknown; kept: number[] | undefined } {
  if (!isRecord(policy) || !Array.isArray(policy.Statement)) return { resolved: resolveValue(policy, ctx), kept: undefined };
  // A record with a Statement key is no intrinsic: resolved member by member, as resolveValue does, at the same depths.
  const out: Record<string, unknown> = {};
  let kept: number[] | undefined;
  for (const [k, v] of Object.entries(policy)) {
    let r: unknown;
    if (k === 'Statement' && Array.isArray(v)) {
      const statements = v.map((st) => resolveValue(st, ctx, 2));
      kept = statements.flatMap((st, i) => (st === NO_VALUE ? [] : [i]));
      r = statements.filter((st) => st !== NO_VALUE);
    } else {
      r = resolveValue(v, ctx, 1);
    }
    if (r !== NO_VALUE) setOwn(out, k, r);
  }
  return { resolved: out, kept: kept === undefined || kept.length === policy.Statement.length ? undefined : kept };
}

function containsUnresolved(value: unknown): boolean {
  if (value instanceof Unresolved) return true;
  if (Array.isArray(value)) return value.some(containsUnresolved);
  if (isRecord(value)) return Object.values(value).some(containsUnresolved);
  return false;
}
