/**
 * The key policy docs/default-key-policy.md recommends, as the CDK synthesizes it, judged by the engine: clean,
 * where the CDK's default key is ACCOUNT_WIDE_FULL_ACCESS. Also what key.grantDecrypt does to each, which the
 * page explains.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { analyzePolicy, severityRank } from '../../engine';
import { RecommendedKeyStack } from '../../examples/cdk/recommended-key';

const ACCOUNT = '111122223333';
const ENV = { account: ACCOUNT, region: 'eu-west-1' };
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/KeyAdmin`;
const DEPLOY = `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-eu-west-1`;
const USER = `arn:aws:iam::${ACCOUNT}:role/OrdersService`;
// With the Region known, the account root's ARN is written as a literal (`arn:aws:…`) rather than joined with
// AWS::Partition, as in projects made by `cdk init`; the engine judges a literal policy.
const app = () => new App({ context: { '@aws-cdk/core:enablePartitionLiterals': true } });

function recommended(): RecommendedKeyStack {
  return new RecommendedKeyStack(app(), 'Recommended', { env: ENV, keyAdminRoleArns: [ADMIN, DEPLOY], keyUserRoleArns: [USER] });
}

/** The KeyPolicy of the stack's only AWS::KMS::Key, as CloudFormation receives it. */
function keyPolicyOf(stack: Stack): unknown {
  const keys = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
  expect(keys).toHaveLength(1);
  return (keys[0]?.Properties as { KeyPolicy: unknown }).KeyPolicy;
}

const findingsOf = (stack: Stack) => analyzePolicy(keyPolicyOf(stack), { accountId: ACCOUNT }).findings;

describe('examples/cdk/recommended-key.ts', () => {
  it('synthesizes a key policy with no finding at or above low', () => {
    const findings = findingsOf(recommended());
    expect(findings.filter((f) => severityRank(f.severity) >= severityRank('low')).map((f) => `${f.checkId}: ${f.message}`)).toEqual([]);
  });

  it('names the administrators and users, and no account principal', () => {
    const policy = JSON.stringify(keyPolicyOf(recommended()));
    expect(policy).toContain(ADMIN);
    expect(policy).toContain(USER);
    expect(policy).not.toMatch(/:root"/);
  });

  it('keeps grants for AWS resources only', () => {
    Template.fromStack(recommended()).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: [
          { Sid: 'KeyAdministration' },
          { Sid: 'KeyUsage' },
          { Sid: 'GrantsForAwsResourcesOnly', Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'], Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
        ],
      },
    });
  });
});

describe('the default key of the CDK (new kms.Key())', () => {
  it('is ACCOUNT_WIDE_FULL_ACCESS: the account root with kms:*', () => {
    const stack = new Stack(app(), 'Default', { env: ENV });
    new kms.Key(stack, 'Key');
    expect(keyPolicyOf(stack)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
    });
    expect(findingsOf(stack).map((f) => f.checkId)).toContain('ACCOUNT_WIDE_FULL_ACCESS');
  });
});

describe('the admins prop of kms.Key', () => {
  it('grants the CDK\'s administrator actions, kms:Create* among them, which lets the administrators create any grant', () => {
    const stack = new Stack(app(), 'Admins', { env: ENV });
    new kms.Key(stack, 'Key', { policy: new iam.PolicyDocument(), admins: [new iam.ArnPrincipal(ADMIN)] });
    expect(findingsOf(stack).map((f) => f.checkId)).toEqual(['UNCONSTRAINED_GRANT_CREATION']);
  });
});

describe('key.grantDecrypt(role) for a role of the same account', () => {
  /** The statements of the role's IAM policies in the template. */
  function roleStatements(stack: Stack): unknown[] {
    return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p.Properties as { PolicyDocument: { Statement: unknown[] } }).PolicyDocument.Statement,
    );
  }

  it('writes the role\'s IAM policy and leaves the default key policy alone (the root statement lets IAM decide)', () => {
    const stack = new Stack(app(), 'DefaultGrant', { env: ENV });
    const key = new kms.Key(stack, 'Key');
    key.grantDecrypt(new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    expect((keyPolicyOf(stack) as { Statement: unknown[] }).Statement).toHaveLength(1);
    expect(roleStatements(stack)).toEqual([expect.objectContaining({ Action: 'kms:Decrypt', Effect: 'Allow' })]);
  });

  it('does the same on the recommended key, whose policy does not delegate to IAM: the role is not let in', () => {
    const granted = recommended();
    granted.key.grantDecrypt(new iam.Role(granted, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    expect(keyPolicyOf(granted)).toEqual(keyPolicyOf(recommended()));
    expect(roleStatements(granted)).toEqual([expect.objectContaining({ Action: 'kms:Decrypt', Effect: 'Allow' })]);
  });
});
