/**
 * One synthesized app per test file: the three stacks built by infra/build-app.ts from a context that
 * exercises every option. Asset bundling is skipped (`aws:cdk:bundling-stacks: []`) so a synth takes a
 * second; `npm run synth` bundles for real.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type KmsPolicyGuardApp } from '../../infra/build-app';

export const MEMBER_ACCOUNTS = ['111111111111', '222222222222'];
export const ADMIN_ARN = 'arn:aws:iam::123456789012:role/KeyAdmin';
export const USAGE_ARN = 'arn:aws:iam::123456789012:role/App';

export const TEST_CONTEXT = {
  'aws:cdk:bundling-stacks': [],
  'cli-telemetry': false,
  trustedAccountIds: ['333333333333'],
  minimumSeverity: 'medium',
  disabledChecks: 'ALLOW_WITH_NEGATION',
  maximumExecutionFrequency: 'Six_Hours',
  memberAccountIds: MEMBER_ACCOUNTS.join(','),
  remediationAdminPrincipalArns: [ADMIN_ARN],
  remediationUsagePrincipalArns: [USAGE_ARN],
};

export interface Synthesized extends KmsPolicyGuardApp {
  app: App;
  templates: { rule: Template; pack: Template; organization: Template };
}

export function synthesize(context: Record<string, unknown> = TEST_CONTEXT): Synthesized {
  const app = new App({ context });
  const built = buildApp(app);
  return {
    app,
    ...built,
    templates: {
      rule: Template.fromStack(built.ruleStack),
      pack: Template.fromStack(built.conformancePackStack),
      organization: Template.fromStack(built.organizationStack),
    },
  };
}
