/**
 * The synth-time checks as a plain Aspect, for apps without cdk-nag:
 * `Aspects.of(app).add(new KmsPolicyGuardAspect(), { priority: AspectPriority.READONLY })` — READONLY runs it
 * after every aspect that may still change a key policy.
 * Each AWS::KMS::Key and AWS::KMS::ReplicaKey (nested stacks included; by its rendered Type, so a key of a core
 * CfnInclude or a Type override counts) is judged as check-template judges it;
 * findings at or above `errorSeverity` are error annotations, which fail `cdk synth`, those below are warnings,
 * unresolved values, inline suppressions and exemption tags that do nothing are warnings, and findings accepted
 * inline or by the exemption tag (prop exemptionTagKey) are info naming the reason. Warnings carry an id (`KmsPolicyGuard-…`) and can be acknowledged; an error annotation
 * cannot be (the CDK does not allow it), so a finding acknowledged with
 * `Validations.of(scope).acknowledge({ id: 'KmsPolicyGuard-<CHECK_ID>', reason })` on the key or a scope above it,
 * as the cdk-nag pack honours it, becomes info naming the reason. A finding that was not judged is always an error.
 *
 * The CDK does not carry an App's aspects into a Stage (each Stage synthesizes on its own, with its own
 * aspects): a Stage without its own KmsPolicyGuardAspect is an error, on the first stack the Aspect sees, naming
 * the Stage (`Aspects.of(stage).add(...)` fixes it). Where there is no such stack the error is thrown.
 *
 * With `exemptionTagKey`, add it as a read-only aspect, `Aspects.of(app).add(new KmsPolicyGuardAspect({...}),
 * { priority: AspectPriority.READONLY })`: it then runs after `Tags.of(...)` has tagged the keys, whatever the
 * app's feature flags (without `@aws-cdk/core:aspectPrioritiesMutating`, a tag aspect has the default priority
 * and may run later). A tag not yet applied accepts nothing: the findings stay errors, never a false pass.
 */
import { Annotations, Aspects, CfnElement, Stack, Stage, Validations, type IAspect } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { utcDay } from '../../suppress';
import { findingText, isError, judgeKeyResource, keyLogicalIds, resourceLocation, type KeyResourceVerdict } from './judge-resource';
import { checkRuleId, EXEMPTION_TAG_RULE, INLINE_SUPPRESSION_RULE, NOT_JUDGED_RULE, POLICY_WARNING_RULE, RULE_PREFIX, STAGE_NOT_CHECKED_RULE, UNRESOLVED_VALUE_RULE } from './rule-ids';
import { checkSettings, type CheckSettings, type KmsPolicyGuardCheckProps } from './settings';

export type KmsPolicyGuardAspectProps = KmsPolicyGuardCheckProps;

export class KmsPolicyGuardAspect implements IAspect {
  private readonly settings: CheckSettings;

  constructor(props: KmsPolicyGuardAspectProps = {}) {
    this.settings = checkSettings(props, 'KmsPolicyGuardAspect');
  }

  visit(node: IConstruct): void {
    reportUncheckedStages(node);
    if (!CfnElement.isCfnElement(node)) return;
    for (const logicalId of keyLogicalIds(node)) annotate(node, judgeKeyResource(node, this.settings, { today: utcDay(new Date()) }, logicalId), this.settings);
  }
}

/**
 * A Stage below `node` that no KmsPolicyGuardAspect of its own checks. The CDK invokes an App's aspects on
 * the constructs of the App's own assembly only; a Stage (a CDK Pipelines stage, say) is synthesized with the
 * aspects added to it or below it, so its keys would otherwise pass unjudged. An annotation on a construct
 * outside every stack is dropped from the assembly, so the error goes on the first stack of this assembly.
 */
function reportUncheckedStages(node: IConstruct): void {
  for (const stage of node.node.children.filter((c): c is Stage => Stage.isStage(c))) {
    if (Aspects.of(stage).all.some((a) => a instanceof KmsPolicyGuardAspect)) continue;
    const message = `[${STAGE_NOT_CHECKED_RULE}] ${stage.node.path}: the Stage is not checked: the CDK does not apply the aspects of an App (or of an enclosing Stage) inside a Stage, so its keys would pass unjudged. Add the Aspect to the Stage too: Aspects.of(stage).add(new KmsPolicyGuardAspect({...}), { priority: AspectPriority.READONLY })`;
    const host = firstStackOfAssembly(node);
    if (host === undefined) throw new Error(message);
    Annotations.of(host).addError(message);
  }
}

/** The first stack synthesized with `node` (in its assembly, not in a Stage below it). */
function firstStackOfAssembly(node: IConstruct): Stack | undefined {
  const assembly = Stage.isStage(node) ? node : Stage.of(node);
  if (assembly === undefined) return undefined;
  return assembly.node.findAll().find((c): c is Stack => Stack.isStack(c) && Stage.of(c) === assembly);
}

function annotate(node: IConstruct, verdict: KeyResourceVerdict, settings: CheckSettings): void {
  const annotations = Annotations.of(node);
  const stack = Stack.of(node).node.path;
  if (verdict.notJudged !== undefined) annotations.addError(`[${NOT_JUDGED_RULE}] ${stack}: ${verdict.notJudged}`);
  for (const f of verdict.findings) {
    const id = checkRuleId(f.checkId);
    const text = findingText(node, verdict, f);
    const acknowledged = acknowledgement(node, id);
    if (f.notJudged === true) {
      // What was not judged no one could have accepted: neither an inline suppression nor an acknowledgement.
      annotations.addError(`[${id}] ${text}`);
    } else if (f.suppression?.kind === 'exemption-tag') {
      annotations.addInfo(`[${id}] accepted by the exemption tag ${settings.exemptionTagKey ?? ''} (reason: ${JSON.stringify(f.suppression.reason)}): ${text}`);
    } else if (f.suppression !== undefined) {
      annotations.addInfo(`[${id}] suppressed inline (reason: ${JSON.stringify(f.suppression.reason)}${f.suppression.expires !== undefined ? `, until ${f.suppression.expires}` : ''}): ${text}`);
    } else if (acknowledged !== undefined && settings.nonSuppressible.includes(f.checkId) && isError(f, settings)) {
      annotations.addError(`[${id}] ${text} (acknowledgement refused: ${f.checkId} is non-suppressible)`);
    } else if (acknowledged !== undefined) {
      annotations.addInfo(`[${id}] acknowledged (reason: ${JSON.stringify(acknowledged)}): ${text}`);
    } else if (isError(f, settings)) {
      annotations.addError(`[${id}] ${text}`);
    } else {
      annotations.addWarningV2(id, text);
    }
  }
  for (const w of verdict.unresolved) annotations.addWarningV2(UNRESOLVED_VALUE_RULE, `${stack}/${w.message}`);
  for (const problem of verdict.suppressionProblems) annotations.addWarningV2(INLINE_SUPPRESSION_RULE, `${stack}/${verdict.logicalId}: ${problem}`);
  for (const problem of verdict.exemptionProblems) annotations.addWarningV2(EXEMPTION_TAG_RULE, `${stack}/${verdict.logicalId}: ${problem}`);
  for (const w of verdict.policyWarnings) annotations.addWarningV2(POLICY_WARNING_RULE, `${stack}/${verdict.logicalId} at ${resourceLocation(w.path, verdict.logicalId)}: ${w.message}`);
}

/**
 * The reason a rule was acknowledged with on the construct or a scope above it, as cdk-nag reads it: the
 * acknowledged-rules metadata, whose ids carry `Annotation::` (no prefix given) or the plugin name as prefix.
 */
function acknowledgement(node: IConstruct, ruleId: string): string | undefined {
  for (let scope: IConstruct | undefined = node; scope !== undefined; scope = scope.node.scope) {
    for (const entry of scope.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || typeof entry.data !== 'object' || entry.data === null) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        if (id.replace(/^annotation::/i, '').replace(`${RULE_PREFIX}::`, '') === ruleId) return String(reason);
      }
    }
  }
  return undefined;
}
