/**
 * One synthesized app per test file: the three stacks built by infra/build-app.ts from a context that
 * exercises every option. Asset bundling is skipped (`aws:cdk:bundling-stacks: []`) so a synth takes a
 * second; `npm run synth` bundles for real.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, type KmsPolicyGuardApp } from '../../infra/build-app';
import type { KmsPolicyGuardOrganizationStack } from '../../infra/stacks/organization-stack';

export const MEMBER_ACCOUNTS = ['111111111111', '222222222222'];
export const ADMIN_ARN = 'arn:aws:iam::123456789012:role/KeyAdmin';
export const USE_ARN = 'arn:aws:iam::123456789012:role/App';

export const TEST_CONTEXT = {
  'aws:cdk:bundling-stacks': [],
  'cli-telemetry': false,
  trustedAccountIds: ['333333333333'],
  minimumSeverity: 'medium',
  disabledChecks: 'ALLOW_WITH_NEGATION',
  maximumExecutionFrequency: 'Six_Hours',
  memberAccountIds: MEMBER_ACCOUNTS.join(','),
  remediationAdminPrincipalArns: [ADMIN_ARN],
  remediationUsagePrincipalArns: [USE_ARN],
};

export interface Synthesized extends KmsPolicyGuardApp {
  app: App;
  templates: { rule: Template; pack: Template; organization: Template };
}

/** The organisation stack, which the app builds only with memberAccountIds. */
export function organizationStackOf(synth: KmsPolicyGuardApp): KmsPolicyGuardOrganizationStack {
  if (synth.organizationStack === undefined) throw new Error('the app built no organisation stack: its context has no memberAccountIds');
  return synth.organizationStack;
}

export function synthesize(context: Record<string, unknown> = TEST_CONTEXT): Synthesized {
  const app = new App({ context });
  const built = buildApp(app);
  let organization: Template | undefined;
  return {
    app,
    ...built,
    templates: {
      rule: Template.fromStack(built.ruleStack),
      pack: Template.fromStack(built.conformancePackStack),
      // Synthesized when first read, and only then required.
      get organization() {
        organization ??= Template.fromStack(organizationStackOf(built));
        return organization;
      },
    },
  };
}
