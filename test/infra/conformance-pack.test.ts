/** The conformance pack template itself: what Config accepts, and what the stacks rely on. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { CONFORMANCE_PACK_MAX_BYTES, CONFORMANCE_PACK_TEMPLATE_PATH, loadConformancePackTemplate, packParameterDefinition } from '../../infra/conformance-pack';
import { DEFAULT_MAXIMUM_EXECUTION_FREQUENCY } from '../../infra/constructs/kms-key-policy-rule';
import { DEFAULT_RULE_NAME } from '../../infra/names';
import { EXECUTION_FREQUENCIES } from '../../infra/context';
import { KMS_KEY_POLICY_NO_PUBLIC_ACCESS_PARAMETER, MANAGED_RULES } from '../../infra/managed-rules';
import { REMEDIATION_DEFAULTS } from '../../infra/settings';
import { RULE_PARAMETER_ENTRIES, type ParameterSpec } from '../../settings/parameter-spec';
import { PARAMETER_NAMES, parseRuleParameters } from '../../rule/parameters';

interface Resource {
  Type: string;
  Condition?: string;
  Properties: Record<string, unknown> & {
    Source?: { Owner: string; SourceIdentifier: unknown; SourceDetails?: { MessageType: string }[] };
    Scope?: { ComplianceResourceTypes: string[] };
  };
}

const pack = loadConformancePackTemplate();
const resources = pack.document.Resources as Record<string, Resource>;
const parameters = pack.document.Parameters as Record<string, { Default?: string; AllowedValues?: string[]; AllowedPattern?: string }>;
const conditions = (pack.document as { Conditions?: Record<string, unknown> }).Conditions ?? {};
const ruleParameterSpecs = RULE_PARAMETER_ENTRIES.map(([, spec]) => [spec.name, spec as ParameterSpec<unknown>] as const);

/** Values the rule accepts and refuses, per parameter: the pack's constraint must agree on every one. */
const SAMPLES: Record<string, { accepted: string[]; refused: string[] }> = {
  TrustedAccountIds: { accepted: ['111122223333', '111122223333,444455556666', '111122223333, 444455556666'], refused: ['12345', '111122223333,x', 'o-a1b2c3d4e5'] },
  TrustedOrgIds: { accepted: ['o-a1b2c3d4e5', 'o-a1b2c3d4e5,o-zzzzzzzzzz'], refused: ['org-1', 'o-abc', 'o-A1B2C3D4E5'] },
  MinimumSeverity: { accepted: ['critical', 'info'], refused: ['HIGHEST', 'severe'] },
  DisabledChecks: { accepted: ['PUBLIC_ACCESS', 'ALLOW_WITH_NEGATION,UNSCOPED_SERVICE_PRINCIPAL'], refused: ['PUBLIC_ACESS', 'INVALID_POLICY', 'PUBLIC_ACCESS,INVALID_POLICY'] },
  IncludeAwsManagedKeys: { accepted: ['true', 'false'], refused: ['yes', '1'] },
  EvaluateGrants: { accepted: ['true', 'false'], refused: ['yes', '0'] },
  NonSuppressibleChecks: {
    accepted: ['PUBLIC_ACCESS', 'PUBLIC_ACCESS, UNTRUSTED_CROSS_ACCOUNT', 'NONE', ' NONE '],
    refused: ['INVALID_POLICY', 'PUBLIC_ACCESS,INVALID_POLICY', 'NONE,PUBLIC_ACCESS', 'NONE,NONE', 'NOTHING', 'PUBLIC_ACESS'],
  },
  ExemptionTagKey: { accepted: ['security:exemption', 'Ausnahme-Grund', 'a b'], refused: ['x'.repeat(129), 'bad|key', ' '] },
  MaxRequestsPerSecond: { accepted: ['1', '12.5', '999.99', '1000', '1000.0'], refused: ['0', '0.5', '1000.5', '1001', '5000', '-5', 'fast', 'Infinity'] },
  EvaluateEffectiveAccess: { accepted: ['true', 'false'], refused: ['yes', 'off'] },
  ExecutionRoleName: { accepted: ['KmsPolicyGuardExecutionRole', 'audit/KmsPolicyGuardAudit'], refused: ['role name with spaces', 'arn:aws:iam::123456789012:role/Audit', 'n'.repeat(65)] },
};

function packAllows(name: string, value: string): boolean {
  const p = parameters[name];
  if (p?.AllowedValues !== undefined) return p.AllowedValues.includes(value);
  // CloudFormation matches AllowedPattern against the whole value (Java regex; the patterns use only syntax
  // Java and JavaScript's "u" mode read alike).
  if (p?.AllowedPattern !== undefined) return new RegExp(`^(?:${p.AllowedPattern})$`, 'u').test(value);
  return true;
}

function ruleAccepts(name: string, value: string): boolean {
  try {
    parseRuleParameters({ [name]: value });
    return true;
  } catch {
    return false;
  }
}

describe('conformance-pack/kms-policy-guard-pack.yaml', () => {
  it('holds only ConfigRule and RemediationConfiguration resources and fits the 51,200-byte limit', () => {
    expect(new Set(Object.values(resources).map((r) => r.Type))).toEqual(
      new Set(['AWS::Config::ConfigRule', 'AWS::Config::RemediationConfiguration']),
    );
    expect(Buffer.byteLength(readFileSync(CONFORMANCE_PACK_TEMPLATE_PATH, 'utf8'))).toBeLessThan(CONFORMANCE_PACK_MAX_BYTES);
  });

  it('declares the function ARN and every rule parameter', () => {
    expect(pack.parameterNames).toContain('KmsPolicyGuardFunctionArn');
    for (const name of PARAMETER_NAMES) expect(pack.parameterNames).toContain(name);
  });

  it.each(ruleParameterSpecs)('declares %s as the rule parameter spec derives it (description, empty default, AllowedValues/AllowedPattern)', (name, spec) => {
    expect(parameters[name]).toEqual(packParameterDefinition(spec));
  });

  it.each(ruleParameterSpecs)('allows for %s what the rule accepts and refuses what it refuses', (name) => {
    const samples = SAMPLES[name];
    expect(samples).toBeDefined();
    for (const value of ['', ...(samples?.accepted ?? [])]) {
      expect({ value, rule: ruleAccepts(name, value), pack: packAllows(name, value) }).toEqual({ value, rule: true, pack: true });
    }
    for (const value of samples?.refused ?? []) {
      expect({ value, rule: ruleAccepts(name, value), pack: packAllows(name, value) }).toEqual({ value, rule: false, pack: false });
    }
  });

  it.each(ruleParameterSpecs)('allows for %s nothing the rule refuses (generated values built from the pattern)', (name, spec) => {
    // Values made of the pattern's own pieces (and of things it must refuse), so matches are frequent.
    const samples = SAMPLES[name] ?? { accepted: [], refused: [] };
    const pieces = ['1', '0', '9', '12', 'a', 'Z', 'o-', 'NONE', 'ou-', ',', ' ', '.', '/', ':', '-', '_', '@', '|', 'é', '5'.repeat(12), ...samples.accepted, ...samples.refused];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 6 }), (parts) => {
        const value = parts.join('');
        if (!packAllows(name, value)) return;
        // The pattern states no path length; the rule refuses a path over 512 characters (docs: config-rule.md).
        if (spec.name === 'ExecutionRoleName' && value.length > 512) return;
        expect({ value, rule: ruleAccepts(name, value) }).toEqual({ value, rule: true });
      }),
      { numRuns: 300 },
    );
  });

  it('offers the schedules the CDK app accepts, with the same default as the rule construct', () => {
    const frequency = parameters.KmsPolicyGuardMaximumExecutionFrequency;
    expect(frequency?.AllowedValues).toEqual(Object.values(EXECUTION_FREQUENCIES));
    expect(frequency?.Default).toBe(DEFAULT_MAXIMUM_EXECUTION_FREQUENCY);
  });

  it('defines the custom rule on AWS::KMS::Key, change-triggered (incl. oversized items) and periodic', () => {
    const rule = resources.KmsPolicyGuardKeyPolicy;
    expect(rule?.Properties.ConfigRuleName).toBe(DEFAULT_RULE_NAME);
    expect(rule?.Properties.Scope?.ComplianceResourceTypes).toEqual(['AWS::KMS::Key']);
    expect(rule?.Properties.Source?.Owner).toBe('CUSTOM_LAMBDA');
    expect(rule?.Properties.Source?.SourceIdentifier).toEqual({ Ref: 'KmsPolicyGuardFunctionArn' });
    expect(rule?.Properties.Source?.SourceDetails?.map((d) => d.MessageType).sort()).toEqual(
      ['ConfigurationItemChangeNotification', 'OversizedConfigurationItemChangeNotification', 'ScheduledNotification'].sort(),
    );
    const input = rule?.Properties.InputParameters as Record<string, unknown>;
    expect(Object.keys(input).sort()).toEqual([...PARAMETER_NAMES].sort());
  });

  it('holds exactly the AWS managed rules of the table the README is generated from (infra/managed-rules.ts)', () => {
    const managed = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::Config::ConfigRule' && r.Properties.Source?.Owner === 'AWS')
      .map(([logicalId, r]) => ({ logicalId, configRuleName: r.Properties.ConfigRuleName, identifier: r.Properties.Source?.SourceIdentifier }));
    expect(managed).toEqual(MANAGED_RULES.map(({ logicalId, configRuleName, identifier }) => ({ logicalId, configRuleName, identifier })));
  });

  it('leaves out S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED: S3 encrypts every bucket by default, so it never fails', () => {
    const identifiers = Object.values(resources).map((r) => r.Properties.Source?.SourceIdentifier);
    expect(identifiers).not.toContain('S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED');
  });

  it('deploys KMS_KEY_POLICY_NO_PUBLIC_ACCESS on AWS::KMS::Key by default, and leaves it out with KmsKeyPolicyNoPublicAccessRule=false', () => {
    const rule = resources.KmsKeyPolicyNoPublicAccess;
    expect(rule?.Properties.Source).toEqual({ Owner: 'AWS', SourceIdentifier: 'KMS_KEY_POLICY_NO_PUBLIC_ACCESS' });
    expect(rule?.Properties.Scope?.ComplianceResourceTypes).toEqual(['AWS::KMS::Key']);
    expect(parameters[KMS_KEY_POLICY_NO_PUBLIC_ACCESS_PARAMETER]).toMatchObject({ Default: 'true', AllowedValues: ['true', 'false'] });
    const condition = rule?.Condition ?? '';
    expect(conditions[condition]).toEqual({ 'Fn::Equals': [{ Ref: KMS_KEY_POLICY_NO_PUBLIC_ACCESS_PARAMETER }, 'true'] });
    // Only this rule hangs on the parameter: every other rule is deployed in every Region.
    const switched = Object.entries(resources).filter(([, r]) => r.Condition === condition).map(([id]) => id);
    expect(switched).toEqual(['KmsKeyPolicyNoPublicAccess']);
    expect(MANAGED_RULES.filter((r) => r.switchParameter !== undefined).map((r) => r.logicalId)).toEqual(switched);
  });

  it('attaches a remediation that is manual and a dry run unless the parameters say otherwise', () => {
    const remediation = resources.KmsPolicyGuardKeyPolicyRemediation;
    expect(remediation?.Type).toBe('AWS::Config::RemediationConfiguration');
    expect(remediation?.Condition).toBe('HasRemediation');
    expect(remediation?.Properties.ConfigRuleName).toEqual({ Ref: 'KmsPolicyGuardKeyPolicy' });
    expect(remediation?.Properties.Automatic).toEqual({ Ref: 'RemediationAutomatic' });
    expect(remediation?.Properties.MaximumAutomaticAttempts).toEqual({ Ref: 'RemediationMaximumAutomaticAttempts' });
    expect(remediation?.Properties.RetryAttemptSeconds).toEqual({ Ref: 'RemediationRetryAttemptSeconds' });
    // The same defaults as the CDK stacks and the remediation itself (DryRun).
    expect(parameters.RemediationAutomatic?.Default).toBe(String(REMEDIATION_DEFAULTS.automatic));
    expect(parameters.RemediationDryRun?.Default).toBe(String(REMEDIATION_DEFAULTS.dryRun));
    expect(parameters.RemediationMaximumAutomaticAttempts?.Default).toBe(String(REMEDIATION_DEFAULTS.maximumAutomaticAttempts));
    expect(parameters.RemediationRetryAttemptSeconds?.Default).toBe(String(REMEDIATION_DEFAULTS.retryAttemptSeconds));
    const params = remediation?.Properties.Parameters as Record<string, unknown>;
    // The key, DryRun and the automation role (automatic remediation needs AutomationAssumeRole); the
    // principals are fixed in the function, and the document accepts only the role it was deployed with.
    expect(Object.keys(params).sort()).toEqual(['AutomationAssumeRole', 'DryRun', 'KeyId']);
    expect(pack.parameterNames.filter((n) => /Principal/.test(n))).toEqual([]);
    expect(params.KeyId).toEqual({ ResourceValue: { Value: 'RESOURCE_ID' } });
    expect(params.AutomationAssumeRole).toEqual({ StaticValue: { Values: [{ Ref: 'RemediationAutomationRoleArn' }] } });
  });

  it('takes the automation role as a parameter, with no default a caller could rely on', () => {
    expect(pack.parameterNames).toContain('RemediationAutomationRoleArn');
    expect(parameters.RemediationAutomationRoleArn?.Default).toBe('');
  });
});
