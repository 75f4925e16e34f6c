/**
 * What a check is: its metadata, declared beside it, and a query over the access summary.
 */
import type { AccessSummary, Grant } from '../access-summary';
import { ALL_ACTIONS, NO_ACTIONS, actionNames, describeActions, intersect, union, type ActionSet } from '../actions';
import { keyCategory } from '../conditions';
import { memoize } from '../memo';
import type { ParseError, ParsedPolicy } from '../parse-policy';
import type { PrincipalClass } from '../principals';
import type { FindingDetail, KeyContext, Severity } from '../types';
import type { AccountWideAccess } from './account-wide';

export interface CheckMeta {
  /** Stable id, SCREAMING_SNAKE_CASE; the `CheckId` type is the union of every registered check's id. */
  id: string;
  title: string;
  severity: Severity;
  /** Why it matters. */
  rationale: string;
  /** What to change. */
  remediation: string;
  /** The remediation in one line (under 120 characters), shown under each finding in the text report and in CSV. */
  fix: string;
  /** AWS documentation. */
  references: readonly string[];
  /** The benchmark and Security Hub controls this check covers; the conformance pack README is generated from it. */
  compliance: ComplianceMapping;
}

/**
 * Control ids in one framework, or 'none' when no control there covers the check: never the nearest control
 * that merely sounds alike. Ids only: the CIS benchmark's text is licensed.
 */
export type ControlIds = readonly [string, ...string[]] | 'none';

/**
 * Where a check sits in the frameworks security teams report against. Ids are taken from the Security Hub
 * CSPM user guide: "CIS AWS Foundations Benchmark in Security Hub CSPM" (its table "Mapping of controls to CIS
 * requirements in each version") and the per-service control pages ("Security Hub CSPM controls for AWS KMS",
 * each control's "Related requirements"). CIS has no key-policy recommendation in any version.
 */
export interface ComplianceMapping {
  /** CIS AWS Foundations Benchmark v5.0.0 recommendation ids. */
  cisV5: ControlIds;
  /** The same recommendations in the older v1.4.0 / v1.5.0 numbering, which earlier mappings quote. */
  cisV1: ControlIds;
  /** AWS Foundational Security Best Practices (Security Hub) control ids, such as KMS.5. */
  fsbp: ControlIds;
  /** One sentence when the mapping needs it: a partial overlap, or a related control that does not map. */
  note?: string;
}

/** The frameworks' names as Security Hub writes them in a control's related requirements ("<name>/<id>"). */
export const COMPLIANCE_FRAMEWORKS = {
  cisV5: 'CIS AWS Foundations Benchmark v5.0.0',
  cisV1: 'CIS AWS Foundations Benchmark v1.4.0',
  fsbp: 'AWS Foundational Security Best Practices v1.0.0',
} as const satisfies Record<Exclude<keyof ComplianceMapping, 'note'>, string>;

export interface CheckContext {
  policy: ParsedPolicy | undefined;
  parseErrors: readonly ParseError[];
  summary: AccessSummary;
  options: KeyContext;
  /** The key's account, when known (from options.accountId or options.keyArn). */
  ownAccount: string | undefined;
  /** Answers several checks share, computed by the first that asks (see account-wide.ts). */
  shared?: { accountWide?: AccountWideAccess[] };
}

/** A finding before the runner adds the check's title and severity. */
export type FindingDraft = FindingDetail;

export interface Check {
  meta: CheckMeta;
  run(ctx: CheckContext): FindingDraft[];
}

/** `statement 0 ("Sid"), statement 2`, from grants sorted by statement index. */
function statementRef(sorted: readonly Grant[]): string {
  // Pieces joined once into one flat string: `+=` would keep a chain of string objects per statement named,
  // for as long as the finding lives.
  const parts: string[] = [];
  let last = -1;
  for (const g of sorted) {
    if (g.statementIndex === last) continue;
    last = g.statementIndex;
    parts.push(g.sid ? `statement ${g.statementIndex} ("${g.sid}")` : `statement ${g.statementIndex}`);
  }
  return parts.join(', ');
}

function conditionNote(keys: readonly string[]): string {
  const aboutWho = keys.some((k) => keyCategory(k.toLowerCase()) === 'who');
  return aboutWho
    ? ` Only under conditions on ${keys.join(', ')}.`
    : ` Only under conditions on ${keys.join(', ')}, which limit how the key is reached, not who may reach it.`;
}

function carveNote(grants: readonly Grant[]): string {
  if (grants.every((g) => g.carvedBy.length === 0)) return '';
  // Grants carved the same way share one list: read each list once, so thousands of grants stay cheap.
  const lists = new Set<readonly number[]>();
  for (const g of grants) if (g.carvedBy.length > 0) lists.add(g.carvedBy);
  const carved = new Set<number>();
  for (const list of lists) for (const i of list) carved.add(i);
  return ` (what remains after the Deny in statement ${[...carved].sort((a, b) => a - b).join(', ')})`;
}

function byStatement(grants: readonly Grant[]): readonly Grant[] {
  for (let i = 1; i < grants.length; i++) {
    if ((grants[i - 1]?.statementIndex ?? 0) > (grants[i]?.statementIndex ?? 0)) return [...grants].sort((a, b) => a.statementIndex - b.statementIndex);
  }
  return grants;
}

/** Build a finding from the grants behind it (an entry's grants are already in statement order). */
export function draftFromGrants(
  principal: PrincipalClass,
  grantsIn: readonly Grant[],
  actions: ActionSet,
  what: string,
): FindingDraft {
  const grants = byStatement(grantsIn);
  const statementIndexes: number[] = [];
  const sids: (string | undefined)[] = [];
  const conditionKeys: string[] = [];
  let unconditional = false;
  let granted = NO_ACTIONS;
  for (const g of grants) {
    if (statementIndexes[statementIndexes.length - 1] !== g.statementIndex) {
      statementIndexes.push(g.statementIndex);
      sids.push(g.sid);
    }
    if (g.level === 'unconditional') unconditional = true;
    for (const k of g.conditionKeys) if (!conditionKeys.includes(k)) conditionKeys.push(k);
    granted = union(granted, g.actions);
  }
  // Name the whole grant ("kms:*") when the statements grant everything, not just the part this check is about.
  const viaAll = granted === ALL_ACTIONS;
  const names = actionNames(actions);
  const shown = viaAll && names.length > 10 ? describeActions(granted) : `${describeActions(actions)}${viaAll ? ', through kms:*' : ''}`;
  const draft: FindingDraft = {
    message: `${capitalise(principal.label)} ${what} (${shown}), granted by ${statementRef(grants)}${carveNote(grants)}.${unconditional ? '' : conditionNote(conditionKeys)}`,
    statementIndexes,
    sids,
    path: grants[0]?.path ?? '$',
    principals: [principalName(principal)],
    actions: names,
    access: unconditional ? 'unconditional' : 'conditional',
  };
  if (conditionKeys.length > 0) draft.conditionKeys = conditionKeys;
  return draft;
}

function principalName(p: PrincipalClass): string {
  switch (p.kind) {
    case 'anyone':
      return '*';
    case 'account':
      return p.partition ? `arn:${p.partition}:iam::${p.account}:root` : p.account;
    case 'principal':
      return p.name;
    case 'organization':
      return p.orgId;
    case 'service':
      return p.service;
  }
}

const capitalise: (s: string) => string = memoize((s: string) => s.charAt(0).toUpperCase() + s.slice(1), 10_000);

export function unionActions(grants: readonly Grant[], mask: ActionSet): ActionSet {
  let set = NO_ACTIONS;
  for (const g of grants) set = union(set, intersect(g.actions, mask));
  return set;
}
