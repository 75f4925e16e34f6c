/**
 * Service control policies and resource control policies, compiled once per OrganizationPolicies value.
 *
 * - An SCP limits what the IAM principals of a member account can do: at every level of the account's path
 *   (root, each OU, the account) some attached SCP must allow the action, and a Deny at any level denies. SCPs
 *   do not apply to the management account, nor to service-linked roles.
 *   https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
 * - An RCP limits what anyone can do to the resources of a member account, with the same level rule; RCPs do not
 *   apply to the management account's resources, nor to requests by service-linked roles.
 *   https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
 */
import { NO_ACTIONS, type ActionSet } from '../actions';
import { readPolicyDocument, type ReadStatement } from './policy-document';
import { dependsOnWho, judgeConditions, type Subject } from './judge';
import type { ResourceSet, StatementRef } from './compile';
import type { OrganizationPolicies } from './types';
import { minus } from '../actions';

export interface OrgStatement {
  effect: 'Allow' | 'Deny';
  actions: ActionSet;
  res: number;
  read: ReadStatement;
  ref: StatementRef;
  whoDependent: boolean;
}

export interface CompiledOrg {
  scpLevels: { target: string; statements: OrgStatement[] }[];
  rcpLevels: { target: string; statements: OrgStatement[] }[];
  resourceSets: ResourceSet[];
  /** Some statement's outcome depends on who calls (or, for an RCP, names principals): judged per principal. */
  whoDependent: boolean;
  problems: string[];
}

const COMPILED = new WeakMap<OrganizationPolicies, CompiledOrg>();

export function compileOrg(org: OrganizationPolicies): CompiledOrg {
  const known = COMPILED.get(org);
  if (known) return known;
  const out: CompiledOrg = { scpLevels: [], rcpLevels: [], resourceSets: [], whoDependent: false, problems: [] };
  const index = new Map<string, number>();
  const resourceSet = (values: readonly string[], negated: boolean): number => {
    const key = `${negated ? '!' : ''}${values.join('\u0000')}`;
    let i = index.get(key);
    if (i === undefined) {
      i = out.resourceSets.length;
      out.resourceSets.push({ values, negated });
      index.set(key, i);
    }
    return i;
  };
  const levels = (kind: 'scp' | 'rcp', list: OrganizationPolicies['scps']): CompiledOrg['scpLevels'] =>
    list.map((level) => {
      const statements: OrgStatement[] = [];
      for (const policy of level.policies) {
        const read = readPolicyDocument(policy.document);
        if (!read.ok) {
          out.problems.push(`${kind.toUpperCase()} ${policy.id}${policy.name ? ` (${policy.name})` : ''} attached to ${level.target}: ${read.problem}; judged as if it were absent.`);
          continue;
        }
        for (const st of read.statements) {
          if (st.actions === NO_ACTIONS) continue;
          const ref: StatementRef = { source: kind, policy: policy.id, statementIndex: st.index };
          if (st.sid !== undefined) ref.sid = st.sid;
          const whoDependent = dependsOnWho(st.conditions) || (kind === 'rcp' && !principalIsEveryone(st));
          if (whoDependent) out.whoDependent = true;
          statements.push({ effect: st.effect, actions: st.actions, res: resourceSet(st.resources, st.resourceNegated), read: st, ref, whoDependent });
        }
      }
      return { target: level.target, statements };
    });
  out.scpLevels = levels('scp', org.scps);
  out.rcpLevels = levels('rcp', org.rcps);
  COMPILED.set(org, out);
  return out;
}

function principalIsEveryone(st: ReadStatement): boolean {
  const p = st.principals;
  return !st.principalNegated && (p === undefined || p['*'] !== undefined || (p.AWS?.length === 1 && p.AWS[0] === '*'));
}

/** Whether an RCP statement's Principal names the subject: yes, no, or not knowable here. */
function rcpNames(st: ReadStatement, subject: Subject, arn: string, accountId: string): 'yes' | 'no' | 'maybe' {
  if (principalIsEveryone(st)) return 'yes';
  if (st.principalNegated) return 'maybe';
  const aws = st.principals?.AWS ?? [];
  return aws.some((v) => v === arn || v === accountId || v === `arn:${subject.cls.kind === 'principal' ? subject.cls.partition ?? 'aws' : 'aws'}:iam::${accountId}:root`) ? 'yes' : 'no';
}

/** An org statement judged for a principal: allowed or denied surely (`sure`) and at most (`any`). */
export function judgeOrgStatement(st: OrgStatement, subject: Subject, arn: string, accountId: string): { any: ActionSet; sure: ActionSet } {
  const named = st.ref.source === 'rcp' ? rcpNames(st.read, subject, arn, accountId) : 'yes';
  if (named === 'no') return { any: NO_ACTIONS, sure: NO_ACTIONS };
  const j = judgeConditions(st.read.conditions, subject);
  const any = minus(st.actions, j.never);
  return { any, sure: j.holds && named === 'yes' ? any : NO_ACTIONS };
}
