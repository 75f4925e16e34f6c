/**
 * Reading the policies that sit beside a key policy: identity policies, permission boundaries, trust policies,
 * SCPs and RCPs. Only what decides access to a KMS key is kept: Effect, the KMS actions of Action/NotAction,
 * Resource/NotResource, the conditions (read with the key policy's grammar, so the engine's one condition
 * semantics judges them) and, for trust policies and RCPs, the principals.
 *
 * IAM's API returns policy documents URL-encoded (RFC 3986); the AWS CLI decodes them and prints objects.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
 */
import { ALL_ACTIONS, NO_ACTIONS, matchActionPattern, minus, union, type ActionSet } from '../actions';
import type { ParsedCondition } from '../conditions';
import { parseConditionElement } from '../parse-policy';

/** One statement of a policy, as far as access to KMS keys goes. */
export interface ReadStatement {
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** KMS actions covered (NotAction complemented); NO_ACTIONS when the statement is about other services. */
  actions: ActionSet;
  resources: readonly string[];
  resourceNegated: boolean;
  conditions: readonly ParsedCondition[];
  /** The Principal element's values by type (`AWS`, `Federated`, `Service`), `*` as `{ '*': ['*'] }`; undefined when absent. */
  principals?: Readonly<Record<string, readonly string[]>>;
  principalNegated: boolean;
  /** Action patterns as written (trust policies test sts: actions). */
  actionPatterns: readonly string[];
  actionNegated: boolean;
}

export type DocumentRead = { ok: true; statements: ReadStatement[] } | { ok: false; problem: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const MAX_DOCUMENT_CHARS = 1024 * 1024;

/** The document as an object: an object as given, or JSON text, URL-encoded or not. */
export function documentValue(raw: unknown): { ok: true; value: unknown } | { ok: false; problem: string } {
  if (isRecord(raw)) return { ok: true, value: raw };
  if (typeof raw !== 'string') return { ok: false, problem: `the policy document is ${raw === undefined ? 'missing' : `a ${Array.isArray(raw) ? 'list' : typeof raw}`}, not a JSON object or JSON text` };
  if (raw.length > MAX_DOCUMENT_CHARS) return { ok: false, problem: `the policy document is ${raw.length} characters long, more than any IAM policy can be` };
  let text = raw.trim();
  const encoded = !text.startsWith('{');
  if (encoded) {
    try {
      text = decodeURIComponent(text);
    } catch (e) {
      return { ok: false, problem: `the policy document is neither JSON nor URL-encoded JSON (${(e as Error).message})` };
    }
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    // Form encoding writes a space as '+' (a '+' of the text is %2B): read so before reporting a problem.
    const spaced = encoded ? formDecoded(raw.trim()) : undefined;
    if (spaced !== undefined) return { ok: true, value: spaced };
    return { ok: false, problem: `the policy document is not valid JSON (${(e as Error).message})` };
  }
}

function formDecoded(text: string): unknown {
  if (!text.includes('+')) return undefined;
  try {
    return JSON.parse(decodeURIComponent(text.replace(/\+/g, ' '))) as unknown;
  } catch {
    return undefined;
  }
}

/** A string or a non-empty list of strings, else undefined. */
function strings(v: unknown): string[] | undefined {
  if (typeof v === 'string' && v !== '') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s !== '')) return v as string[];
  return undefined;
}

function principalValues(v: unknown): Record<string, string[]> | undefined {
  if (v === '*') return { '*': ['*'] };
  if (!isRecord(v)) return undefined;
  const out: Record<string, string[]> = {};
  for (const [type, values] of Object.entries(v)) {
    const list = strings(values);
    if (!list) return undefined;
    out[type] = list;
  }
  return out;
}

/** The KMS actions a list of action patterns covers, or the first pattern that is not an action. */
function kmsActions(patterns: readonly string[]): { ok: true; set: ActionSet } | { ok: false; bad: string; reason: string } {
  let set = NO_ACTIONS;
  for (const p of patterns) {
    const m = matchActionPattern(p);
    if (m.kind === 'invalid') return { ok: false, bad: p, reason: m.reason };
    if (m.kind === 'kms') set = union(set, m.set);
  }
  return { ok: true, set };
}

/** Every statement of a policy document, or the first reason it cannot be read (where, what). */
export function readPolicyDocument(raw: unknown): DocumentRead {
  const doc = documentValue(raw);
  if (!doc.ok) return doc;
  const value = doc.value;
  if (!isRecord(value)) return { ok: false, problem: 'the policy document is not a JSON object' };
  const st = value.Statement;
  if (st === undefined) return { ok: false, problem: 'the policy document has no Statement' };
  const list: unknown[] = Array.isArray(st) ? st : [st];
  const statements: ReadStatement[] = [];
  for (let i = 0; i < list.length; i++) {
    const read = readStatement(list[i], i, Array.isArray(st) ? `Statement[${i}]` : 'Statement');
    if (!read.ok) return read;
    statements.push(read.statement);
  }
  return { ok: true, statements };
}

function readStatement(v: unknown, index: number, path: string): { ok: true; statement: ReadStatement } | { ok: false; problem: string } {
  if (!isRecord(v)) return { ok: false, problem: `${path} is not an object` };
  const effect = v.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') return { ok: false, problem: `${path}.Effect must be "Allow" or "Deny"` };
  const actionNegated = v.Action === undefined && v.NotAction !== undefined;
  const actionPatterns = strings(actionNegated ? v.NotAction : v.Action);
  if (!actionPatterns) return { ok: false, problem: `${path} has no Action or NotAction of strings` };
  const resourceNegated = v.Resource === undefined && v.NotResource !== undefined;
  const rawResources = resourceNegated ? v.NotResource : v.Resource;
  // A trust policy names no Resource: the role itself is the resource.
  const resources = rawResources === undefined ? ['*'] : strings(rawResources);
  if (!resources) return { ok: false, problem: `${path}.${resourceNegated ? 'NotResource' : 'Resource'} must be a string or a list of strings` };
  const actions = kmsActions(actionPatterns);
  if (!actions.ok) return { ok: false, problem: `${path}.${actionNegated ? 'NotAction' : 'Action'}: ${actions.reason}` };
  let conditions: readonly ParsedCondition[] = [];
  if (v.Condition !== undefined) {
    const parsed = parseConditionElement(v.Condition, `${path}.Condition`);
    if (!parsed.conditions) return { ok: false, problem: parsed.errors.map((e) => `${e.path}: ${e.reason}`).join('; ') };
    conditions = parsed.conditions;
  }
  const principalNegated = v.Principal === undefined && v.NotPrincipal !== undefined;
  const rawPrincipal = principalNegated ? v.NotPrincipal : v.Principal;
  const principals = rawPrincipal === undefined ? undefined : principalValues(rawPrincipal);
  if (rawPrincipal !== undefined && !principals) return { ok: false, problem: `${path}.${principalNegated ? 'NotPrincipal' : 'Principal'} must be "*" or an object of principal type → string or list` };
  const statement: ReadStatement = {
    index,
    effect,
    actions: actionNegated ? minus(ALL_ACTIONS, actions.set) : actions.set,
    resources,
    resourceNegated,
    conditions,
    principalNegated,
    actionPatterns,
    actionNegated,
  };
  if (typeof v.Sid === 'string') statement.sid = v.Sid;
  if (principals) statement.principals = principals;
  return { ok: true, statement };
}
