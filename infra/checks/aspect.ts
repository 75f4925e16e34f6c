/**
 * The synth-time checks as a plain Aspect, for apps without cdk-nag: `Aspects.of(app).add(new KmsPolicyGuardAspect())`.
 * Each AWS::KMS::Key and AWS::KMS::ReplicaKey (nested stacks included) is judged as check-template judges it;
 * findings at or above `errorSeverity` are error annotations, which fail `cdk synth`, those below are warnings,
 * unresolved values and inline suppressions that do nothing are warnings, and suppressed findings are info
 * naming the reason. Warnings carry an id (`KmsPolicyGuard-…`) and can be acknowledged.
 */
import { Annotations, Stack, type IAspect } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { utcDay } from '../../suppress';
import { findingText, isError, isKeyResource, judgeKeyResource, type KeyResourceVerdict } from './judge-resource';
import { checkRuleId, INLINE_SUPPRESSION_RULE, NOT_JUDGED_RULE, UNRESOLVED_VALUE_RULE } from './rule-ids';
import { checkSettings, type CheckSettings, type KmsPolicyGuardCheckProps } from './settings';

export type KmsPolicyGuardAspectProps = KmsPolicyGuardCheckProps;

export class KmsPolicyGuardAspect implements IAspect {
  private readonly settings: CheckSettings;

  constructor(props: KmsPolicyGuardAspectProps = {}) {
    this.settings = checkSettings(props, 'KmsPolicyGuardAspect');
  }

  visit(node: IConstruct): void {
    if (!isKeyResource(node)) return;
    annotate(node, judgeKeyResource(node, this.settings, { today: utcDay(new Date()) }), this.settings);
  }
}

function annotate(node: IConstruct, verdict: KeyResourceVerdict, settings: CheckSettings): void {
  const annotations = Annotations.of(node);
  const stack = Stack.of(node).node.path;
  if (verdict.notJudged !== undefined) annotations.addError(`[${NOT_JUDGED_RULE}] ${stack}: ${verdict.notJudged}`);
  for (const f of verdict.findings) {
    const id = checkRuleId(f.checkId);
    const text = findingText(node, verdict, f);
    if (f.suppression !== undefined) {
      annotations.addInfo(`[${id}] suppressed inline (reason: ${JSON.stringify(f.suppression.reason)}${f.suppression.expires !== undefined ? `, until ${f.suppression.expires}` : ''}): ${text}`);
    } else if (isError(f, settings)) {
      annotations.addError(`[${id}] ${text}`);
    } else {
      annotations.addWarningV2(id, text);
    }
  }
  for (const w of verdict.unresolved) annotations.addWarningV2(UNRESOLVED_VALUE_RULE, `${stack}/${w.message}`);
  for (const problem of verdict.suppressionProblems) annotations.addWarningV2(INLINE_SUPPRESSION_RULE, `${stack}/${verdict.logicalId}: ${problem}`);
}
