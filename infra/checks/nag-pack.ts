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
 * `KmsPolicyGuard-ExemptionTag` (warning) an exemption tag that accepts nothing, and
 * `KmsPolicyGuard-NotJudged` (error) a key that could not be judged.
 *
 * Unlike cdk-nag's own packs, only errors fail synthesis: warnings are printed in the report, and fail it only
 * under the context flag `@aws-cdk/core:strictCfnValidateErrors` (the CDK's strict mode for plugin warnings).
 */
import { Stack, type CfnResource, type PolicyValidationPluginReport, type PolicyViolation } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagRuleCompliance, type NagPackProps } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { CHECKS } from '../../engine';
import { utcDay } from '../../suppress';
import { findingText, isError, isKeyResource, judgeKeyResource, resourceLocation, type KeyResourceVerdict } from './judge-resource';
import { checkRuleId, EXEMPTION_TAG_RULE, INLINE_SUPPRESSION_RULE, NOT_JUDGED_RULE, RULE_IDS, RULE_PREFIX, UNRESOLVED_VALUE_RULE } from './rule-ids';
import { checkSettings, type CheckSettings, type KmsPolicyGuardCheckProps } from './settings';

export interface KmsPolicyGuardChecksProps extends NagPackProps, KmsPolicyGuardCheckProps {}

/** What one resource violates a rule with: a line of the violation's description, and where in the resource. */
interface Detail {
  line: string;
  location: string;
}

export class KmsPolicyGuardChecks extends NagPack {
  readonly name = RULE_PREFIX;
  override readonly ruleIds = [...RULE_IDS];
  private readonly settings: CheckSettings;
  /** Per rule id, per construct path: what this run found (cdk-nag keeps one description per rule). */
  private readonly details = new Map<string, Map<string, Detail[]>>();

  constructor(scope?: IConstruct, props: KmsPolicyGuardChecksProps = {}) {
    super(scope, props);
    this.packName = RULE_PREFIX;
    this.settings = checkSettings(props, 'KmsPolicyGuardChecks');
  }

  override validateScope(scope: IConstruct): PolicyValidationPluginReport {
    this.details.clear();
    const report = super.validateScope(scope);
    const violations = report.violations.map((v) => this.detailed(v));
    return { ...report, violations, success: violations.every((v) => v.severity !== 'error') };
  }

  protected checkResource(node: CfnResource): void {
    if (!isKeyResource(node)) return;
    const verdict = judgeKeyResource(node, this.settings, { today: utcDay(new Date()) });
    const where = `${Stack.of(node).node.path}/${verdict.logicalId}`;
    if (verdict.notJudged !== undefined) {
      this.rule(node, NOT_JUDGED_RULE, NagMessageLevel.ERROR, 'The key policy could not be judged.', 'A key policy that was not judged may grant anything; it never passes.', [
        { line: `${where}: ${verdict.notJudged}`, location: 'Properties' },
      ]);
    }
    for (const check of CHECKS) this.checkRule(node, check, verdict);
    this.rule(
      node,
      UNRESOLVED_VALUE_RULE,
      NagMessageLevel.WARN,
      'A value of the key policy is known only at deployment; it was judged as the worst it could be.',
      'Tokens, parameters and other stacks’ values cannot be read at synth. The findings above assume the value grants the most it could; give the value literally to have it judged as it is.',
      verdict.unresolved.map((w) => ({ line: `${Stack.of(node).node.path}/${w.message}`, location: resourceLocation(w.path, verdict.logicalId) })),
    );
    this.rule(
      node,
      INLINE_SUPPRESSION_RULE,
      NagMessageLevel.WARN,
      'An inline suppression (Metadata kms-policy-guard) suppresses nothing.',
      'A malformed, expired, refused or unused suppression entry accepts no finding; fix or remove it.',
      verdict.suppressionProblems.map((p) => ({ line: `${where}: ${p}`, location: 'Metadata.kms-policy-guard' })),
    );
    this.rule(
      node,
      EXEMPTION_TAG_RULE,
      NagMessageLevel.WARN,
      'The exemption tag on the key accepts nothing.',
      'An empty tag, one written twice or known only at deployment, or a finding of a non-suppressible check, leaves every finding of the key counting; fix the tag or the key policy.',
      verdict.exemptionProblems.map((p) => ({ line: `${where}: ${p}`, location: 'Properties.Tags' })),
    );
  }

  private checkRule(node: CfnResource, check: (typeof CHECKS)[number], verdict: KeyResourceVerdict): void {
    const findings = verdict.findings.filter((f) => f.checkId === check.meta.id && f.suppression === undefined);
    this.rule(
      node,
      checkRuleId(check.meta.id),
      findings.some((f) => isError(f, this.settings)) ? NagMessageLevel.ERROR : NagMessageLevel.WARN,
      `${check.meta.title}.`,
      `${check.meta.rationale} ${check.meta.remediation}`,
      findings.map((f) => ({ line: findingText(node, verdict, f), location: resourceLocation(f.path, verdict.logicalId) })),
    );
  }

  /** Applies one rule to the resource: non-compliant when there are details, recorded for the description. */
  private rule(node: CfnResource, ruleId: string, level: NagMessageLevel, info: string, explanation: string, details: Detail[]): void {
    if (details.length > 0) {
      const byPath = this.details.get(ruleId) ?? new Map<string, Detail[]>();
      byPath.set(node.node.path, [...(byPath.get(node.node.path) ?? []), ...details]);
      this.details.set(ruleId, byPath);
    }
    this.applyRule({
      ruleSuffixOverride: ruleId.slice(RULE_PREFIX.length + 1),
      info,
      explanation,
      level,
      node,
      rule: () => (details.length > 0 ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.COMPLIANT),
    });
  }

  /** The violation with what each resource violates it with, and where in the resource. */
  private detailed(v: PolicyViolation): PolicyViolation {
    const byPath = this.details.get(v.ruleName);
    if (byPath === undefined) return v;
    const lines = v.violatingResources.flatMap((r) => (r.constructPath === undefined ? [] : (byPath.get(r.constructPath) ?? []).map((d) => d.line)));
    return {
      ...v,
      description: [v.description, ...lines.map((l) => `- ${l}`)].join('\n'),
      violatingResources: v.violatingResources.map((r) => {
        const locations = r.constructPath === undefined ? [] : [...new Set((byPath.get(r.constructPath) ?? []).map((d) => d.location))];
        return locations.length > 0 ? { ...r, locations } : r;
      }),
    };
  }
}
