/** What the synth-time checks' tests share: the Aspect's annotations by level, and a pack violation by rule. */
import { AspectPriority, Aspects, type App, type PolicyValidationPluginReport, type Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { KmsPolicyGuardAspect, type KmsPolicyGuardCheckProps } from '../../infra';

export function violation(report: PolicyValidationPluginReport, rule: string) {
  return report.violations.find((v) => v.ruleName === rule);
}

/**
 * The annotations the Aspect leaves on the stack, by level, as text. Added as a read-only aspect, so it runs
 * after the mutating ones (Tags.of) whatever the app's feature flags.
 */
export function aspect(app: App, stack: Stack, props: KmsPolicyGuardCheckProps = {}): { errors: string[]; warnings: string[]; infos: string[] } {
  Aspects.of(app).add(new KmsPolicyGuardAspect(props), { priority: AspectPriority.READONLY });
  const annotations = Annotations.fromStack(stack);
  const text = (found: { entry: { data?: unknown } }[]) => found.map((m) => String(m.entry.data));
  return {
    errors: text(annotations.findError('*', Match.anyValue())),
    warnings: text(annotations.findWarning('*', Match.anyValue())),
    infos: text(annotations.findInfo('*', Match.anyValue())),
  };
}
