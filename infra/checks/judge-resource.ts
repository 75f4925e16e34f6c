/**
 * The judgement of one AWS::KMS::Key or AWS::KMS::ReplicaKey of a CDK app, for the synth-time checks (the
 * cdk-nag pack and the plain Aspect). The resource is rendered as CloudFormation (`_toCloudFormation`, resolved
 * by its stack) and judged by the same function check-template uses (templates/judge-key.ts), with a
 * TemplateContext built from the stack: its account, Region and partition when they are not tokens, and its
 * resources, parameters, conditions and mappings for Ref and Fn::GetAtt. What stays unknown (a token, a
 * parameter, another stack's value) is judged as the worst it could be and said in an UNRESOLVED_VALUE warning;
 * it never makes a key clean.
 */
import { CfnCondition, CfnElement, CfnMapping, CfnParameter, CfnResource, Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { severityRank, type Finding } from '../../engine';
import { applyInlineSuppressions, countsAtMinimum, decideExemptionTag, isSuppressed, readInlineSuppressions, type MarkedFinding, type SuppressionPolicy } from '../../suppress';
import { judgeTemplateKey, PLACEHOLDER_ACCOUNT, type KeyPolicySource, type TemplateWarning } from '../../templates/judge-key';
import { isRecord } from '../../templates/own-keys';
import type { TemplateContext } from '../../templates/resolve';
import { templateTagValues } from '../../templates/tags';
import type { CheckSettings } from './settings';

/** The resource types judged: those with a key policy. */
export const KEY_RESOURCE_TYPES: readonly string[] = ['AWS::KMS::Key', 'AWS::KMS::ReplicaKey'];

/**
 * The logical ids of the key resources an element renders, read from the rendered `Type`: a CfnResource whose
 * Type was overridden (`addOverride('Type', 'AWS::KMS::Key')`) renders a key, and so does an element that is
 * no CfnResource, such as the CfnInclude of aws-cdk-lib core, which renders a whole template. A CfnResource
 * that cannot be rendered counts by its declared type, so it is reported as not judged rather than skipped.
 */
export function keyLogicalIds(element: IConstruct): string[] {
  if (!CfnElement.isCfnElement(element)) return [];
  const stack = Stack.of(element);
  try {
    const fragment = stack.resolve(element._toCloudFormation()) as { Resources?: unknown };
    const resources = isRecord(fragment.Resources) ? fragment.Resources : {};
    return Object.entries(resources).flatMap(([id, r]) => (isRecord(r) && typeof r.Type === 'string' && KEY_RESOURCE_TYPES.includes(r.Type) ? [id] : []));
  } catch {
    return CfnResource.isCfnResource(element) && KEY_RESOURCE_TYPES.includes(element.cfnResourceType) ? [stack.resolve(element.logicalId) as string] : [];
  }
}

export function isKeyResource(node: IConstruct): node is CfnResource {
  return CfnResource.isCfnResource(node) && keyLogicalIds(node).length > 0;
}

export interface KeyResourceVerdict {
  logicalId: string;
  /** Why the key could not be judged; it then has no findings, and must not pass. */
  notJudged?: string;
  /** Findings at or above minimumSeverity; those an inline suppression or the exemption tag accepts carry `suppression`. */
  findings: MarkedFinding[];
  /** Values judged as the worst they could be, each with its path (`Resources.<id>.Properties.KeyPolicy…`). */
  unresolved: TemplateWarning[];
  /** Inline suppression entries that do nothing (malformed, expired, refused, unused), each saying why. */
  suppressionProblems: string[];
  /** Why the exemption tag, there, accepts nothing (empty, written twice, unknown at synth, a non-suppressible check). */
  exemptionProblems: string[];
  /** What the engine could not weigh (UNKNOWN_ACTION, NON_KMS_ACTION, UNKNOWN_CONDITION_KEY, INERT_STATEMENT), as check-template reports it. */
  policyWarnings: TemplateWarning[];
  /** The stack is environment-agnostic: its account was judged as PLACEHOLDER_ACCOUNT, the key's own. */
  accountUnknown?: boolean;
}

interface StackSections {
  resources: Record<string, unknown>;
  parameters: Record<string, unknown>;
  conditions: Record<string, unknown>;
  mappings: Record<string, unknown>;
}

/**
 * The sections of a stack's template the intrinsics of a key policy may refer to. Other resources are known by
 * their type only (enough for the ARN of a Fn::GetAtt); an element that cannot be rendered is left out, so a
 * reference to it stays unknown and is judged as the worst it could be.
 */
function stackSections(stack: Stack): StackSections {
  const out: StackSections = { resources: {}, parameters: {}, conditions: {}, mappings: {} };
  for (const c of stack.node.findAll()) {
    if (!CfnElement.isCfnElement(c) || Stack.of(c) !== stack) continue;
    const logicalId = stack.resolve(c.logicalId) as string;
    if (CfnResource.isCfnResource(c)) {
      out.resources[logicalId] = { Type: c.cfnResourceType };
      continue;
    }
    const section = c instanceof CfnParameter ? 'Parameters' : c instanceof CfnCondition ? 'Conditions' : c instanceof CfnMapping ? 'Mappings' : undefined;
    if (section === undefined) continue;
    try {
      const fragment = stack.resolve(c._toCloudFormation()) as Record<string, Record<string, unknown>>;
      Object.assign(out[section.toLowerCase() as keyof StackSections], fragment[section] ?? {});
    } catch {
      // Left out: a Ref to it resolves to an unknown value.
    }
  }
  return out;
}

/** A stack property when it is a literal (an environment-specific stack), else undefined. */
function literal(value: string): string | undefined {
  return Token.isUnresolved(value) ? undefined : value;
}

function templateContext(stack: Stack, sections: StackSections): TemplateContext {
  const account = literal(stack.account);
  return {
    accountId: account ?? PLACEHOLDER_ACCOUNT,
    ...(account === undefined ? { accountIsPlaceholder: true } : {}),
    partition: literal(stack.partition) ?? 'aws',
    region: literal(stack.region),
    urlSuffix: literal(stack.urlSuffix) ?? 'amazonaws.com',
    ...sections,
  };
}

/** A macro the stack's template declares may rewrite the key before deployment; nothing here expands it. */
function transformWarnings(stack: Stack, logicalId: string): TemplateWarning[] {
  const transforms = stack.templateOptions.transforms ?? [];
  if (transforms.length === 0) return [];
  return [
    {
      code: 'UNRESOLVED_VALUE',
      path: 'Transform',
      message: `${logicalId}: the stack declares Transform ${transforms.join(', ')}; a macro may add, remove or rewrite resources and their policies before deployment, and the synth-time checks expand none, so the key was judged as written.`,
    },
  ];
}

/** The key resource as CloudFormation renders it: `{Type, Properties, Metadata, …}`. */
function renderedResource(node: CfnElement, stack: Stack, logicalId: string): Record<string, unknown> {
  const fragment = stack.resolve(node._toCloudFormation()) as { Resources?: Record<string, unknown> };
  const resource = fragment.Resources?.[logicalId];
  if (!isRecord(resource)) throw new Error(`the resource ${logicalId} renders no CloudFormation`);
  return resource;
}

/**
 * The findings with those the exemption tag accepts marked (inline suppressions first, the tag for the rest), as
 * the hook decides it; why not, when the tag is there but accepts nothing.
 */
function exemptByTag(tags: unknown, tagKey: string, ctx: TemplateContext, findings: MarkedFinding[], settings: CheckSettings): { findings: MarkedFinding[]; problems: string[] } {
  const read = templateTagValues(tags, tagKey, ctx);
  if (!read.known) {
    const open = findings.some((f) => !isSuppressed(f));
    return { findings, problems: open ? [`exemption tag ${tagKey}: ${read.reason}; it accepts nothing, the findings count (give the tag a literal value)`] : [] };
  }
  const decision = decideExemptionTag({ values: read.values, findings, nonSuppressible: settings.nonSuppressible, nonSuppressibleSetting: 'nonSuppressibleChecks' });
  switch (decision.kind) {
    case 'absent':
      return { findings, problems: [] };
    case 'refused':
      return { findings, problems: [`exemption tag ${tagKey}: ${decision.why}`] };
    case 'accepted':
      return { findings: decision.findings, problems: [] };
  }
}

/**
 * Judges one key resource, rendered by `node` (a CfnResource, or an element rendering several resources, whose
 * `keyLogicalId` names the key). Never throws: what cannot be judged comes back as `notJudged`, with the reason.
 */
export function judgeKeyResource(node: CfnElement, settings: CheckSettings, suppression: Pick<SuppressionPolicy, 'today'>, keyLogicalId?: string): KeyResourceVerdict {
  const stack = Stack.of(node);
  let logicalId = keyLogicalId ?? node.node.path;
  try {
    logicalId = keyLogicalId ?? (stack.resolve(node.logicalId) as string);
    const resource = renderedResource(node, stack, logicalId);
    const properties = isRecord(resource.Properties) ? resource.Properties : {};
    const written = Object.hasOwn(properties, 'KeyPolicy');
    // A CfnKey without KeyPolicy gets KMS's default key policy: the account root may do kms:*.
    const policy: KeyPolicySource = written ? { kind: 'written', value: properties.KeyPolicy } : { kind: 'default' };
    const ctx = templateContext(stack, stackSections(stack));
    const judgement = judgeTemplateKey({
      key: { logicalId, policyPath: written ? ['Resources', logicalId, 'Properties', 'KeyPolicy'] : ['Resources', logicalId], policy },
      template: { ctx, duplicates: [] },
      account: ctx.accountId,
      analysis: settings.analysis,
    });
    if (!judgement.judged) return { logicalId, notJudged: judgement.error, findings: [], unresolved: [], suppressionProblems: [], exemptionProblems: [], policyWarnings: [] };
    const counted = judgement.findings.filter((f) => countsAtMinimum(f, settings.minimumSeverity));
    const read = readInlineSuppressions(resource.Metadata);
    const applied = applyInlineSuppressions(counted, read.suppressions, { nonSuppressible: settings.nonSuppressible, today: suppression.today });
    const tagged = settings.exemptionTagKey === undefined ? { findings: applied.findings, problems: [] } : exemptByTag(properties.Tags, settings.exemptionTagKey, ctx, applied.findings, settings);
    return {
      logicalId,
      ...(ctx.accountIsPlaceholder === true ? { accountUnknown: true } : {}),
      findings: tagged.findings,
      unresolved: [...transformWarnings(stack, logicalId), ...judgement.warnings.filter((w) => w.code === 'UNRESOLVED_VALUE')],
      suppressionProblems: [...read.problems, ...applied.problems],
      exemptionProblems: tagged.problems,
      // UNRESOLVED_VALUE is reported above; DEFAULT_KEY_POLICY is what a CfnKey without KeyPolicy means, judged as such.
      policyWarnings: judgement.warnings.filter((w) => w.code !== 'UNRESOLVED_VALUE' && w.code !== 'DEFAULT_KEY_POLICY'),
    };
  } catch (error) {
    return {
      logicalId,
      notJudged: `${logicalId}: the key policy could not be rendered or judged (${(error as Error).message}); the key was not judged`,
      findings: [],
      unresolved: [],
      suppressionProblems: [],
      exemptionProblems: [],
      policyWarnings: [],
    };
  }
}

/** Whether a finding fails synth: a policy not fully judged always does. */
export function isError(finding: Finding, settings: CheckSettings): boolean {
  return finding.notJudged === true || severityRank(finding.severity) >= severityRank(settings.errorSeverity);
}

/** `Resources.Key.Properties.KeyPolicy.Statement[0]` → `Properties.KeyPolicy.Statement[0]`: a location within the resource. */
export function resourceLocation(path: string, logicalId: string): string {
  const prefix = `Resources.${logicalId}`;
  if (!path.startsWith(prefix)) return path;
  return path.slice(prefix.length).replace(/^\./, '') || 'Properties';
}

/** `Stack/Key1234 at Properties.KeyPolicy.Statement[0]: <what the finding says>`, saying what a placeholder account stands for. */
export function findingText(node: IConstruct, verdict: KeyResourceVerdict, finding: Finding): string {
  const note =
    verdict.accountUnknown === true && finding.message.includes(PLACEHOLDER_ACCOUNT)
      ? ` (account ${PLACEHOLDER_ACCOUNT} stands for the stack's own account: the stack is environment-agnostic)`
      : '';
  return `${Stack.of(node).node.path}/${verdict.logicalId} at ${resourceLocation(finding.path, verdict.logicalId)}: ${finding.message}${note}`;
}
