/**
 * `kms-policy-guard/cdk-nag`: the synth-time checks as a cdk-nag 3 NagPack, for apps that run cdk-nag:
 * `Validations.of(app).addPlugins(new KmsPolicyGuardChecks(app, { ... }))`. Loaded only through its own entry
 * point, so `kms-policy-guard/cdk` needs no cdk-nag (an optional peer dependency).
 *
 * One rule per check of the catalogue (`KmsPolicyGuard-<CHECK_ID>`), run on every AWS::KMS::Key and
 * AWS::KMS::ReplicaKey of the app, nested stacks included, with the judgement check-template uses. A rule is an
 * error when its check's findings reach `errorSeverity` (or the policy was not fully judged), else a warning.
 * `KmsPolicyGuard-UnresolvedValue` (warning) names each value judged as the worst it could be,
 * `KmsPolicyGuard-InlineSuppression` (warning) each inline suppression entry that does nothing,
 * `KmsPolicyGuard-ExemptionTag` (warning) an exemption tag that accepts nothing,
 * `KmsPolicyGuard-PolicyWarning` (warning) what the engine cannot weigh (an unknown or non-KMS action…), and
 * `KmsPolicyGuard-NotJudged` (error) a key that could not be judged. What was not judged (a key, or a check
 * that could not complete) is reported outside cdk-nag's applyRule, so no acknowledgement accepts it; a rule's
 * violation is an error when any of its resources is (cdk-nag keeps the first resource's level).
 *
 * Unlike cdk-nag's own packs, only errors fail synthesis: warnings are printed in the report, and fail it only
 * under the context flag `@aws-cdk/core:strictCfnValidateErrors` (the CDK's strict mode for plugin warnings).
 */
import { CfnElement, CfnResource, Stack, type PolicyValidationPluginReport, type PolicyViolation } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagRuleCompliance, type NagPackProps } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { CHECKS } from '../../engine';
import { utcDay } from '../../suppress';
import { findingText, isError, judgeKeyResource, keyLogicalIds, resourceLocation, type KeyResourceVerdict } from './judge-resource';
import { checkRuleId, EXEMPTION_TAG_RULE, INLINE_SUPPRESSION_RULE, NOT_JUDGED_RULE, POLICY_WARNING_RULE, RULE_IDS, RULE_PREFIX, UNRESOLVED_VALUE_RULE } from './rule-ids';
import { checkSettings, type CheckSettings, type KmsPolicyGuardCheckProps } from './settings';

export interface KmsPolicyGuardChecksProps extends NagPackProps, KmsPolicyGuardCheckProps {}

/** What one resource violates a rule with: a line of the violation's description, where in the resource, and how badly. */
interface Detail {
  line: string;
  location: string;
  error: boolean;
}

/** What a rule says, for a violation built outside cdk-nag's applyRule. */
interface RuleText {
  info: string;
  explanation: string;
}

const NOT_JUDGED_TEXT: RuleText = { info: 'The key policy could not be judged.', explanation: 'A key policy that was not judged may grant anything; it never passes.' };

export class KmsPolicyGuardChecks extends NagPack {
  readonly name = RULE_PREFIX;
  override readonly ruleIds = [...RULE_IDS];
  private readonly settings: CheckSettings;
  /** Per rule id, per construct path: what this run found (cdk-nag keeps one description per rule). */
  private readonly details = new Map<string, Map<string, Detail[]>>();
  /**
   * Per rule id, per construct path: what was not judged. It bypasses applyRule, so no acknowledgement
   * (`Validations.acknowledge`) can accept it, as no inline suppression can.
   */
  private readonly unjudged = new Map<string, { text: RuleText; byPath: Map<string, Detail[]> }>();

  constructor(scope?: IConstruct, props: KmsPolicyGuardChecksProps = {}) {
    super(scope, props);
    this.packName = RULE_PREFIX;
    this.settings = checkSettings(props, 'KmsPolicyGuardChecks');
  }

  override validateScope(scope: IConstruct): PolicyValidationPluginReport {
    this.details.clear();
    this.unjudged.clear();
    const report = super.validateScope(scope);
    // cdk-nag walks CfnResource constructs only; a key rendered by another element (the CfnInclude of
    // aws-cdk-lib core) is judged here.
    for (const element of scope.node.findAll()) {
      if (CfnElement.isCfnElement(element) && !CfnResource.isCfnResource(element)) this.checkElement(element);
    }
    const violations = mergeByRule([...report.violations, ...this.unjudgedViolations()]).map((v) => this.detailed(v));
    return { ...report, violations, success: violations.every((v) => v.severity !== 'error') };
  }

  protected checkResource(node: CfnResource): void {
    this.checkElement(node);
  }

  private checkElement(node: CfnElement): void {
    for (const logicalId of keyLogicalIds(node)) this.checkKey(node, judgeKeyResource(node, this.settings, { today: utcDay(new Date()) }, logicalId));
  }

  private checkKey(node: CfnElement, verdict: KeyResourceVerdict): void {
    const where = `${Stack.of(node).node.path}/${verdict.logicalId}`;
    if (verdict.notJudged !== undefined) this.addUnjudged(node, NOT_JUDGED_RULE, NOT_JUDGED_TEXT, [{ line: `${where}: ${verdict.notJudged}`, location: 'Properties', error: true }]);
    for (const check of CHECKS) this.checkRule(node, check, verdict);
    this.rule(
      node,
      UNRESOLVED_VALUE_RULE,
      NagMessageLevel.WARN,
      'A value of the key policy is known only at deployment; it was judged as the worst it could be.',
      'Tokens, parameters and other stacks’ values cannot be read at synth. The findings above assume the value grants the most it could; give the value literally to have it judged as it is.',
      verdict.unresolved.map((w) => ({ line: `${Stack.of(node).node.path}/${w.message}`, location: resourceLocation(w.path, verdict.logicalId), error: false })),
    );
    this.rule(
      node,
      INLINE_SUPPRESSION_RULE,
      NagMessageLevel.WARN,
      'An inline suppression (Metadata kms-policy-guard) suppresses nothing.',
      'A malformed, expired, refused or unused suppression entry accepts no finding; fix or remove it.',
      verdict.suppressionProblems.map((p) => ({ line: `${where}: ${p}`, location: 'Metadata.kms-policy-guard', error: false })),
    );
    this.rule(
      node,
      POLICY_WARNING_RULE,
      NagMessageLevel.WARN,
      'The key policy holds something the judgement cannot weigh.',
      'An unknown action or condition key, a non-KMS action or a statement that grants nothing is judged as written; check that the policy says what was meant.',
      verdict.policyWarnings.map((w) => ({ line: `${where} at ${resourceLocation(w.path, verdict.logicalId)}: ${w.message}`, location: resourceLocation(w.path, verdict.logicalId), error: false })),
    );
    this.rule(
      node,
      EXEMPTION_TAG_RULE,
      NagMessageLevel.WARN,
      'The exemption tag on the key accepts nothing.',
      'An empty tag, one written twice or known only at deployment, or a finding of a non-suppressible check, leaves every finding of the key counting; fix the tag or the key policy.',
      verdict.exemptionProblems.map((p) => ({ line: `${where}: ${p}`, location: 'Properties.Tags', error: false })),
    );
  }

  private checkRule(node: CfnElement, check: (typeof CHECKS)[number], verdict: KeyResourceVerdict): void {
    const findings = verdict.findings.filter((f) => f.checkId === check.meta.id && f.suppression === undefined);
    const text: RuleText = { info: `${check.meta.title}.`, explanation: `${check.meta.rationale} ${check.meta.remediation}` };
    const detail = (f: (typeof findings)[number]): Detail => ({ line: findingText(node, verdict, f), location: resourceLocation(f.path, verdict.logicalId), error: isError(f, this.settings) });
    // A check that could not complete is no finding anyone could have accepted, and a non-suppressible check's
    // error is one the deployer ruled no team may accept (an acknowledgement is the team's own, as an inline
    // suppression is): both are reported outside applyRule, where no acknowledgement reaches.
    const nonSuppressible = this.settings.nonSuppressible.includes(check.meta.id);
    const unacknowledgeable = (f: (typeof findings)[number]) => f.notJudged === true || (nonSuppressible && isError(f, this.settings));
    this.addUnjudged(node, checkRuleId(check.meta.id), text, findings.filter(unacknowledgeable).map(detail));
    const judged = findings.filter((f) => !unacknowledgeable(f)).map(detail);
    this.rule(node, checkRuleId(check.meta.id), judged.some((d) => d.error) ? NagMessageLevel.ERROR : NagMessageLevel.WARN, text.info, text.explanation, judged);
  }

  private addUnjudged(node: CfnElement, ruleId: string, text: RuleText, details: Detail[]): void {
    if (details.length === 0) return;
    const entry = this.unjudged.get(ruleId) ?? { text, byPath: new Map<string, Detail[]>() };
    entry.byPath.set(node.node.path, [...(entry.byPath.get(node.node.path) ?? []), ...details]);
    this.unjudged.set(ruleId, entry);
    this.record(node, ruleId, details);
  }

  private record(node: CfnElement, ruleId: string, details: Detail[]): void {
    const byPath = this.details.get(ruleId) ?? new Map<string, Detail[]>();
    byPath.set(node.node.path, [...(byPath.get(node.node.path) ?? []), ...details]);
    this.details.set(ruleId, byPath);
  }

  /** Applies one rule to the resource: non-compliant when there are details, recorded for the description. */
  private rule(node: CfnElement, ruleId: string, level: NagMessageLevel, info: string, explanation: string, details: Detail[]): void {
    if (details.length > 0) this.record(node, ruleId, details);
    this.applyRule({
      ruleSuffixOverride: ruleId.slice(RULE_PREFIX.length + 1),
      info,
      explanation,
      level,
      // cdk-nag reads only the construct's path and metadata (for acknowledgements), which every element has.
      node: node as CfnResource,
      rule: () => (details.length > 0 ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT),
    });
  }

  /** The violations of what was not judged, as cdk-nag would word them (its description is the rule's info). */
  private unjudgedViolations(): PolicyViolation[] {
    return [...this.unjudged].map(([ruleName, { text, byPath }]) => ({
      ruleName,
      description: text.info,
      severity: 'error',
      violatingResources: [...byPath.keys()].map((constructPath) => ({ constructPath, locations: ['Properties'] })),
    }));
  }

  /**
   * The violation with what each resource violates it with, and where in the resource. Its severity is the
   * worst of its resources': cdk-nag keeps the level of the first resource it saw.
   */
  private detailed(v: PolicyViolation): PolicyViolation {
    const byPath = this.details.get(v.ruleName);
    if (byPath === undefined) return v;
    const resources = v.violatingResources.filter((r, i, all) => all.findIndex((o) => o.constructPath === r.constructPath) === i);
    const of = (r: PolicyViolation['violatingResources'][number]) => (r.constructPath === undefined ? [] : (byPath.get(r.constructPath) ?? []));
    const lines = resources.flatMap((r) => of(r).map((d) => d.line));
    return {
      ...v,
      description: [v.description, ...lines.map((l) => `- ${l}`)].join('\n'),
      severity: resources.some((r) => of(r).some((d) => d.error)) ? 'error' : v.severity,
      violatingResources: resources.map((r) => {
        const locations = [...new Set(of(r).map((d) => d.location))];
        return locations.length > 0 ? { ...r, locations } : r;
      }),
    };
  }
}

/**
 * One violation per rule: a rule reported both through applyRule and outside it (what was not judged) keeps
 * the first description, every resource once, and the worst severity (detailed() then rewords it).
 */
function mergeByRule(violations: PolicyViolation[]): PolicyViolation[] {
  const out = new Map<string, PolicyViolation>();
  for (const v of violations) {
    const seen = out.get(v.ruleName);
    if (seen === undefined) {
      out.set(v.ruleName, v);
      continue;
    }
    const known = new Set(seen.violatingResources.map((r) => r.constructPath));
    out.set(v.ruleName, {
      ...seen,
      severity: seen.severity === 'error' || v.severity === 'error' ? 'error' : seen.severity,
      violatingResources: [...seen.violatingResources, ...v.violatingResources.filter((r) => !known.has(r.constructPath))],
    });
  }
  return [...out.values()];
}
