/** Rule parameters given to the CDK app are checked at synth by the rule's own parser, with its messages. */
import { App, Aws, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { KmsKeyPolicyRule } from '../../infra/constructs/kms-key-policy-rule';
import { KmsPolicyGuardRuleStack } from '../../infra/stacks/rule-stack';
import { synthesize } from './app-fixture';

const BARE = { 'aws:cdk:bundling-stacks': [] };

describe('rule parameters as construct props', () => {
  it.each([
    [{ minimumSeverity: 'HIGHEST' }, /invalid rule parameter MinimumSeverity: must be one of critical, high, medium, low, info, got "highest"/],
    [{ disabledChecks: ['PUBLIC_ACESS'] }, /invalid rule parameter DisabledChecks: unknown check "PUBLIC_ACESS"/],
    [{ maxRequestsPerSecond: 5000 }, /invalid rule parameter MaxRequestsPerSecond: must be a number of requests per second from 1 to 1000/],
    [{ trustedAccountIds: ['12345'] }, /invalid rule parameter TrustedAccountIds: "12345" is not a 12-digit account id/],
    [{ executionRoleName: 'arn:aws:iam::123456789012:role/Audit' }, /invalid rule parameter ExecutionRoleName: .*not the ARN/],
  ])('%p fails the synth with the message the rule would give at every invocation', (rule, message) => {
    const app = new App({ context: BARE });
    // The props are typed; a plain JavaScript caller (or a cast) can still pass anything.
    expect(() => new KmsPolicyGuardRuleStack(app, 'Bad', { rule: rule as never })).toThrow(message);
  });

  it.each([
    [{ minimumSeverity: ' ' }, /invalid rule parameter MinimumSeverity: must be one of .*got ""/],
    [{ exemptionTagKey: '   ' }, /invalid rule parameter ExemptionTagKey: "" is not a valid tag key/],
    [{ executionRoleName: ' ' }, /invalid rule parameter ExecutionRoleName/],
  ])('%p (spaces only) fails as the same value from context does, rather than being dropped', (rule, message) => {
    const app = new App({ context: BARE });
    expect(() => new KmsPolicyGuardRuleStack(app, 'Blank', { rule: rule as never })).toThrow(message);
  });

  it('leaves out only what the rule treats as unset: the empty string and lists without items', () => {
    const stack = new Stack(new App({ context: BARE }), 'Unset');
    new KmsKeyPolicyRule(stack, 'Rule', { minimumSeverity: '' as never, exemptionTagKey: '', trustedAccountIds: [], disabledChecks: [' ' as never] });
    const rules = Template.fromStack(stack).findResources('AWS::Config::ConfigRule');
    expect(Object.values(rules).map((r) => (r.Properties as Record<string, unknown>).InputParameters)).toEqual([undefined]);
  });

  describe('nonSuppressibleChecks', () => {
    const inputOf = (props: Record<string, unknown>): unknown => {
      const stack = new Stack(new App({ context: BARE }), 'NonSuppressible');
      new KmsKeyPolicyRule(stack, 'Rule', props as never);
      const [rule] = Object.values(Template.fromStack(stack).findResources('AWS::Config::ConfigRule'));
      return (rule?.Properties as Record<string, unknown>).InputParameters;
    };

    it('unset: not sent, the rule\'s default (PUBLIC_ACCESS) applies', () => {
      expect(inputOf({})).toBeUndefined();
    });

    it('an empty list means no check, sent as NONE (an empty value would be read as unset, i.e. PUBLIC_ACCESS)', () => {
      expect(inputOf({ nonSuppressibleChecks: [] })).toEqual({ NonSuppressibleChecks: 'NONE' });
    });

    it('passes check ids as the rule reads them', () => {
      expect(inputOf({ nonSuppressibleChecks: ['public_access', 'UNTRUSTED_CROSS_ACCOUNT'] })).toEqual({ NonSuppressibleChecks: 'PUBLIC_ACCESS,UNTRUSTED_CROSS_ACCOUNT' });
    });

    it.each([
      [['INVALID_POLICY'], /invalid rule parameter NonSuppressibleChecks: INVALID_POLICY is never suppressible/],
      [['PUBLIC_ACESS'], /invalid rule parameter NonSuppressibleChecks: unknown check "PUBLIC_ACESS"/],
      [['NONE', 'PUBLIC_ACCESS'], /invalid rule parameter NonSuppressibleChecks: NONE stands alone/],
      [['NONE', Aws.ACCOUNT_ID], /NonSuppressibleChecks: NONE stands alone/],
    ])('%p fails the synth with the rule\'s message', (checks, message) => {
      expect(() => inputOf({ nonSuppressibleChecks: checks })).toThrow(message);
    });

    it('with a deploy-time token, drops blank items rather than reading them as NONE', () => {
      const stack = new Stack(new App({ context: BARE }), 'Token');
      const extra = new CfnParameter(stack, 'Extra', { type: 'String' });
      new KmsKeyPolicyRule(stack, 'Rule', { nonSuppressibleChecks: [' ' as never, 'PUBLIC_ACCESS', extra.valueAsString as never] });
      Template.fromStack(stack).hasResourceProperties('AWS::Config::ConfigRule', {
        InputParameters: { NonSuppressibleChecks: { 'Fn::Join': ['', ['PUBLIC_ACCESS,', { Ref: 'Extra' }]] } },
      });
    });
  });

  it('names the construct whose props are wrong', () => {
    const app = new App({ context: BARE });
    expect(() => new KmsPolicyGuardRuleStack(app, 'Bad', { rule: { minimumSeverity: 'severe' as never } })).toThrow(/^Bad\/KeyPolicyRule: /);
  });
});

describe('rule parameters known only at deploy time', () => {
  it('are passed through unchecked (the rule checks them at run time)', () => {
    const stack = new Stack(new App({ context: BARE }), 'Tokens');
    const severity = new CfnParameter(stack, 'Severity', { type: 'String' });
    const rate = new CfnParameter(stack, 'Rate', { type: 'Number' });
    new KmsKeyPolicyRule(stack, 'Rule', { minimumSeverity: severity.valueAsString as never, maxRequestsPerSecond: rate.valueAsNumber });
    Template.fromStack(stack).hasResourceProperties('AWS::Config::ConfigRule', {
      InputParameters: { MinimumSeverity: { Ref: 'Severity' }, MaxRequestsPerSecond: { Ref: 'Rate' } },
    });
  });

  it.each([
    [{ trustedAccountIds: [Aws.ACCOUNT_ID, 'not-an-account'] }, /TrustedAccountIds: "not-an-account" is not a 12-digit account id/],
    [{ trustedOrgIds: ['org-1', Aws.ACCOUNT_ID] }, /TrustedOrgIds: "org-1" is not an organization id/],
    [{ disabledChecks: ['INVALID_POLICY', Aws.ACCOUNT_ID] }, /DisabledChecks: INVALID_POLICY cannot be disabled/],
    [{ disabledChecks: [Aws.ACCOUNT_ID, 'PUBLIC_ACESS'] }, /DisabledChecks: unknown check "PUBLIC_ACESS"/],
  ])('still checks the literal items of a list that also holds a token: %p', (rule, message) => {
    const stack = new Stack(new App({ context: BARE }), 'Mixed');
    expect(() => new KmsKeyPolicyRule(stack, 'Rule', rule as never)).toThrow(message);
  });

  it('passes a list of tokens and literals with the literals as the rule reads them', () => {
    const stack = new Stack(new App({ context: BARE }), 'Mixed');
    new KmsKeyPolicyRule(stack, 'Rule', { trustedAccountIds: [Aws.ACCOUNT_ID, ' 111111111111 '], disabledChecks: ['public_access' as never] });
    Template.fromStack(stack).hasResourceProperties('AWS::Config::ConfigRule', {
      InputParameters: {
        TrustedAccountIds: { 'Fn::Join': ['', [{ Ref: 'AWS::AccountId' }, ',111111111111']] },
        DisabledChecks: 'PUBLIC_ACCESS',
      },
    });
  });

  it('still checks the values given as plain numbers', () => {
    const stack = new Stack(new App({ context: BARE }), 'Numbers');
    expect(() => new KmsKeyPolicyRule(stack, 'Rule', { maxRequestsPerSecond: 0.5 })).toThrow(/MaxRequestsPerSecond: must be a number/);
  });
});

describe('rule parameters from CDK context (-c name=value)', () => {
  it.each([
    ['minimumSeverity', 'HIGHEST', /context minimumSeverity: invalid rule parameter MinimumSeverity: must be one of/],
    ['disabledChecks', 'PUBLIC_ACESS', /context disabledChecks: invalid rule parameter DisabledChecks: unknown check "PUBLIC_ACESS"/],
    ['disabledChecks', 'INVALID_POLICY', /INVALID_POLICY cannot be disabled/],
    ['maxRequestsPerSecond', '5000', /context maxRequestsPerSecond: invalid rule parameter MaxRequestsPerSecond: must be a number/],
    ['trustedOrgIds', 'org-1', /context trustedOrgIds: invalid rule parameter TrustedOrgIds/],
    ['includeAwsManagedKeys', 'yes', /context includeAwsManagedKeys: invalid rule parameter IncludeAwsManagedKeys: must be true or false/],
    ['evaluateGrants', 'maybe', /context evaluateGrants: invalid rule parameter EvaluateGrants: must be true or false/],
    ['exemptionTagKey', 'x'.repeat(129), /context exemptionTagKey: invalid rule parameter ExemptionTagKey/],
    ['nonSuppressibleChecks', 'INVALID_POLICY', /context nonSuppressibleChecks: invalid rule parameter NonSuppressibleChecks: INVALID_POLICY is never suppressible/],
  ])('-c %s=%s fails the synth naming the parameter', (key, value, message) => {
    expect(() => synthesize({ ...BARE, [key]: value })).toThrow(message);
  });

  it('passes the values as the rule reads them (case and spacing normalised, decimals kept)', () => {
    const synth = synthesize({ ...BARE, minimumSeverity: 'HIGH', disabledChecks: ' allow_with_negation ', maxRequestsPerSecond: '12.5' });
    synth.templates.rule.hasResourceProperties('AWS::Config::ConfigRule', {
      InputParameters: { MinimumSeverity: 'high', DisabledChecks: 'ALLOW_WITH_NEGATION', MaxRequestsPerSecond: '12.5' },
    });
  });

  it.each([
    ['NONE', 'NONE'],
    ['none', 'NONE'],
    ['public_access,untrusted_cross_account', 'PUBLIC_ACCESS,UNTRUSTED_CROSS_ACCOUNT'],
  ])('-c nonSuppressibleChecks=%s is passed as %s', (value, sent) => {
    const synth = synthesize({ ...BARE, nonSuppressibleChecks: value });
    synth.templates.rule.hasResourceProperties('AWS::Config::ConfigRule', { InputParameters: { NonSuppressibleChecks: sent } });
  });

  it('still synthesizes with no settings at all', () => {
    const synth = synthesize(BARE);
    expect(synth.ruleStack.rule.rule.configRuleName).toBeDefined();
  });
});

describe('context keys that nearly name a setting', () => {
  it.each([
    ['MinimumSeverity', 'critical', 'minimumSeverity'],
    ['minimumseverity', 'critical', 'minimumSeverity'],
    ['disabled-checks', 'PUBLIC_ACCESS', 'disabledChecks'],
    ['DISABLED_CHECKS', 'PUBLIC_ACCESS', 'disabledChecks'],
    ['ExecutionRoleName', 'Audit', 'executionRoleName'],
    ['member_account_ids', '111111111111', 'memberAccountIds'],
    ['RemediationDryRun', 'false', 'remediationDryRun'],
    ['KmsPolicyGuardMaximumExecutionFrequency', 'One_Hour', 'maximumExecutionFrequency'],
  ])('-c %s=%s fails the synth naming %s, rather than being ignored', (key, value, right) => {
    expect(() => synthesize({ ...BARE, [key]: value })).toThrow(new RegExp(`context ${key} is not a setting of this app: did you mean ${right}\\?`));
  });

  it("leaves CDK's own context and unrelated keys alone", () => {
    const synth = synthesize({ ...BARE, 'cli-telemetry': false, '@aws-cdk/core:enablePartitionLiterals': true, 'aws:cdk:enable-path-metadata': true, team: 'payments' });
    expect(synth.organizationStack).toBeUndefined();
  });
});
