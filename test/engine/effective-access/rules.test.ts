import { compileAccount, effectiveAccess } from '../../../engine/index';
import type { EffectiveAccess, OrganizationPolicies } from '../../../engine/effective-access/types';
import type { KeyGrant } from '../../../engine/key-grants';
import {
  ACCOUNT,
  DEFAULT_KEY_POLICY,
  KEY_ARN,
  NO_ORG,
  OTHER,
  ROOT,
  allow,
  deny,
  doc,
  encoded,
  group,
  key,
  managed,
  memberOrg,
  policyArn,
  role,
  roleArn,
  user,
  userArn,
  type Doc,
} from './build';

type Details = Record<string, unknown[]>;

/** Judges the details against a key; `org` and `grants` may be passed as undefined (not read). */
function judge(details: Details, keyPolicy: unknown = DEFAULT_KEY_POLICY, ...rest: [org?: OrganizationPolicies | undefined, grants?: KeyGrant[] | undefined]): EffectiveAccess {
  const account = compileAccount(details, { accountId: ACCOUNT, partition: 'aws' });
  const org = rest.length >= 1 ? rest[0] : NO_ORG;
  const grants = rest.length >= 2 ? rest[1] : [];
  return effectiveAccess(account, key(keyPolicy, grants ?? 'unknown'), org);
}

/** [arn, use, administer] of every principal but the root user. */
function levels(result: EffectiveAccess): [string, string, string][] {
  return result.principals.filter((p) => p.type !== 'root').map((p) => [p.arn, p.use, p.administer]);
}

const roleWith = (name: string, d: Doc, extra: Parameters<typeof role>[1] = {}): Details => ({ RoleDetailList: [role(name, { inline: { p: d }, ...extra })] });

describe('identity policies', () => {
  it('reads URL-encoded documents (the API) and objects (the AWS CLI) alike', () => {
    const d = doc(allow('kms:Decrypt', KEY_ARN));
    expect(levels(judge(roleWith('r', d)))).toEqual([[roleArn('r'), 'unconditional', 'none']]);
    expect(levels(judge({ RoleDetailList: [role('r', { inline: { p: encoded(d) } })] }))).toEqual([[roleArn('r'), 'unconditional', 'none']]);
  });

  it.each([
    ['kms:* on the key', allow('kms:*', KEY_ARN), 'unconditional', 'unconditional'],
    ['* on *', allow('*'), 'unconditional', 'unconditional'],
    ['a wildcard over the account keys', allow('kms:Decrypt', `arn:aws:kms:*:${ACCOUNT}:key/*`), 'unconditional', 'none'],
    ['another Region', allow('kms:Decrypt', `arn:aws:kms:us-east-1:${ACCOUNT}:key/*`), 'none', 'none'],
    ['an alias ARN (grants nothing on the key)', allow('kms:Decrypt', `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/app`), 'none', 'none'],
    ['another service only', allow('s3:*'), 'none', 'none'],
    ['kms:Get* and kms:Describe* (read only)', allow(['kms:Get*', 'kms:Describe*']), 'none', 'none'],
    ['kms:Create* (administration through CreateGrant and CreateAlias)', allow('kms:Create*'), 'none', 'unconditional'],
    ['NotAction s3:* (every KMS action)', { Effect: 'Allow', NotAction: 's3:*', Resource: '*' }, 'unconditional', 'unconditional'],
    ['NotAction kms:*', { Effect: 'Allow', NotAction: 'kms:*', Resource: '*' }, 'none', 'none'],
    ['NotResource naming the key', { Effect: 'Allow', Action: 'kms:*', NotResource: KEY_ARN }, 'none', 'none'],
    ['NotResource naming another key', { Effect: 'Allow', Action: 'kms:Decrypt', NotResource: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/other` }, 'unconditional', 'none'],
  ])('%s', (_name, statement, use, administer) => {
    const result = judge(roleWith('r', doc(statement)));
    const expected = use === 'none' && administer === 'none' ? [] : [[roleArn('r'), use, administer]];
    expect(levels(result)).toEqual(expected);
    expect(result.complete).toBe(true);
  });

  it.each([
    ['kms:ViaService', { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } }, 'conditional'],
    ['aws:SourceIp', { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, 'conditional'],
    ['kms:RequestAlias', { StringEquals: { 'kms:RequestAlias': 'alias/app' } }, 'conditional'],
    ['kms:ResourceAliases', { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/app' } }, 'conditional'],
    ['aws:PrincipalArn naming the role itself', { ArnEquals: { 'aws:PrincipalArn': roleArn('r') } }, 'unconditional'],
    ['aws:PrincipalAccount of its own account', { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } }, 'unconditional'],
    ['aws:PrincipalArn naming another role', { ArnEquals: { 'aws:PrincipalArn': roleArn('other') } }, 'none'],
    ['aws:SourceAccount (only services send it)', { StringEquals: { 'aws:SourceAccount': ACCOUNT } }, 'none'],
  ])('a condition on %s', (_name, condition, use) => {
    const result = judge(roleWith('r', doc(allow('kms:Decrypt', '*', { Condition: condition }))));
    expect(levels(result)).toEqual(use === 'none' ? [] : [[roleArn('r'), use, 'none']]);
  });

  it('an explicit Deny wins over an Allow; a Deny under a condition leaves the access conditional', () => {
    const details: Details = {
      RoleDetailList: [
        role('denied', { inline: { p: doc(allow('kms:*'), deny('kms:*', KEY_ARN)) } }),
        role('partly', { inline: { p: doc(allow('kms:*'), deny(['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Sign', 'kms:Verify', 'kms:GenerateMac', 'kms:VerifyMac', 'kms:DeriveSharedSecret'])) } }),
        role('ip', { inline: { p: doc(allow('kms:*'), deny('kms:*', '*', { Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } })) } }),
        role('other-key', { inline: { p: doc(allow('kms:*'), deny('kms:*', `arn:aws:kms:eu-west-1:${ACCOUNT}:key/other`)) } }),
      ],
    };
    expect(levels(judge(details))).toEqual([
      [roleArn('ip'), 'conditional', 'conditional'],
      [roleArn('other-key'), 'unconditional', 'unconditional'],
      // kms:* still covers actions KMS adds later, which may be cryptographic: fail closed.
      [roleArn('partly'), 'unconditional', 'unconditional'],
    ]);
    const denied = judge({ RoleDetailList: [role('d', { inline: { p: doc(allow('kms:Decrypt'), deny('kms:Decrypt')) } })] });
    expect(levels(denied)).toEqual([]);
  });

  it('users get their groups’ inline and managed policies; each is named in via', () => {
    const details: Details = {
      UserDetailList: [user('alice', { groups: ['crypto'] }), user('bob')],
      GroupDetailList: [group('crypto', { attached: [policyArn('kms-use')] })],
      Policies: [managed(policyArn('kms-use'), encoded(doc(allow(['kms:Decrypt', 'kms:Encrypt'], '*'))))],
    };
    const result = judge(details);
    expect(levels(result)).toEqual([[userArn('alice'), 'unconditional', 'none']]);
    expect(result.principals.find((p) => p.arn === userArn('alice'))?.via).toContainEqual({ source: 'identity-policy', effect: 'Allow', policy: policyArn('kms-use'), statementIndex: 0, decides: ['use'] });
  });

  it('reads the default version of a managed policy, not an older one', () => {
    const p = managed(policyArn('m'), doc(allow('s3:*')));
    (p.PolicyVersionList as Record<string, unknown>[])[0] = { Document: doc(allow('kms:*')), VersionId: 'v1', IsDefaultVersion: false };
    expect(levels(judge({ RoleDetailList: [role('r', { attached: [policyArn('m')] })], Policies: [p] }))).toEqual([]);
  });
});

describe('the key policy', () => {
  const details: Details = { RoleDetailList: [role('named'), role('withKms', { inline: { p: doc(allow('kms:*')) } })] };

  it('a key policy that does not trust the account gives nothing through IAM', () => {
    const keyPolicy = doc({ Effect: 'Allow', Principal: { AWS: roleArn('named') }, Action: 'kms:Decrypt', Resource: '*' });
    // The role named by ARN needs no identity policy; the role with kms:* gets nothing without the account's delegation.
    expect(levels(judge(details, keyPolicy))).toEqual([[roleArn('named'), 'unconditional', 'none']]);
  });

  it('an aws:PrincipalArn condition on the account narrows who IAM may give access to', () => {
    const keyPolicy = doc({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*', Condition: { ArnLike: { 'aws:PrincipalArn': roleArn('with*') } } });
    const both = { RoleDetailList: [...details.RoleDetailList!, role('withoutKms')] };
    // withoutKms matches the pattern but has no identity policy: the account's Allow delegates to IAM.
    expect(levels(judge(both, keyPolicy))).toEqual([[roleArn('withKms'), 'unconditional', 'unconditional']]);
  });

  it('a key policy Deny naming a role removes its access; one sparing a role carves the others out', () => {
    const denyNamed = doc(DEFAULT_KEY_POLICY.Statement[0]!, { Effect: 'Deny', Principal: { AWS: roleArn('withKms') }, Action: 'kms:*', Resource: '*' });
    expect(levels(judge(details, denyNamed))).toEqual([]);
    const carve = doc(DEFAULT_KEY_POLICY.Statement[0]!, { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { ArnNotEquals: { 'aws:PrincipalArn': roleArn('named') } } });
    // withKms keeps the other cryptographic actions (Encrypt…), so its use stays; Decrypt alone is gone.
    const result = judge({ RoleDetailList: [role('named', { inline: { p: doc(allow('kms:Decrypt')) } }), role('withKms', { inline: { p: doc(allow('kms:Decrypt')) } })] }, carve);
    expect(levels(result)).toEqual([[roleArn('named'), 'unconditional', 'none']]);
  });

  it('"*" narrowed to the account grants directly, without any identity policy', () => {
    const keyPolicy = doc({ Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } } });
    expect(levels(judge(details, keyPolicy))).toEqual([
      [roleArn('named'), 'unconditional', 'none'],
      [roleArn('withKms'), 'unconditional', 'none'],
    ]);
  });

  it('an Allow naming one session of a role leaves that role conditional', () => {
    const keyPolicy = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/named/ci-run` }, Action: 'kms:Decrypt', Resource: '*' });
    expect(levels(judge(details, keyPolicy))).toEqual([[roleArn('named'), 'conditional', 'none']]);
  });

  it('the root user has access only where the key policy gives it', () => {
    const keyPolicy = doc({ Effect: 'Allow', Principal: { AWS: roleArn('named') }, Action: 'kms:*', Resource: '*' });
    expect(judge(details, keyPolicy).principals.map((p) => p.type)).toEqual(['role']);
    expect(judge(details).principals.find((p) => p.type === 'root')).toMatchObject({ arn: ROOT, use: 'unconditional', administer: 'unconditional' });
  });
});

describe('permissions boundaries', () => {
  const boundaryS3 = managed(policyArn('boundary-s3'), doc(allow('s3:*')));
  const boundaryDecrypt = managed(policyArn('boundary-decrypt'), doc(allow('kms:Decrypt')));

  it('limit what identity policies give', () => {
    const details: Details = {
      RoleDetailList: [role('s3only', { inline: { p: doc(allow('kms:*')) }, boundary: policyArn('boundary-s3') }), role('decrypt', { inline: { p: doc(allow('kms:*')) }, boundary: policyArn('boundary-decrypt') })],
      Policies: [boundaryS3, boundaryDecrypt],
    };
    const result = judge(details);
    expect(levels(result)).toEqual([[roleArn('decrypt'), 'unconditional', 'none']]);
    expect(result.principals[0]?.via).toContainEqual({ source: 'permissions-boundary', effect: 'Allow', policy: policyArn('boundary-decrypt'), statementIndex: 0, decides: ['use'] });
  });

  it('limit a key policy Allow naming the role, not one naming a user', () => {
    const keyPolicy = doc({ Effect: 'Allow', Principal: { AWS: [roleArn('r'), userArn('u')] }, Action: 'kms:Decrypt', Resource: '*' });
    const details: Details = { RoleDetailList: [role('r', { boundary: policyArn('boundary-s3') })], UserDetailList: [user('u', { boundary: policyArn('boundary-s3') })], Policies: [boundaryS3] };
    expect(levels(judge(details, keyPolicy))).toEqual([[userArn('u'), 'unconditional', 'none']]);
  });

  it('a boundary missing from the details is a problem, and the answer is incomplete', () => {
    const account = compileAccount({ RoleDetailList: [role('r', { inline: { p: doc(allow('kms:*')) }, boundary: policyArn('gone') })] }, { accountId: ACCOUNT });
    expect(account.problems).toEqual([expect.stringContaining(`RoleDetailList[0]: the permissions boundary ${policyArn('gone')} is not in the details' Policies list`)]);
    const result = effectiveAccess(account, key(DEFAULT_KEY_POLICY), NO_ORG);
    expect(result.complete).toBe(false);
    expect(levels(result)).toEqual([[roleArn('r'), 'unconditional', 'unconditional']]);
  });
});

describe('grants', () => {
  const details: Details = { RoleDetailList: [role('app'), role('ops')] };
  const noTrust = doc({ Effect: 'Allow', Principal: { AWS: roleArn('nobody') }, Action: 'kms:DescribeKey', Resource: '*' });

  it('give their grantee their operations, conditionally under constraints', () => {
    const grants: KeyGrant[] = [
      { grantId: 'g-app', granteePrincipal: roleArn('app'), operations: ['Decrypt', 'GenerateDataKey'] },
      { grantId: 'g-ops', granteePrincipal: roleArn('ops'), operations: ['Encrypt', 'CreateGrant'], constraints: { encryptionContextSubset: { app: 'x' } } },
      { grantId: 'g-svc', granteePrincipal: 'ec2.amazonaws.com', operations: ['Decrypt'] },
    ];
    const result = judge(details, noTrust, NO_ORG, grants);
    expect(levels(result)).toEqual([
      [roleArn('app'), 'unconditional', 'none'],
      [roleArn('ops'), 'conditional', 'conditional'],
    ]);
    expect(result.principals[0]?.via).toEqual([{ source: 'grant', effect: 'Allow', grantId: 'g-app', decides: ['use'] }]);
  });

  it('a grant whose operations are unknown or unreadable gives its grantee use and administration, never nothing', () => {
    const grants: KeyGrant[] = [
      { grantId: 'g-new', granteePrincipal: roleArn('app'), operations: ['DecryptWithSomethingNew'] },
      { grantId: 'g-unread', granteePrincipal: roleArn('ops'), operations: [], operationsUnreadable: true },
    ];
    expect(levels(judge(details, noTrust, NO_ORG, grants))).toEqual([
      [roleArn('app'), 'unconditional', 'unconditional'],
      [roleArn('ops'), 'unconditional', 'unconditional'],
    ]);
  });

  it('unknown grants make the answer incomplete, never "no grants"', () => {
    const result = judge(details, noTrust, NO_ORG, undefined);
    expect(result.complete).toBe(false);
    expect(result.incompleteReasons).toEqual([expect.stringContaining("the key's grants are unknown (ListGrants was denied)")]);
  });
});

describe('organisation policies', () => {
  const details: Details = {
    RoleDetailList: [role('app', { inline: { p: doc(allow('kms:*')) } }), role('AWSServiceRoleForX', { path: '/aws-service-role/x.amazonaws.com/', inline: { p: doc(allow('kms:*')) } })],
  };
  const denyKms = { id: 'p-denykms', document: doc(deny('kms:*')) };

  it('an SCP Deny takes access from member-account principals and the root user, not from service-linked roles', () => {
    const result = judge(details, DEFAULT_KEY_POLICY, memberOrg([denyKms]));
    expect(result.complete).toBe(true);
    expect(result.principals.map((p) => p.arn)).toEqual([roleArn('AWSServiceRoleForX', '/aws-service-role/x.amazonaws.com/')]);
  });

  it('SCPs do not apply to the management account', () => {
    const result = judge(details, DEFAULT_KEY_POLICY, memberOrg([denyKms], { isManagementAccount: true }));
    expect(result.principals.map((p) => p.arn)).toEqual([roleArn('app'), roleArn('AWSServiceRoleForX', '/aws-service-role/x.amazonaws.com/'), ROOT]);
  });

  it('a level without an SCP that allows KMS denies it; an SCP under conditions leaves access conditional', () => {
    const s3Only = memberOrg([]);
    s3Only.scps[1] = { target: ACCOUNT, policies: [{ id: 'p-s3', document: JSON.stringify(doc(allow('s3:*'))) }] };
    expect(levels(judge(details, DEFAULT_KEY_POLICY, s3Only))).toEqual([[roleArn('AWSServiceRoleForX', '/aws-service-role/x.amazonaws.com/'), 'unconditional', 'unconditional']]);
    const conditional = memberOrg([{ id: 'p-region', document: doc(deny('kms:*', '*', { Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } } })) }]);
    const result = judge(details, DEFAULT_KEY_POLICY, conditional);
    expect(result.principals.find((p) => p.arn === roleArn('app'))).toMatchObject({ use: 'conditional', administer: 'conditional' });
    expect(result.principals.find((p) => p.arn === roleArn('app'))?.via).toContainEqual({ source: 'scp', effect: 'Deny', policy: 'p-region', statementIndex: 0, decides: ['use', 'administer'] });
  });

  it('an RCP Deny for principals outside the organisation spares the account’s own principals when the organisation is known', () => {
    const rcp = { id: 'p-rcp', document: JSON.stringify(doc({ Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abc123' } } })) };
    const org: OrganizationPolicies = { ...memberOrg([]), rcps: [{ target: 'r-root', policies: [FULL_RCP, rcp] }], organizationId: 'o-abc123' };
    expect(judge(details, DEFAULT_KEY_POLICY, org).principals.find((p) => p.arn === roleArn('app'))).toMatchObject({ use: 'unconditional' });
    const unknownOrg: OrganizationPolicies = { ...org, organizationId: undefined };
    expect(judge(details, DEFAULT_KEY_POLICY, unknownOrg).principals.find((p) => p.arn === roleArn('app'))).toMatchObject({ use: 'conditional' });
  });

  it('an RCP Deny on the key takes access from the account’s principals', () => {
    const rcp = { id: 'p-rcp', document: JSON.stringify(doc({ Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*' })) };
    const org: OrganizationPolicies = { ...memberOrg([]), rcps: [{ target: 'r-root', policies: [FULL_RCP, rcp] }] };
    const app = judge({ RoleDetailList: [role('app', { inline: { p: doc(allow('kms:Decrypt')) } })] }, DEFAULT_KEY_POLICY, org);
    expect(levels(app)).toEqual([]);
  });

  it.each([
    ['not read', undefined, 'the organisation policies (SCPs, RCPs) were not read'],
    ['not readable', { readable: false, reason: 'not the management account', inOrganization: true, isManagementAccount: false, scps: [], rcps: [] }, 'could not be read (not the management account)'],
  ])('organisation policies %s make the answer incomplete', (_name, org, reason) => {
    const result = judge(details, DEFAULT_KEY_POLICY, org as OrganizationPolicies | undefined);
    expect(result.complete).toBe(false);
    expect(result.incompleteReasons).toEqual([expect.stringContaining(reason)]);
    // Nothing is assumed denied: the principals are still reported.
    expect(result.principals).toHaveLength(3);
  });
});

const FULL_RCP = { id: 'p-RCPFullAWSAccess', document: JSON.stringify(doc({ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' })) };

describe('roles that others can assume', () => {
  it('lists the other accounts, identity providers, IAM Identity Center and * its trust policy names', () => {
    const trust = doc(
      { Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${OTHER}:root`, roleArn('same-account')] }, Action: 'sts:AssumeRole' },
      { Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` }, Action: 'sts:AssumeRoleWithWebIdentity' },
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    );
    const sso = doc({ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE` }, Action: ['sts:AssumeRoleWithSAML', 'sts:TagSession'] });
    const details: Details = {
      RoleDetailList: [
        role('ci', { inline: { p: doc(allow('kms:Decrypt')) }, trust: encoded(trust) }),
        role('AWSReservedSSO_Admin_0123', { inline: { p: doc(allow('kms:Decrypt')) }, trust: sso, path: '/aws-reserved/sso.amazonaws.com/' }),
        role('open', { inline: { p: doc(allow('kms:Decrypt')) }, trust: doc({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }) }),
        role('local', { inline: { p: doc(allow('kms:Decrypt')) } }),
      ],
    };
    const byName = Object.fromEntries(judge(details).principals.map((p) => [p.arn.split('/').pop(), p.assumableBy]));
    expect(byName).toEqual({
      AWSReservedSSO_Admin_0123: ['IAM Identity Center', `IAM Identity Center (arn:aws:iam::${ACCOUNT}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE)`],
      ci: [`arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`, `arn:aws:iam::${OTHER}:root`],
      open: ['*'],
      local: undefined,
      root: undefined,
    });
  });
});

describe('bad input', () => {
  it.each([
    ['not an object', [], 'must be a JSON object'],
    ['no list at all', { Roles: [] }, 'have none of UserDetailList'],
    ['a list that is not a list', { RoleDetailList: {} }, 'RoleDetailList must be an array'],
  ])('details that are %s throw a precise error', (_name, details, message) => {
    expect(() => compileAccount(details, { accountId: ACCOUNT })).toThrow(message);
  });

  it('a malformed document is a problem naming where it is, and the rest is still judged', () => {
    const details: Details = {
      RoleDetailList: [role('broken', { inline: { bad: '%7B%22Statement' } }), role('fine', { inline: { p: doc(allow('kms:Decrypt')) } }), role('bad-action', { inline: { p: doc(allow('kms')) } })],
    };
    const account = compileAccount(details, { accountId: ACCOUNT });
    expect(account.problems).toEqual([
      expect.stringMatching(/^RoleDetailList\[0\]\.RolePolicyList\[0\] \(inline policy bad of role broken\)\.PolicyDocument: the policy document is not valid JSON/),
      expect.stringMatching(/^RoleDetailList\[2\]\.RolePolicyList\[0\] .*: Statement\[0\]\.Action: "kms" is not an action/),
    ]);
    const result = effectiveAccess(account, key(DEFAULT_KEY_POLICY), NO_ORG);
    expect(result.complete).toBe(false);
    expect(levels(result)).toEqual([[roleArn('fine'), 'unconditional', 'none']]);
  });

  it('an attached policy missing from the details is a problem', () => {
    const account = compileAccount({ RoleDetailList: [role('r', { attached: ['arn:aws:iam::aws:policy/AdministratorAccess'] })] }, { accountId: ACCOUNT });
    expect(account.problems).toEqual([expect.stringContaining('the managed policy arn:aws:iam::aws:policy/AdministratorAccess is attached but not in the details')]);
  });

  it('a key of another account is not judged against these details', () => {
    const account = compileAccount({ RoleDetailList: [role('r', { inline: { p: doc(allow('kms:*')) } })] }, { accountId: ACCOUNT });
    const result = effectiveAccess(account, key(DEFAULT_KEY_POLICY, [], `arn:aws:kms:eu-west-1:${OTHER}:key/x`), NO_ORG);
    expect(result).toMatchObject({ complete: false, principals: [] });
    expect(result.incompleteReasons[0]).toContain(`the key is in account ${OTHER}`);
  });

  it('an account not made by compileAccount is refused', () => {
    expect(() => effectiveAccess({ accountId: ACCOUNT, partition: 'aws', principalCount: 0, problems: [] }, key(DEFAULT_KEY_POLICY), NO_ORG)).toThrow('compiled by compileAccount');
  });
});
