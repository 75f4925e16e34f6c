/**
 * IAM semantics, one behaviour a row: the exact set of check ids each small policy must produce.
 */
import { accessMatrix, analyzePolicy, type AnalysisOptions, type CheckId } from '../../engine';
import {
  ADMIN_ACTIONS,
  ADMIN_ROLE,
  APP_ROLE,
  FOREIGN,
  FOREIGN_ROOT,
  OWN,
  ROOT,
  USE_ACTIONS,
  allow,
  deny,
  policy,
} from '../support/policies';

const opts: AnalysisOptions = { accountId: OWN };
const checks = (p: unknown, o: AnalysisOptions = opts): CheckId[] => [...new Set(analyzePolicy(p, o).findings.map((f) => f.checkId))].sort();

const split = [allow({ AWS: ADMIN_ROLE }, ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:DescribeKey']), allow({ AWS: APP_ROLE }, ['kms:Decrypt', 'kms:Encrypt'])];

describe('principals', () => {
  it.each<[string, unknown, CheckId[]]>([
    ['account root ARN with kms:*', policy(allow({ AWS: ROOT }, 'kms:*')), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['bare account id with kms:*', policy(allow({ AWS: OWN }, 'kms:*')), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['root in another partition', policy(allow({ AWS: `arn:aws-us-gov:iam::${OWN}:root` }, '*')), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['root given usage only', policy(allow({ AWS: ROOT }, USE_ACTIONS)), ['ACCOUNT_WIDE_USAGE']],
    ['root given administration only', policy(allow({ AWS: ROOT }, ['kms:PutKeyPolicy', 'kms:DescribeKey'])), ['ACCOUNT_WIDE_ADMINISTRATION']],
    ['root given read-only', policy(allow({ AWS: ROOT }, ['kms:DescribeKey', 'kms:GetKeyPolicy'])), []],
    ['split named roles', policy(...split), []],
    ['one role with admin and use', policy(allow({ AWS: ADMIN_ROLE }, ['kms:PutKeyPolicy', 'kms:Decrypt'])), ['NO_SEPARATION_OF_DUTIES']],
    ['assumed-role session with admin and use', policy(allow({ AWS: `arn:aws:sts::${OWN}:assumed-role/Admin/s1` }, ['kms:DisableKey', 'kms:Sign'])), ['NO_SEPARATION_OF_DUTIES']],
    ['unique id with admin and use', policy(allow({ AWS: 'AROAEXAMPLEID1234567' }, ['kms:DisableKey', 'kms:Sign'])), ['NO_SEPARATION_OF_DUTIES']],
    ['"*"', policy(allow('*', 'kms:Decrypt')), ['PUBLIC_ACCESS']],
    ['{"AWS": "*"}', policy(allow({ AWS: '*' }, 'kms:DescribeKey')), ['PUBLIC_ACCESS']],
    ['foreign root', policy(allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt')), ['UNTRUSTED_CROSS_ACCOUNT']],
    ['foreign role', policy(allow({ AWS: `arn:aws:iam::${FOREIGN}:role/Reader` }, 'kms:Decrypt')), ['UNTRUSTED_CROSS_ACCOUNT']],
    ['foreign bare account id', policy(allow({ AWS: FOREIGN }, 'kms:Decrypt')), ['UNTRUSTED_CROSS_ACCOUNT']],
    ['service principal without scope', policy(allow({ Service: 'cloudtrail.amazonaws.com' }, 'kms:GenerateDataKey*')), ['UNSCOPED_SERVICE_PRINCIPAL']],
    ['service principal reading only', policy(allow({ Service: 'cloudtrail.amazonaws.com' }, 'kms:DescribeKey')), []],
    // Revoking or retiring grants breaks other principals' access (availability): no service should do it for any caller.
    ['service principal revoking grants without scope', policy(allow({ Service: 'logs.amazonaws.com' }, ['kms:RevokeGrant', 'kms:DescribeKey'])), ['UNSCOPED_SERVICE_PRINCIPAL']],
    ['service principal retiring grants without scope', policy(allow({ Service: 'logs.amazonaws.com' }, 'kms:RetireGrant')), ['UNSCOPED_SERVICE_PRINCIPAL']],
    ['service principal retiring grants scoped to its source account', policy(allow({ Service: 'logs.amazonaws.com' }, 'kms:RetireGrant', { Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } } })), []],
    [
      'service principal with aws:SourceArn',
      policy(allow({ Service: 'cloudtrail.amazonaws.com' }, 'kms:GenerateDataKey*', { Condition: { StringEquals: { 'aws:SourceArn': `arn:aws:cloudtrail:us-east-1:${OWN}:trail/t` } } })),
      [],
    ],
    [
      'service principal bound by encryption context',
      policy(allow({ Service: 'logs.us-east-1.amazonaws.com' }, ['kms:Encrypt*', 'kms:Decrypt*'], { Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:us-east-1:${OWN}:log-group:*` } } })),
      [],
    ],
    [
      'service principal bound to any account\'s log groups',
      policy(allow({ Service: 'logs.us-east-1.amazonaws.com' }, ['kms:Encrypt*', 'kms:Decrypt*'], { Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:*:*:log-group:*' } } })),
      ['UNSCOPED_SERVICE_PRINCIPAL'],
    ],
    [
      'service principal scoped to an S3 bucket by name',
      policy(allow({ Service: 's3.amazonaws.com' }, ['kms:GenerateDataKey'], { Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:s3:::my-bucket' } } })),
      [],
    ],
    [
      'service principal bound to a log-group name in any account',
      policy(allow({ Service: 'logs.us-east-1.amazonaws.com' }, ['kms:Decrypt'], { Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:logs:us-east-1:*:log-group:app' } } })),
      ['UNSCOPED_SERVICE_PRINCIPAL'],
    ],
    [
      'service principal bound to a truncated ARN',
      policy(allow({ Service: 'logs.us-east-1.amazonaws.com' }, ['kms:Decrypt'], { Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:*' } } })),
      ['UNSCOPED_SERVICE_PRINCIPAL'],
    ],
    [
      'service principal acting for a foreign account',
      policy(allow({ Service: 'logs.us-east-1.amazonaws.com' }, ['kms:Decrypt'], { Condition: { StringEquals: { 'aws:SourceAccount': FOREIGN } } })),
      ['UNTRUSTED_CROSS_ACCOUNT'],
    ],
    // An encryption context the service always sends, bound to the owner's account, scopes it like aws:SourceAccount.
    [
      'service principal bound by an encryption-context account id (SES source-account)',
      policy(allow({ Service: 'ses.amazonaws.com' }, ['kms:GenerateDataKey*', 'kms:Decrypt'], { Condition: { StringEquals: { 'kms:EncryptionContext:aws:ses:source-account': OWN } } })),
      [],
    ],
    [
      'encryption-context account id under IfExists: a request without the context passes',
      policy(allow({ Service: 'ses.amazonaws.com' }, ['kms:GenerateDataKey*'], { Condition: { StringEqualsIfExists: { 'kms:EncryptionContext:aws:ses:source-account': OWN } } })),
      ['UNSCOPED_SERVICE_PRINCIPAL'],
    ],
    [
      'encryption-context account id of a foreign account',
      policy(allow({ Service: 'ses.amazonaws.com' }, ['kms:GenerateDataKey*'], { Condition: { StringEquals: { 'kms:EncryptionContext:aws:ses:source-account': FOREIGN } } })),
      ['UNTRUSTED_CROSS_ACCOUNT'],
    ],
    [
      'encryption-context context-key part in another letter case',
      policy(allow({ Service: 'ses.amazonaws.com' }, ['kms:GenerateDataKey*'], { Condition: { StringEquals: { 'kms:encryptioncontext:AWS:SES:Source-Account': OWN } } })),
      [],
    ],
    [
      'a context pair the caller sets (no aws: prefix) with an account id does not scope a service',
      policy(allow('*', ['kms:Decrypt', 'kms:GenerateDataKey'], { Condition: { Bool: { 'aws:PrincipalIsAWSService': 'true' }, StringEquals: { 'kms:EncryptionContext:foo': OWN } } })),
      ['UNSCOPED_SERVICE_PRINCIPAL'],
    ],
    [
      'a context pair the caller sets, given the owner account variable, does not scope a service',
      policy(allow({ Service: 'ses.amazonaws.com' }, ['kms:GenerateDataKey*'], { Condition: { StringEquals: { 'kms:EncryptionContext:account': '${aws:ResourceAccount}' } } })),
      ['UNSCOPED_SERVICE_PRINCIPAL'],
    ],
    // A Null check that the pair is present closes the IfExists gap: the context cannot be left out.
    [
      'encryption-context account id under IfExists with a Null check scopes the service',
      policy(allow({ Service: 'ses.amazonaws.com' }, ['kms:GenerateDataKey*'], { Condition: { StringEqualsIfExists: { 'kms:EncryptionContext:aws:ses:source-account': OWN }, Null: { 'kms:EncryptionContext:aws:ses:source-account': 'false' } } })),
      [],
    ],
    [
      'a Null check on another pair does not close the IfExists gap',
      policy(allow({ Service: 'ses.amazonaws.com' }, ['kms:GenerateDataKey*'], { Condition: { StringEqualsIfExists: { 'kms:EncryptionContext:aws:ses:source-account': OWN }, Null: { 'kms:EncryptionContext:aws:ses:rule-name': 'false' } } })),
      ['UNSCOPED_SERVICE_PRINCIPAL'],
    ],
    [
      'aws:SourceArn under IfExists with a Null check scopes the service',
      policy(allow({ Service: 'logs.amazonaws.com' }, ['kms:Decrypt'], { Condition: { ArnLikeIfExists: { 'aws:SourceArn': `arn:aws:logs:us-east-1:${OWN}:log-group:*` }, Null: { 'aws:SourceArn': 'false' } } })),
      [],
    ],
    [
      'service principal bound by an encryption-context ARN whose account is the owner\'s account variable',
      policy(allow({ Service: 'logs.us-east-1.amazonaws.com' }, ['kms:Encrypt*', 'kms:Decrypt*'], { Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:us-east-1:${aws:ResourceAccount}:log-group:*' } } })),
      [],
    ],
    [
      'an encryption-context ARN with the account variable in its resource part binds nothing',
      policy(allow({ Service: 'logs.us-east-1.amazonaws.com' }, ['kms:Decrypt'], { Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:us-east-1:*:log-group:${aws:ResourceAccount}' } } })),
      ['UNSCOPED_SERVICE_PRINCIPAL'],
    ],
    [
      'aws:SourceAccount given as the key owner\'s account variable',
      policy(allow({ Service: 'sns.amazonaws.com' }, ['kms:Decrypt', 'kms:GenerateDataKey*'], { Condition: { StringEquals: { 'aws:SourceAccount': '${aws:ResourceAccount}' } } })),
      [],
    ],
    [
      'ForAllValues on an encryption-context pair does not scope a service (a request without the context passes)',
      policy(allow({ Service: 'ses.amazonaws.com' }, ['kms:GenerateDataKey*'], { Condition: { 'ForAllValues:StringEquals': { 'kms:EncryptionContext:aws:ses:source-account': OWN } } })),
      ['UNSCOPED_SERVICE_PRINCIPAL'],
    ],
    [
      'service principal with a wildcard aws:SourceAccount',
      policy(allow({ Service: 'sns.amazonaws.com' }, ['kms:Decrypt'], { Condition: { StringLike: { 'aws:SourceAccount': '*' } } })),
      ['UNSCOPED_SERVICE_PRINCIPAL'],
    ],
  ])('%s', (_n, p, expected) => {
    expect(checks(p)).toEqual(expected);
  });

  it('trusts listed accounts and organisations', () => {
    expect(checks(policy(allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt')), { accountId: OWN, trustedAccountIds: [FOREIGN] })).toEqual([]);
    const org = policy(allow('*', 'kms:Decrypt', { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' } } }));
    expect(checks(org)).toEqual(['UNTRUSTED_CROSS_ACCOUNT']);
    // Trusted for cross-account access, but every principal of the organisation includes every principal
    // of the key's own account: the account-wide checks still apply.
    expect(checks(org, { accountId: OWN, trustedOrgIds: ['o-abcdef1234'] })).toEqual(['ACCOUNT_WIDE_USAGE']);
    const orgRole = policy(allow({ AWS: `arn:aws:iam::${FOREIGN}:role/Reader` }, 'kms:Decrypt', { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' } } }));
    expect(checks(orgRole, { accountId: OWN, trustedAccountIds: [FOREIGN] })).toEqual([]);
  });

  it('lets a trusted account use the key, but not administer it', () => {
    const trusted = { accountId: OWN, trustedAccountIds: [FOREIGN] };
    expect(checks(policy(allow({ AWS: FOREIGN_ROOT }, ['kms:Decrypt', 'kms:DescribeKey'])), trusted)).toEqual([]);
    expect(checks(policy(allow({ AWS: FOREIGN_ROOT }, 'kms:*')), trusted)).toEqual(['ACCOUNT_WIDE_FULL_ACCESS']);
    expect(checks(policy(allow({ AWS: FOREIGN_ROOT }, 'kms:PutKeyPolicy')), trusted)).toEqual(['ACCOUNT_WIDE_ADMINISTRATION']);
  });

  it('without the account id, judges every account as the own account and says so', () => {
    const r = analyzePolicy(policy(allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt')));
    expect(r.findings.map((f) => f.checkId)).toEqual(['ACCOUNT_WIDE_USAGE']);
    expect(r.warnings.map((w) => w.code)).toContain('ACCOUNT_UNKNOWN');
    expect(r.ownAccountSource).toBe('unknown');
  });

  it('takes the account from the key ARN', () => {
    const r = analyzePolicy(policy(allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt')), { keyArn: `arn:aws:kms:us-east-1:${OWN}:key/1234abcd-12ab-34cd-56ef-1234567890ab` });
    expect(r.ownAccountSource).toBe('key-arn');
    expect(r.findings.map((f) => f.checkId)).toEqual(['UNTRUSTED_CROSS_ACCOUNT']);
  });
});

describe('actions', () => {
  it.each<[string, unknown, CheckId[]]>([
    ['lower-case action names', policy(allow({ AWS: ROOT }, ['kms:decrypt', 'kms:putkeypolicy'])), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['NotAction excluding administration', policy(allow({ AWS: ROOT }, undefined as never, { NotAction: ADMIN_ACTIONS })), ['ACCOUNT_WIDE_FULL_ACCESS', 'ALLOW_WITH_NEGATION']],
    ['unknown actions grant nothing', policy(allow({ AWS: ROOT }, 'kms:Describe')), []],
    ['seed article: admin role and account-wide use', policy(allow({ AWS: ADMIN_ROLE }, ADMIN_ACTIONS), allow({ AWS: ROOT }, USE_ACTIONS)), ['ACCOUNT_WIDE_USAGE', 'UNCONSTRAINED_GRANT_CREATION']],
  ])('%s', (_n, p, expected) => {
    const fixed = JSON.parse(JSON.stringify(p, (k, v: unknown) => (k === 'Action' && v === undefined ? undefined : v))) as unknown;
    expect(checks(fixed)).toEqual(expected);
  });
});

describe('conditions', () => {
  const useWith = (principal: unknown, condition: unknown) => policy(allow(principal as never, USE_ACTIONS, { Condition: condition as never }));
  it.each<[string, unknown, CheckId[]]>([
    ['aws:PrincipalArn narrows the account to one role', useWith({ AWS: ROOT }, { ArnEquals: { 'aws:PrincipalArn': APP_ROLE } }), []],
    ['condition keys are case-insensitive', useWith({ AWS: ROOT }, { ArnEquals: { 'AWS:principalarn': APP_ROLE } }), []],
    ['aws:PrincipalArn pattern with a name prefix narrows', useWith({ AWS: ROOT }, { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWN}:role/app-*` } }), []],
    ['aws:PrincipalArn "*" narrows nothing', useWith({ AWS: ROOT }, { ArnLike: { 'aws:PrincipalArn': '*' } }), ['ACCOUNT_WIDE_USAGE']],
    ['aws:PrincipalArn role/* narrows nothing', useWith({ AWS: ROOT }, { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWN}:role/*` } }), ['ACCOUNT_WIDE_USAGE']],
    ['negated aws:PrincipalArn narrows nothing', useWith({ AWS: ROOT }, { ArnNotEquals: { 'aws:PrincipalArn': APP_ROLE } }), ['ACCOUNT_WIDE_USAGE']],
    // aws:PrincipalArn, aws:PrincipalAccount and kms:CallerAccount are in every request of an IAM principal, each
    // with one value: there, …IfExists and ForAllValues narrow exactly as the plain operator does.
    ['…IfExists on aws:PrincipalArn narrows the account like the plain operator', useWith({ AWS: ROOT }, { ArnEqualsIfExists: { 'aws:PrincipalArn': APP_ROLE } }), []],
    ['ForAllValues on aws:PrincipalArn narrows the account like the plain operator', useWith({ AWS: ROOT }, { 'ForAllValues:StringEquals': { 'aws:PrincipalArn': APP_ROLE } }), []],
    ['ForAnyValue on aws:PrincipalArn narrows the account like the plain operator', useWith({ AWS: ROOT }, { 'ForAnyValue:StringEquals': { 'aws:PrincipalArn': APP_ROLE } }), []],
    // kms:CallerAccount is documented per operation, and unknown on SynchronizeMultiRegionKey and later actions: not relied on.
    ['…IfExists on kms:CallerAccount does not narrow (its presence is not known for every action)', useWith({ AWS: ROOT }, { StringEqualsIfExists: { 'kms:CallerAccount': FOREIGN } }), ['ACCOUNT_WIDE_USAGE']],
    ['…IfExists on kms:CallerAccount with kms:* keeps the account-wide finding', policy(allow({ AWS: ROOT }, 'kms:*', { Condition: { StringEqualsIfExists: { 'kms:CallerAccount': '999988887777' } } })), ['ACCOUNT_WIDE_FULL_ACCESS']],
    // Tags can be passed to ReplicateKey, though SAR lists aws:RequestTag only for TagResource and CreateKey.
    ['aws:RequestTag does not take ReplicateKey away from the account', policy(allow({ AWS: ROOT }, ['kms:ReplicateKey', 'kms:Decrypt'], { Condition: { StringEquals: { 'aws:RequestTag/env': 'prod' } } })), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['ForAnyValue aws:TagKeys does not take ReplicateKey away from the account', policy(allow({ AWS: ROOT }, ['kms:ReplicateKey', 'kms:Decrypt'], { Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'env' } } })), ['ACCOUNT_WIDE_FULL_ACCESS']],
    // Decrypt never carries it (gone); ReplicateKey, whose API takes the parameter, stays: administration.
    ['Bool kms:BypassPolicyLockoutSafetyCheck false does not take ReplicateKey away (its API takes the parameter)', policy(allow({ AWS: ROOT }, ['kms:ReplicateKey', 'kms:Decrypt'], { Condition: { Bool: { 'kms:BypassPolicyLockoutSafetyCheck': 'false' } } })), ['ACCOUNT_WIDE_ADMINISTRATION']],
    ['ForAllValues on aws:PrincipalAccount of the own account keeps it account-wide', useWith({ AWS: ROOT }, { 'ForAllValues:StringEquals': { 'aws:PrincipalAccount': OWN } }), ['ACCOUNT_WIDE_USAGE']],
    ['…IfExists on a role principal narrows it the same way', useWith({ AWS: [ROOT, APP_ROLE] }, { ArnEqualsIfExists: { 'aws:PrincipalArn': APP_ROLE } }), []],
    // Not where a written principal may send a request without the key: "*" includes service principals.
    ['"*" with …IfExists on aws:PrincipalArn narrows nothing', useWith('*', { ArnEqualsIfExists: { 'aws:PrincipalArn': APP_ROLE } }), ['PUBLIC_ACCESS']],
    ['"*" with ForAllValues on aws:PrincipalArn narrows nothing', useWith('*', { 'ForAllValues:ArnEquals': { 'aws:PrincipalArn': APP_ROLE } }), ['PUBLIC_ACCESS']],
    // Judged per written principal: the account is narrowed, the service principal (whose request may lack the key) is not.
    ['account and service principal with …IfExists: the account is narrowed, the service is not', useWith({ AWS: ROOT, Service: 'logs.amazonaws.com' }, { ArnEqualsIfExists: { 'aws:PrincipalArn': APP_ROLE } }), ['UNSCOPED_SERVICE_PRINCIPAL']],
    // ForAllValues over an absent or empty multi-valued key is true: a request with no encryption context passes.
    ['ForAllValues on kms:EncryptionContextKeys keeps the account-wide use (a request without context passes)', useWith({ AWS: ROOT }, { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['app'] } }), ['ACCOUNT_WIDE_USAGE']],
    // Other keys an IAM principal may not carry keep the old reading (fail closed).
    ['…IfExists on aws:PrincipalOrgID narrows nothing', useWith({ AWS: ROOT }, { StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } }), ['ACCOUNT_WIDE_USAGE']],
    ['ForAllValues on aws:PrincipalTag narrows nothing', useWith({ AWS: ROOT }, { 'ForAllValues:StringEquals': { 'aws:PrincipalTag/team': 'kms' } }), ['ACCOUNT_WIDE_USAGE']],
    ['kms:ViaService does not narrow who', useWith({ AWS: ROOT }, { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }), ['ACCOUNT_WIDE_USAGE']],
    ['encryption context does not narrow who', useWith({ AWS: ROOT }, { StringEquals: { 'kms:EncryptionContext:app': 'x' } }), ['ACCOUNT_WIDE_USAGE']],
    ['aws:SourceVpce does not narrow who', useWith('*', { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } }), ['PUBLIC_ACCESS']],
    ['aws:SourceIp does not narrow who', useWith('*', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }), ['PUBLIC_ACCESS']],
    ['"*" with kms:CallerAccount is the account', useWith('*', { StringEquals: { 'kms:CallerAccount': OWN, 'kms:ViaService': 'ebs.us-east-1.amazonaws.com' } }), ['ACCOUNT_WIDE_USAGE']],
    ['"*" with aws:PrincipalAccount of another account', useWith('*', { StringEquals: { 'aws:PrincipalAccount': FOREIGN } }), ['UNTRUSTED_CROSS_ACCOUNT']],
    ['"*" with aws:PrincipalArn of one role', useWith('*', { ArnEquals: { 'aws:PrincipalArn': APP_ROLE } }), []],
    ['"*" with aws:PrincipalOrgPaths', useWith('*', { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-abcdef1234/r-ab12/ou-ab12-11111111/*' } }), ['UNTRUSTED_CROSS_ACCOUNT']],
    // The policy does not say which account the role is in: judged as possibly foreign (fail closed).
    ['"*" with aws:userid of one role of an unnamed account', useWith('*', { StringLike: { 'aws:userid': 'AROAEXAMPLEID1234567:*' } }), ['UNTRUSTED_CROSS_ACCOUNT']],
    ['account with aws:userid of one role', useWith({ AWS: ROOT }, { StringLike: { 'aws:userid': 'AROAEXAMPLEID1234567:*' } }), []],
    ['"*" with aws:userid of a foreign root user', useWith('*', { StringEquals: { 'aws:userid': FOREIGN } }), ['UNTRUSTED_CROSS_ACCOUNT']],
    // Wildcard values that still match everyone narrow nothing.
    ['"*" with aws:userid "?*"', useWith('*', { StringLike: { 'aws:userid': '?*' } }), ['PUBLIC_ACCESS']],
    ['"*" with aws:userid "AROA*"', useWith('*', { StringLike: { 'aws:userid': 'AROA*' } }), ['PUBLIC_ACCESS']],
    ['account with aws:username "?*"', useWith({ AWS: ROOT }, { StringLike: { 'aws:username': '?*' } }), ['ACCOUNT_WIDE_USAGE']],
    ['"*" with aws:PrincipalArn role* of the account', useWith('*', { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWN}:role*` } }), ['ACCOUNT_WIDE_USAGE']],
    ['"*" with aws:PrincipalArn rol?/* of the account', useWith('*', { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWN}:rol?/*` } }), ['ACCOUNT_WIDE_USAGE']],
    ['"*" with aws:PrincipalArn of any account', useWith('*', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Admin' } }), ['PUBLIC_ACCESS']],
    ['"*" with aws:PrincipalArn role/* of a foreign account', useWith('*', { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${FOREIGN}:role/*` } }), ['UNTRUSTED_CROSS_ACCOUNT']],
    [
      '"*" with aws:PrincipalArn of the account\'s SSO administrator roles',
      useWith('*', { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWN}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_AdministratorAccess_*` } }),
      [],
    ],
    [
      'account root with aws:PrincipalArn of the SSO administrator roles',
      useWith({ AWS: ROOT }, { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWN}:role/*AWSReservedSSO_AdministratorAccess_*` } }),
      [],
    ],
    // aws:SourceAccount is only ever set when an AWS service calls for a resource.
    ['"*" with aws:SourceAccount of the account', useWith('*', { StringEquals: { 'aws:SourceAccount': OWN } }), []],
    ['"*" with aws:SourceAccount of a foreign account', useWith('*', { StringEquals: { 'aws:SourceAccount': FOREIGN } }), ['UNTRUSTED_CROSS_ACCOUNT']],
    // Only services can match, but nothing says on whose behalf.
    ['"*" with aws:PrincipalIsAWSService true', useWith('*', { Bool: { 'aws:PrincipalIsAWSService': 'true' } }), ['UNSCOPED_SERVICE_PRINCIPAL']],
    ['"*" with aws:PrincipalIsAWSService false', useWith('*', { Bool: { 'aws:PrincipalIsAWSService': 'false' } }), ['PUBLIC_ACCESS']],
    ['account with aws:PrincipalTag', useWith({ AWS: ROOT }, { StringEquals: { 'aws:PrincipalTag/team': 'payments' } }), []],
    ['"*" with aws:PrincipalTag narrows nothing', useWith('*', { StringEquals: { 'aws:PrincipalTag/team': 'payments' } }), ['PUBLIC_ACCESS']],
    ['account with aws:username', useWith({ AWS: ROOT }, { StringEquals: { 'aws:username': 'alice' } }), []],
  ])('%s', (_n, p, expected) => {
    expect(checks(p)).toEqual(expected);
  });

  it('marks grants under path conditions as conditional and names the keys', () => {
    const f = analyzePolicy(useWith({ AWS: ROOT }, { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }), opts).findings[0];
    expect(f?.access).toBe('conditional');
    expect(f?.conditionKeys).toEqual(['kms:ViaService']);
    expect(f?.message).toMatch(/not who may reach it/);
  });

  it.each<[string, unknown, CheckId[]]>([
    ['CreateGrant without GrantIsForAWSResource', policy(allow({ AWS: APP_ROLE }, ['kms:CreateGrant'])), ['UNCONSTRAINED_GRANT_CREATION']],
    ['CreateGrant with GrantIsForAWSResource', policy(allow({ AWS: APP_ROLE }, ['kms:CreateGrant'], { Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } })), []],
    ['CreateGrant with GrantIsForAWSResource false', policy(allow({ AWS: APP_ROLE }, ['kms:CreateGrant'], { Condition: { Bool: { 'kms:GrantIsForAWSResource': false } } })), ['UNCONSTRAINED_GRANT_CREATION']],
    ['CreateGrant with a GrantOperations limit', policy(allow({ AWS: APP_ROLE }, ['kms:CreateGrant'], { Condition: { 'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt'] } } })), []],
    ['CreateGrant to the account', policy(allow({ AWS: ROOT }, ['kms:CreateGrant', 'kms:ListGrants'])), ['UNCONSTRAINED_GRANT_CREATION']],
    // AWS documents the key as true when an integrated service sends the request, not that KMS sets it on every
    // CreateGrant: under BoolIfExists a direct request may carry no key and pass, so it is not relied on.
    ['CreateGrant with BoolIfExists GrantIsForAWSResource true', policy(allow({ AWS: APP_ROLE }, ['kms:CreateGrant'], { Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'true' } } })), ['UNCONSTRAINED_GRANT_CREATION']],
    // A limit that lets grants include CreateGrant lets every grantee re-delegate: it bounds nothing.
    ['CreateGrant with a GrantOperations limit that includes CreateGrant', policy(allow({ AWS: APP_ROLE }, ['kms:CreateGrant'], { Condition: { 'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt', 'CreateGrant'] } } })), ['UNCONSTRAINED_GRANT_CREATION']],
    ['GrantOperations limit naming CreateGrant in another letter case (fails closed)', policy(allow({ AWS: APP_ROLE }, ['kms:CreateGrant'], { Condition: { 'ForAllValues:StringEqualsIgnoreCase': { 'kms:GrantOperations': ['decrypt', 'creategrant'] } } })), ['UNCONSTRAINED_GRANT_CREATION']],
    ['GrantOperations StringLike limit whose ? wildcard matches CreateGrant', policy(allow({ AWS: APP_ROLE }, ['kms:CreateGrant'], { Condition: { 'ForAllValues:StringLike': { 'kms:GrantOperations': ['Decrypt', 'Create?rant'] } } })), ['UNCONSTRAINED_GRANT_CREATION']],
    ['GrantOperations StringLike limit without wildcards still bounds', policy(allow({ AWS: APP_ROLE }, ['kms:CreateGrant'], { Condition: { 'ForAllValues:StringLike': { 'kms:GrantOperations': ['Decrypt', 'Encrypt'] } } })), []],
  ])('%s', (_n, p, expected) => {
    expect(checks(p)).toEqual(expected);
  });
});

describe('Deny and Resource', () => {
  it.each<[string, unknown, CheckId[]]>([
    ['a Deny to everyone removes the action', policy(allow({ AWS: ROOT }, ['kms:PutKeyPolicy', 'kms:Decrypt', 'kms:CreateGrant']), deny('*', 'kms:Decrypt')), ['ACCOUNT_WIDE_ADMINISTRATION', 'UNCONSTRAINED_GRANT_CREATION']],
    // kms:* also allows actions AWS adds later, which no list of today's actions can deny.
    ['denying every known cryptographic action after kms:* still leaves later actions', policy(allow({ AWS: ROOT }, 'kms:*'), deny('*', ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Sign', 'kms:Verify', 'kms:GenerateMac', 'kms:VerifyMac', 'kms:DeriveSharedSecret'])), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['a Deny to the account removes it for the account', policy(allow({ AWS: ROOT }, USE_ACTIONS), deny({ AWS: ROOT }, 'kms:*')), []],
    ['a Deny to one role does not protect the account', policy(allow({ AWS: ROOT }, USE_ACTIONS), deny({ AWS: APP_ROLE }, 'kms:*')), ['ACCOUNT_WIDE_USAGE']],
    ['a conditional Deny is not relied on', policy(allow({ AWS: ROOT }, USE_ACTIONS), deny('*', 'kms:*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })), ['ACCOUNT_WIDE_USAGE']],
    [
      'Deny with a negated aws:PrincipalArn carves the account down to the named role',
      policy(allow({ AWS: ROOT }, USE_ACTIONS), deny('*', USE_ACTIONS, { Condition: { ArnNotEquals: { 'aws:PrincipalArn': APP_ROLE } } })),
      [],
    ],
    [
      // The account's root ARN in NotPrincipal spares the root user only, not the account's roles and users.
      'Deny with NotPrincipal naming a role and the account root carves the account down to that role and the root user',
      policy(allow({ AWS: ROOT }, USE_ACTIONS), { Effect: 'Deny', NotPrincipal: { AWS: [APP_ROLE, ROOT] }, Action: USE_ACTIONS, Resource: '*' }),
      [],
    ],
    [
      'Deny with NotPrincipal naming only the account root leaves kms:* to the root user alone: no account-wide finding',
      policy(allow({ AWS: ROOT }, 'kms:*'), { Effect: 'Deny', NotPrincipal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' }),
      ['NO_SEPARATION_OF_DUTIES', 'UNCONSTRAINED_GRANT_CREATION'],
    ],
    [
      'Deny with NotPrincipal naming only roles carves the account',
      policy(allow({ AWS: ROOT }, USE_ACTIONS), { Effect: 'Deny', NotPrincipal: { AWS: [APP_ROLE] }, Action: USE_ACTIONS, Resource: '*' }),
      [],
    ],
    [
      'carving kms:* to one role leaves that role without separation',
      policy(allow({ AWS: ROOT }, 'kms:*'), deny('*', 'kms:*', { Condition: { ArnNotEquals: { 'aws:PrincipalArn': ADMIN_ROLE } } })),
      ['NO_SEPARATION_OF_DUTIES', 'UNCONSTRAINED_GRANT_CREATION'],
    ],
    [
      'a Deny with aws:PrincipalAccount not equal to the account fences off everyone else',
      policy(allow('*', 'kms:Decrypt'), deny('*', 'kms:*', { Condition: { StringNotEquals: { 'aws:PrincipalAccount': OWN } } })),
      ['ACCOUNT_WIDE_USAGE'],
    ],
    ['a Deny whose Resource is another service does nothing', policy(allow({ AWS: ROOT }, USE_ACTIONS), deny({ AWS: ROOT }, 'kms:*', { Resource: 'arn:aws:s3:::bucket/*' })), ['ACCOUNT_WIDE_USAGE']],
    ['an Allow whose Resource is an S3 ARN is inert', policy(allow({ AWS: ROOT }, 'kms:*', { Resource: 'arn:aws:s3:::bucket' })), []],
    ['an Allow on a key ARN without the key ARN known applies', policy(allow({ AWS: ROOT }, 'kms:*', { Resource: `arn:aws:kms:us-east-1:${OWN}:key/abc` })), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['NotResource naming another service applies', policy(allow({ AWS: ROOT }, 'kms:*', { Resource: undefined as never, NotResource: 'arn:aws:s3:::b' })), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['NotResource "*" is inert', policy(allow({ AWS: ROOT }, 'kms:*', { Resource: undefined as never, NotResource: '*' })), []],
  ])('%s', (_n, p, expected) => {
    const clean = JSON.parse(JSON.stringify(p)) as unknown;
    expect(checks(clean)).toEqual(expected);
  });

  it.each<[string, unknown, CheckId[]]>([
    ['a Deny sparing a tag anyone can set does not protect', policy(allow('*', 'kms:Decrypt'), deny('*', 'kms:*', { Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'sec' } } })), ['PUBLIC_ACCESS']],
    ['a Deny sparing a user name anyone can create does not protect', policy(allow('*', 'kms:Decrypt'), deny('*', 'kms:*', { Condition: { StringNotEquals: { 'aws:username': 'alice' } } })), ['PUBLIC_ACCESS']],
    ['a Deny sparing aws:userid "AROA*" does not protect', policy(allow('*', 'kms:Decrypt'), deny('*', 'kms:*', { Condition: { StringNotLike: { 'aws:userid': 'AROA*' } } })), ['PUBLIC_ACCESS']],
    [
      'a Deny sparing the account and an organisation keeps the account in view',
      policy(allow('*', 'kms:*'), deny('*', 'kms:*', { Condition: { StringNotEquals: { 'aws:PrincipalAccount': OWN, 'aws:PrincipalOrgID': 'o-abc1234567' } } })),
      ['ACCOUNT_WIDE_FULL_ACCESS', 'UNCONSTRAINED_GRANT_CREATION', 'UNTRUSTED_CROSS_ACCOUNT'],
    ],
  ])('%s', (_n, p, expected) => {
    expect(checks(p)).toEqual(expected);
  });

  it('applies a Deny on the key ARN only when the key ARN is known', () => {
    const keyArn = `arn:aws:kms:us-east-1:${OWN}:key/abc`;
    const p = policy(allow({ AWS: ROOT }, USE_ACTIONS), deny({ AWS: ROOT }, 'kms:*', { Resource: keyArn }));
    expect(checks(p)).toEqual(['ACCOUNT_WIDE_USAGE']);
    expect(checks(p, { accountId: OWN, keyArn })).toEqual([]);
    expect(checks(policy(allow({ AWS: ROOT }, 'kms:*', { Resource: `arn:aws:kms:us-east-1:${OWN}:key/other` })), { accountId: OWN, keyArn })).toEqual([]);
  });

  it('a negated kms:ViaService Deny leaves access conditional', () => {
    const r = analyzePolicy(
      policy(allow({ AWS: ROOT }, USE_ACTIONS), deny('*', USE_ACTIONS, { Condition: { StringNotEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } })),
      opts,
    );
    expect(r.findings.map((f) => [f.checkId, f.access])).toEqual([['ACCOUNT_WIDE_USAGE', 'conditional']]);
  });
});

describe('what a Deny leaves that the Allow itself excludes', () => {
  const notArn = (op: string, arn: string) => ({ Condition: { [op]: { 'aws:PrincipalArn': arn } } });
  const notAccount = (op: string, account: string) => ({ Condition: { [op]: { 'aws:PrincipalAccount': account } } });
  const ADMIN_B = `arn:aws:iam::${OWN}:role/AdminB`;
  it.each<[string, unknown, CheckId[]]>([
    ['the Allow and the Deny both exclude KeyAdmin: nobody remains', policy(allow('*', 'kms:*', notArn('ArnNotEquals', ADMIN_ROLE)), deny('*', 'kms:*', notArn('ArnNotEquals', ADMIN_ROLE))), []],
    ['NotAction Allow and Deny both exclude the own account: nobody remains', policy(allow('*', undefined as never, { Action: undefined as never, NotAction: 'kms:Get*', ...notAccount('StringNotEquals', OWN) }), deny('*', 'kms:*', notAccount('StringNotEquals', OWN))), ['ALLOW_WITH_NEGATION']],
    [
      'only the unconditional grant-revoking Allow remains for the own account',
      policy(deny('*', '*', notAccount('StringNotEquals', OWN)), allow('*', '*', notAccount('StringNotEquals', OWN)), allow('*', ['kms:RevokeGrant', 'kms:RetireGrant'])),
      [],
    ],
    ['StringNotEqualsIgnoreCase in the Allow excludes the Deny\'s survivor in any letter case', policy(allow('*', 'kms:*', notArn('StringNotEqualsIgnoreCase', ADMIN_ROLE.toLowerCase())), deny('*', 'kms:*', notArn('ArnNotEquals', ADMIN_ROLE))), []],
    ['ArnNotLike in the Allow with a pattern covering the survivor', policy(allow('*', 'kms:*', notArn('ArnNotLike', `arn:aws:iam::${OWN}:role/Key*`)), deny('*', 'kms:*', notArn('ArnNotEquals', ADMIN_ROLE))), []],
    ['the Allow excludes KeyAdmin, the Deny spares AdminB: AdminB keeps kms:*', policy(allow('*', 'kms:*', notArn('ArnNotEquals', ADMIN_ROLE)), deny('*', 'kms:*', notArn('ArnNotEquals', ADMIN_B))), ['NO_SEPARATION_OF_DUTIES', 'UNCONSTRAINED_GRANT_CREATION']],
    // ARN comparison is case-sensitive: the Allow excludes role/keyadmin, which is not role/KeyAdmin.
    ['ArnNotEquals in another letter case excludes nothing the Deny spares', policy(allow('*', 'kms:*', notArn('ArnNotEquals', ADMIN_ROLE.toLowerCase())), deny('*', 'kms:*', notArn('ArnNotEquals', ADMIN_ROLE))), ['NO_SEPARATION_OF_DUTIES', 'UNCONSTRAINED_GRANT_CREATION']],
    ['ArnNotLike in the Allow with a pattern missing the survivor', policy(allow('*', 'kms:*', notArn('ArnNotLike', `arn:aws:iam::${OWN}:role/App*`)), deny('*', 'kms:*', notArn('ArnNotEquals', ADMIN_ROLE))), ['NO_SEPARATION_OF_DUTIES', 'UNCONSTRAINED_GRANT_CREATION']],
    // An ARN wildcard stops at a colon: the pattern's third field (the service) is "*", the next fields must match on their own.
    ['ArnNotLike whose wildcard would have to span ARN fields excludes nothing', policy(allow('*', 'kms:*', notArn('ArnNotLike', 'arn:aws:*:role/KeyAdmin')), deny('*', 'kms:*', notArn('ArnNotEquals', ADMIN_ROLE))), ['NO_SEPARATION_OF_DUTIES', 'UNCONSTRAINED_GRANT_CREATION']],
    ['the Allow excludes another account: the own account keeps kms:*', policy(allow('*', 'kms:*', notAccount('StringNotEquals', FOREIGN)), deny('*', 'kms:*', notAccount('StringNotEquals', OWN))), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['the Allow excludes KeyAdmin only: the rest of the own account keeps kms:*', policy(allow('*', 'kms:*', notArn('ArnNotEquals', ADMIN_ROLE)), deny('*', 'kms:*', notAccount('StringNotEquals', OWN))), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['an Allow naming KeyAdmin and excluding it in any letter case grants nothing', policy(allow({ AWS: ADMIN_ROLE }, 'kms:*', notArn('StringNotEqualsIgnoreCase', ADMIN_ROLE))), []],
    // The Principal element may name the role in another letter case than its aws:PrincipalArn: not relied on.
    ['an Allow naming KeyAdmin and excluding it case-sensitively stays in view', policy(allow({ AWS: ADMIN_ROLE }, 'kms:*', notArn('ArnNotEquals', ADMIN_ROLE))), ['NO_SEPARATION_OF_DUTIES', 'UNCONSTRAINED_GRANT_CREATION']],
    ['a Deny sparing a role pattern the Allow excludes as written leaves nothing', policy(allow('*', 'kms:*', notArn('ArnNotLike', `arn:aws:iam::${OWN}:role/Key*`)), deny('*', 'kms:*', notArn('ArnNotLike', `arn:aws:iam::${OWN}:role/Key*`))), []],
    ['a Deny sparing a wider pattern than the Allow excludes leaves the rest', policy(allow('*', 'kms:*', notArn('ArnNotEquals', ADMIN_ROLE)), deny('*', 'kms:*', notArn('ArnNotLike', `arn:aws:iam::${OWN}:role/Key*`))), ['NO_SEPARATION_OF_DUTIES', 'UNCONSTRAINED_GRANT_CREATION']],
    ['a Deny sparing KeyAdmin and AdminB, the Allow excluding KeyAdmin only: AdminB keeps kms:*', policy(allow('*', 'kms:*', notArn('ArnNotEquals', ADMIN_ROLE)), deny('*', 'kms:*', notArn('ArnNotEquals', [ADMIN_ROLE, ADMIN_B] as never))), ['NO_SEPARATION_OF_DUTIES', 'UNCONSTRAINED_GRANT_CREATION']],
    ['a Deny on some actions only: the Allow excluding its survivor still grants the rest to everyone', policy(allow('*', 'kms:*', notArn('ArnNotEquals', ADMIN_ROLE)), deny('*', 'kms:Decrypt', notArn('ArnNotEquals', ADMIN_ROLE))), ['PUBLIC_ACCESS']],
    ['an Allow narrowed to the own account and excluding it grants nothing', policy(allow('*', 'kms:*', { Condition: { StringEquals: { 'aws:PrincipalAccount': OWN }, StringNotEquals: { 'aws:PrincipalAccount': OWN } } })), []],
    ['${aws:ResourceAccount} in the exclusion stands for the own account', policy(allow({ AWS: ROOT }, 'kms:*', notAccount('StringNotEquals', '${aws:ResourceAccount}'))), []],
    ['an Allow to the account excluding one role still reaches the account', policy(allow({ AWS: ROOT }, 'kms:*', notArn('ArnNotEquals', ADMIN_ROLE))), ['ACCOUNT_WIDE_FULL_ACCESS']],
    [
      'a Deny sparing a service by NotPrincipal and a role pattern by condition, the Allow excluding that pattern: nothing remains for it',
      policy(
        { Effect: 'Deny', NotPrincipal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:*', Resource: '*', ...notArn('ArnNotLike', `arn:aws:iam::${FOREIGN}:role/partner-*`) },
        allow('*', 'kms:*', notArn('ArnNotLike', `arn:aws:iam::${FOREIGN}:role/partner-*`)),
      ),
      ['UNSCOPED_SERVICE_PRINCIPAL'],
    ],
    [
      'a Deny whose NotPrincipal names a role of the spared pattern leaves that role in view',
      policy(
        { Effect: 'Deny', NotPrincipal: { AWS: `arn:aws:iam::${FOREIGN}:role/partner-x` }, Action: 'kms:*', Resource: '*', ...notArn('ArnNotLike', `arn:aws:iam::${FOREIGN}:role/partner-*`) },
        allow('*', 'kms:*', notArn('ArnNotLike', `arn:aws:iam::${FOREIGN}:role/partner-*`)),
      ),
      ['NO_SEPARATION_OF_DUTIES', 'UNCONSTRAINED_GRANT_CREATION', 'UNTRUSTED_CROSS_ACCOUNT'],
    ],
    // ForAnyValue over a single-valued key is left alone: the Allow is not relied on to exclude anyone.
    ['a set-qualified exclusion is not relied on', policy(allow('*', 'kms:*', { Condition: { 'ForAnyValue:StringNotEquals': { 'aws:PrincipalAccount': OWN } } }), deny('*', 'kms:*', notAccount('StringNotEquals', OWN))), ['ACCOUNT_WIDE_FULL_ACCESS']],
  ])('%s', (_n, p, expected) => {
    const clean = JSON.parse(JSON.stringify(p)) as unknown;
    expect(checks(clean)).toEqual(expected);
  });
});

describe('several conditions on who (ANDed, in any order)', () => {
  const partnerRoles = `arn:aws:iam::${FOREIGN}:role/partner-*`;
  const cases: [string, Record<string, unknown>, unknown, CheckId[]][] = [
    [
      'a tag and a role pattern of a foreign account',
      allow({ AWS: FOREIGN_ROOT }, ['kms:Decrypt', 'kms:PutKeyPolicy'], {}),
      { StringEquals: { 'aws:PrincipalTag/team': 'kms-users' }, ArnLike: { 'aws:PrincipalArn': partnerRoles } },
      ['NO_SEPARATION_OF_DUTIES', 'UNTRUSTED_CROSS_ACCOUNT'],
    ],
    [
      'a foreign role pinned by its unique id',
      allow({ AWS: `arn:aws:iam::${FOREIGN}:role/Partner` }, ['kms:Decrypt'], {}),
      { StringLike: { 'aws:userid': 'AROAJQABLZS4A3QDU576Q:*' } },
      ['UNTRUSTED_CROSS_ACCOUNT'],
    ],
    [
      'the account, a tag and one role',
      allow({ AWS: ROOT }, 'kms:*', {}),
      { StringEquals: { 'aws:PrincipalTag/team': 'x', 'aws:PrincipalArn': ADMIN_ROLE } },
      ['NO_SEPARATION_OF_DUTIES', 'UNCONSTRAINED_GRANT_CREATION'],
    ],
    ['"*", the account and a tag', allow('*', 'kms:Decrypt', {}), { StringEquals: { 'aws:PrincipalAccount': OWN, 'aws:PrincipalTag/team': 'x' } }, []],
    [
      '"*", the account and one role session id',
      allow('*', 'kms:*', {}),
      { StringEquals: { 'aws:PrincipalAccount': OWN }, StringLike: { 'aws:userid': 'AROAJQABLZS4A3QDU576Q:*' } },
      ['NO_SEPARATION_OF_DUTIES', 'UNCONSTRAINED_GRANT_CREATION'],
    ],
  ];
  it.each(cases)('%s', (_n, statement, condition, expected) => {
    const forward = policy({ ...statement, Condition: condition as never });
    const reversed = policy({ ...statement, Condition: Object.fromEntries(Object.entries(condition as Record<string, Record<string, unknown>>).reverse().map(([op, block]) => [op, Object.fromEntries(Object.entries(block).reverse())])) as never });
    expect(checks(forward)).toEqual(expected);
    expect(checks(reversed)).toEqual(expected);
  });

  it('keeps the partner roles a Deny spares with an overlapping pattern', () => {
    const p = policy(
      allow({ AWS: '*' }, 'kms:*', { Condition: { ArnLike: { 'aws:PrincipalArn': partnerRoles } } }),
      deny('*', 'kms:*', { Condition: { ArnNotLike: { 'aws:PrincipalArn': [`arn:aws:iam::${FOREIGN}:role/partner-prod-*`, `arn:aws:iam::${OWN}:role/*`] } } }),
    );
    expect(checks(p)).toContain('UNTRUSTED_CROSS_ACCOUNT');
  });

  it('does not let a Deny sparing a tag remove an Allow to that tag', () => {
    const tag = { 'aws:PrincipalTag/team': 'kms-users' };
    const p = policy(allow({ AWS: FOREIGN_ROOT }, 'kms:*', { Condition: { StringEquals: tag } }), deny('*', 'kms:*', { Condition: { StringNotEquals: tag } }));
    expect(checks(p)).toEqual(['NO_SEPARATION_OF_DUTIES', 'UNCONSTRAINED_GRANT_CREATION', 'UNTRUSTED_CROSS_ACCOUNT']);
  });

  it('flags tagged principals a Deny leaves to any account', () => {
    const p = policy(
      allow('*', 'kms:*'),
      deny('*', 'kms:*', { Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'kms-users' } } }),
      deny('*', 'kms:*', { Condition: { StringNotEquals: { 'aws:PrincipalAccount': FOREIGN } } }),
    );
    expect(checks(p)).toContain('UNTRUSTED_CROSS_ACCOUNT');
  });
});

describe('third review', () => {
  it('narrows a long list of accounts in one condition', () => {
    const accounts = Array.from({ length: 200 }, (_, i) => String(100000000000 + i));
    const r = analyzePolicy(policy(allow('*', 'kms:Decrypt', { Condition: { StringEquals: { 'aws:PrincipalAccount': accounts } } })), opts);
    expect(r.summary.entries.map((e) => e.principal.kind)).toEqual(accounts.map(() => 'account'));
    expect(new Set(r.findings.map((f) => f.checkId))).toEqual(new Set(['UNTRUSTED_CROSS_ACCOUNT']));
  });

  it('stays bounded when long lists on several keys multiply', () => {
    const accounts = Array.from({ length: 150 }, (_, i) => String(100000000000 + i));
    const tags = Array.from({ length: 150 }, (_, i) => String(i));
    const r = analyzePolicy(policy(allow({ AWS: accounts }, 'kms:Decrypt', { Condition: { StringEquals: { 'aws:PrincipalTag/t': tags } } })), opts);
    expect(r.summary.entries.length).toBeLessThanOrEqual(2_000);
    expect(r.findings.map((f) => f.checkId)).toContain('UNTRUSTED_CROSS_ACCOUNT');
  });

  it('adds use through a trusted organisation to administration through the account', () => {
    const p = policy(
      allow('*', USE_ACTIONS, { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc1234567' } } }),
      allow({ AWS: ROOT }, ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion']),
    );
    expect(checks(p, { accountId: OWN, trustedOrgIds: ['o-abc1234567'] })).toEqual(['ACCOUNT_WIDE_FULL_ACCESS']);
  });

  const SESSION = `arn:aws:sts::${OWN}:assumed-role/KeyAdmin/s1`;
  it.each([
    ['a role pattern', { AWS: ROOT }, { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWN}:role/KeyAdm*` } }, ADMIN_ROLE],
    // The session holds the role's administration and its own use.
    ['one of its sessions', { AWS: SESSION }, undefined, SESSION],
  ])('sees a role that administers and uses the key through %s', (_n, principal, condition, flagged) => {
    const p = policy(allow({ AWS: ADMIN_ROLE }, ['kms:PutKeyPolicy']), allow(principal as never, ['kms:Decrypt'], condition ? { Condition: condition as never } : {}));
    const r = analyzePolicy(p, opts);
    expect(r.findings.filter((f) => f.checkId === 'NO_SEPARATION_OF_DUTIES').map((f) => f.principals)).toEqual([[flagged]]);
  });

  it('gives the same class and level whichever order two conditions on aws:PrincipalArn come in', () => {
    const one = { StringEquals: { 'aws:PrincipalArn': APP_ROLE } };
    const all = { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${OWN}:role/*` } };
    const a = analyzePolicy(policy(allow('*', 'kms:Decrypt', { Condition: { ...one, ...all } })), opts).summary.entries;
    const b = analyzePolicy(policy(allow('*', 'kms:Decrypt', { Condition: { ...all, ...one } })), opts).summary.entries;
    expect(a.map((e) => [e.principal.id, e.grants.map((g) => g.level)])).toEqual([[`principal:${APP_ROLE}`, ['unconditional']]]);
    expect(b.map((e) => [e.principal.id, e.grants.map((g) => g.level)])).toEqual(a.map((e) => [e.principal.id, e.grants.map((g) => g.level)]));
  });

  it('reads ${aws:ResourceAccount} and ${aws:ResourceOrgID} as the key owner\'s', () => {
    expect(checks(policy(allow('*', USE_ACTIONS, { Condition: { StringEquals: { 'aws:PrincipalAccount': '${aws:ResourceAccount}' } } })))).toEqual(['ACCOUNT_WIDE_USAGE']);
    expect(checks(policy(allow('*', USE_ACTIONS, { Condition: { StringEquals: { 'aws:PrincipalOrgID': '${aws:ResourceOrgID}' } } })))).toEqual(['ACCOUNT_WIDE_USAGE']);
  });

  it('trusts a foreign account limited to a trusted organisation', () => {
    const p = policy(allow({ AWS: FOREIGN_ROOT }, 'kms:Decrypt', { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc1234567' } } }));
    expect(checks(p, { accountId: OWN, trustedOrgIds: ['o-abc1234567'] })).toEqual([]);
    expect(checks(p)).toEqual(['UNTRUSTED_CROSS_ACCOUNT']);
    expect(analyzePolicy(p, opts).findings[0]?.message).not.toContain('not who may reach it');
  });

  it('reads the account of an IAM identity provider', () => {
    expect(checks(policy(allow({ Federated: `arn:aws:iam::${OWN}:saml-provider/Okta` }, 'kms:Decrypt')))).toEqual([]);
    expect(checks(policy(allow({ Federated: `arn:aws:iam::${FOREIGN}:saml-provider/Okta` }, 'kms:Decrypt')))).toEqual(['UNTRUSTED_CROSS_ACCOUNT']);
  });
});

describe('service principals', () => {
  it('"*" limited by aws:PrincipalServiceName is that service, not anyone', () => {
    const p = policy(allow('*', ['kms:Encrypt', 'kms:GenerateDataKey*'], { Condition: { StringEquals: { 'aws:PrincipalServiceName': 'cloudtrail.amazonaws.com' } } }));
    const r = analyzePolicy(p, opts);
    expect(r.findings.map((f) => [f.checkId, f.principals])).toEqual([['UNSCOPED_SERVICE_PRINCIPAL', ['cloudtrail.amazonaws.com']]]);
  });

  it('a Deny sparing one service keeps that service out of "any service"', () => {
    const p = policy(
      allow('*', 'kms:*', { Condition: { StringEquals: { 'aws:SourceAccount': FOREIGN } } }),
      { Effect: 'Deny', NotPrincipal: { Service: 'logs.amazonaws.com' }, Action: 'kms:*', Resource: '*' },
    );
    const r = analyzePolicy(p, opts);
    expect(r.findings.map((f) => [f.checkId, f.principals])).toEqual([['UNTRUSTED_CROSS_ACCOUNT', ['logs.amazonaws.com']]]);
  });

  it('flags a service principal that may administer the key without scope', () => {
    expect(checks(policy(allow({ Service: 'logs.amazonaws.com' }, ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion'])))).toEqual(['UNSCOPED_SERVICE_PRINCIPAL']);
  });

  it('judges a service scoped to an untrusted organisation as cross-account', () => {
    const p = policy(allow({ Service: 'logs.amazonaws.com' }, 'kms:Decrypt', { Condition: { StringEquals: { 'aws:SourceOrgID': 'o-foreign123' } } }));
    expect(checks(p, { accountId: OWN, trustedOrgIds: ['o-mine12345'] })).toEqual(['UNTRUSTED_CROSS_ACCOUNT']);
    expect(checks(p, { accountId: OWN, trustedOrgIds: ['o-foreign123'] })).toEqual([]);
  });
});

describe('access matrix', () => {
  it('links a cell to the Deny that leaves it conditional', () => {
    const r = analyzePolicy(policy(allow({ AWS: APP_ROLE }, 'kms:Decrypt'), deny('*', 'kms:*', { Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } } })), opts);
    const [row] = accessMatrix(r.summary);
    expect(row?.cells.cryptographic).toEqual({ level: 'conditional', statementIndexes: [0, 1], grantIds: [] });
    expect(row?.cells.administration).toEqual({ level: 'none', statementIndexes: [], grantIds: [] });
  });

  it('links a carved-out principal to the Deny that carved it', () => {
    const r = analyzePolicy(policy(allow({ AWS: ROOT }, USE_ACTIONS), { Effect: 'Deny', NotPrincipal: { AWS: APP_ROLE }, Action: USE_ACTIONS, Resource: '*' }), opts);
    const rows = accessMatrix(r.summary);
    expect(rows.map((x) => [x.principal.id, x.cells.cryptographic])).toEqual([[`principal:${APP_ROLE}`, { level: 'unconditional', statementIndexes: [0, 1], grantIds: [] }]]);
  });
});

describe('findings', () => {
  it('carry check id, severity, statement, Sid, path, principals, actions and message', () => {
    const p = policy({ Sid: 'Enable IAM User Permissions', ...allow({ AWS: ROOT }, 'kms:*') });
    const [f] = analyzePolicy(p, opts).findings;
    expect(f).toMatchObject({
      checkId: 'ACCOUNT_WIDE_FULL_ACCESS',
      severity: 'high',
      statementIndexes: [0],
      sids: ['Enable IAM User Permissions'],
      path: '$.Statement[0].Principal.AWS',
      principals: [ROOT],
      access: 'unconditional',
    });
    expect(f?.actions).toEqual(expect.arrayContaining(['kms:PutKeyPolicy', 'kms:Decrypt', 'kms:<actions added later>']));
    expect(f?.message).toContain('Every principal of account 111122223333 may both administer and use');
    expect(f?.message).toContain('statement 0 ("Enable IAM User Permissions")');
  });

  it('are sorted most severe first', () => {
    const r = analyzePolicy(policy(allow({ AWS: ROOT }, USE_ACTIONS), allow('*', 'kms:Decrypt'), allow({ Service: 'sns.amazonaws.com' }, 'kms:Decrypt')), opts);
    expect(r.findings.map((f) => f.severity)).toEqual(['critical', 'medium', 'medium']);
  });

  it('leave out disabled checks', () => {
    expect(checks(policy(allow({ AWS: ROOT }, 'kms:*')), { accountId: OWN, disabledChecks: ['ACCOUNT_WIDE_FULL_ACCESS'] })).toEqual([]);
  });
});

/**
 * A plain operator (or ForAnyValue) on a key the request for an action never carries is false, so the statement
 * grants nothing for that action; negated operators, …IfExists and ForAllValues are true there; Null tests
 * presence. Presence comes from engine/condition-presence.ts; optional and unknown keep conditional access.
 */
describe('request-aware conditions', () => {
  const cond = (principal: unknown, actions: unknown, condition: unknown) => policy(allow(principal as never, actions as never, { Condition: condition as never }));
  const ADMIN_AND_USE = ['kms:Decrypt', 'kms:Encrypt', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:DescribeKey'];
  const GRANT_SET = ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'];
  it.each<[string, unknown, CheckId[]]>([
    // Keys only grant-management requests carry.
    ['account: ForAnyValue kms:GrantOperations leaves only CreateGrant', cond({ AWS: ROOT }, ['kms:Decrypt', 'kms:PutKeyPolicy', 'kms:CreateGrant'], { 'ForAnyValue:StringEquals': { 'kms:GrantOperations': 'Decrypt' } }), ['UNCONSTRAINED_GRANT_CREATION']],
    ['account: plain StringEquals kms:GrantOperations leaves only CreateGrant', cond({ AWS: ROOT }, ['kms:Decrypt', 'kms:PutKeyPolicy', 'kms:CreateGrant'], { StringEquals: { 'kms:GrantOperations': 'Decrypt' } }), ['UNCONSTRAINED_GRANT_CREATION']],
    ['account: ForAllValues kms:GrantOperations is true where the key is absent', cond({ AWS: ROOT }, ['kms:Decrypt', 'kms:PutKeyPolicy', 'kms:CreateGrant'], { 'ForAllValues:StringEquals': { 'kms:GrantOperations': 'Decrypt' } }), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['account: kms:* keeps the actions added later (their keys are unknown)', cond({ AWS: ROOT }, 'kms:*', { StringEquals: { 'kms:GrantOperations': 'Decrypt' } }), ['ACCOUNT_WIDE_FULL_ACCESS']],
    // A global key whose presence depends on who calls, not on the action, is just as absent on actions KMS adds later.
    ['account: kms:* under aws:SourceAccount grants IAM principals nothing, later actions included', cond({ AWS: ROOT }, 'kms:*', { StringEquals: { 'aws:SourceAccount': OWN } }), []],
    ['account: kms:* under Bool aws:PrincipalIsAWSService true grants it nothing, later actions included', cond({ AWS: ROOT }, 'kms:*', { Bool: { 'aws:PrincipalIsAWSService': 'true' } }), []],
    ['service: kms:* under aws:PrincipalOrgID grants it nothing, later actions included', cond({ Service: 'cloudtrail.amazonaws.com' }, 'kms:*', { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' } }), []],
    ['account: NotAction under aws:SourceArn grants IAM principals nothing (only the form is reported)', policy({ Effect: 'Allow', Principal: { AWS: ROOT }, NotAction: 'kms:Decrypt', Resource: '*', Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:s3:::bucket-${OWN}` } } }), ['ALLOW_WITH_NEGATION']],
    ['account: kms:* under aws:RequestTag (depends on the action) keeps later actions', cond({ AWS: ROOT }, 'kms:*', { StringEquals: { 'aws:RequestTag/env': 'prod' } }), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['account: Bool kms:GrantIsForAWSResource keeps only the grant actions', cond({ AWS: ROOT }, ['kms:Decrypt', 'kms:Encrypt', ...GRANT_SET], { Bool: { 'kms:GrantIsForAWSResource': 'true' } }), []],
    ['account: BoolIfExists kms:GrantIsForAWSResource is true where the key is absent', cond({ AWS: ROOT }, ['kms:Decrypt', 'kms:Encrypt', ...GRANT_SET], { BoolIfExists: { 'kms:GrantIsForAWSResource': 'true' } }), ['ACCOUNT_WIDE_USAGE', 'UNCONSTRAINED_GRANT_CREATION']],
    ['role: kms:GrantConstraintType leaves only CreateGrant', cond({ AWS: ADMIN_ROLE }, ['kms:PutKeyPolicy', 'kms:Decrypt', 'kms:CreateGrant'], { StringEquals: { 'kms:GrantConstraintType': 'EncryptionContextEquals' } }), ['UNCONSTRAINED_GRANT_CREATION']],
    // Encryption-context keys on actions that take no encryption context.
    ['account: kms:EncryptionContext:<k> limits it to use', cond({ AWS: ROOT }, ADMIN_AND_USE, { StringEquals: { 'kms:EncryptionContext:app': 'billing' } }), ['ACCOUNT_WIDE_USAGE']],
    ['account: context key in another letter case', cond({ AWS: ROOT }, ADMIN_AND_USE, { StringEquals: { 'KMS:encryptioncontext:App': 'billing' } }), ['ACCOUNT_WIDE_USAGE']],
    ['account: ForAnyValue kms:EncryptionContextKeys limits it to use', cond({ AWS: ROOT }, ADMIN_AND_USE, { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'app' } }), ['ACCOUNT_WIDE_USAGE']],
    ['account: ForAllValues kms:EncryptionContextKeys is true without a context', cond({ AWS: ROOT }, ADMIN_AND_USE, { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': 'app' } }), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['account: negated encryption-context operator is true without a context', cond({ AWS: ROOT }, ADMIN_AND_USE, { StringNotEquals: { 'kms:EncryptionContext:app': 'billing' } }), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['account: encryption context under IfExists is true without a context', cond({ AWS: ROOT }, ADMIN_AND_USE, { StringEqualsIfExists: { 'kms:EncryptionContext:app': 'billing' } }), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['account: Null "true" on the encryption context holds where it is absent', cond({ AWS: ROOT }, ADMIN_AND_USE, { Null: { 'kms:EncryptionContext:app': 'true' } }), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['account: Null "false" on the encryption context fails where it is absent', cond({ AWS: ROOT }, ADMIN_AND_USE, { Null: { 'kms:EncryptionContext:app': 'false' } }), ['ACCOUNT_WIDE_USAGE']],
    ['account: with CreateGrant under an encryption context, grant creation is reported', cond({ AWS: ROOT }, ['kms:Decrypt', 'kms:PutKeyPolicy', 'kms:CreateGrant'], { StringEquals: { 'kms:EncryptionContext:app': 'billing' } }), ['ACCOUNT_WIDE_USAGE', 'UNCONSTRAINED_GRANT_CREATION']],
    ['role: administration and use under an encryption context is use only', cond({ AWS: ADMIN_ROLE }, ['kms:PutKeyPolicy', 'kms:Decrypt'], { StringEquals: { 'kms:EncryptionContext:app': 'billing' } }), []],
    ['role: administration elsewhere and use under an encryption context', policy(allow({ AWS: ADMIN_ROLE }, 'kms:PutKeyPolicy'), allow({ AWS: ADMIN_ROLE }, 'kms:Decrypt', { Condition: { StringEquals: { 'kms:EncryptionContext:app': 'billing' } } })), ['NO_SEPARATION_OF_DUTIES']],
    // Keys only a service principal's own request carries, and aws:PrincipalIsAWSService.
    ['account: aws:SourceAccount grants IAM principals nothing', cond({ AWS: ROOT }, USE_ACTIONS, { StringEquals: { 'aws:SourceAccount': OWN } }), []],
    ['account: aws:SourceArn grants IAM principals nothing', cond({ AWS: ROOT }, USE_ACTIONS, { ArnLike: { 'aws:SourceArn': `arn:aws:s3:::bucket-${OWN}` } }), []],
    ['account: aws:SourceOrgID grants IAM principals nothing', cond({ AWS: ROOT }, USE_ACTIONS, { StringEquals: { 'aws:SourceOrgID': 'o-abcdef1234' } }), []],
    ['foreign account: aws:SourceAccount grants it nothing', cond({ AWS: FOREIGN_ROOT }, 'kms:Decrypt', { StringEquals: { 'aws:SourceAccount': FOREIGN } }), []],
    ['account: aws:SourceAccount under IfExists is true on a direct call', cond({ AWS: ROOT }, USE_ACTIONS, { StringEqualsIfExists: { 'aws:SourceAccount': OWN } }), ['ACCOUNT_WIDE_USAGE']],
    ['account: negated aws:SourceAccount is true on a direct call', cond({ AWS: ROOT }, USE_ACTIONS, { StringNotEquals: { 'aws:SourceAccount': FOREIGN } }), ['ACCOUNT_WIDE_USAGE']],
    ['account: Bool aws:PrincipalIsAWSService true grants it nothing', cond({ AWS: ROOT }, USE_ACTIONS, { Bool: { 'aws:PrincipalIsAWSService': 'true' } }), []],
    // The key is in every signed request, so …IfExists reads like the plain operator.
    ['account: BoolIfExists aws:PrincipalIsAWSService true grants it nothing', cond({ AWS: ROOT }, USE_ACTIONS, { BoolIfExists: { 'aws:PrincipalIsAWSService': 'true' } }), []],
    ['account: Bool aws:PrincipalIsAWSService "TRUE" grants it nothing', cond({ AWS: ROOT }, USE_ACTIONS, { Bool: { 'aws:PrincipalIsAWSService': 'TRUE' } }), []],
    ['"*": Bool aws:PrincipalIsAWSService false keeps it public (either kind of caller)', cond('*', 'kms:Decrypt', { Bool: { 'aws:PrincipalIsAWSService': 'false' } }), ['PUBLIC_ACCESS']],
    ['account: Bool aws:PrincipalIsAWSService false keeps its access', cond({ AWS: ROOT }, USE_ACTIONS, { Bool: { 'aws:PrincipalIsAWSService': 'false' } }), ['ACCOUNT_WIDE_USAGE']],
    ['service: Bool aws:PrincipalIsAWSService false grants it nothing', cond({ Service: 'cloudtrail.amazonaws.com' }, 'kms:GenerateDataKey*', { Bool: { 'aws:PrincipalIsAWSService': 'false' } }), []],
    // Keys about an IAM principal's identity, on a service principal.
    ['service: aws:PrincipalOrgID grants it nothing', cond({ Service: 'cloudtrail.amazonaws.com' }, 'kms:GenerateDataKey*', { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' } }), []],
    ['service: aws:PrincipalOrgPaths grants it nothing', cond({ Service: 'cloudtrail.amazonaws.com' }, 'kms:GenerateDataKey*', { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-abcdef1234/*' } }), []],
    ['service: aws:PrincipalTag grants it nothing', cond({ Service: 'cloudtrail.amazonaws.com' }, 'kms:GenerateDataKey*', { StringEquals: { 'aws:PrincipalTag/team': 'audit' } }), []],
    ['service: negated aws:PrincipalOrgID is true for it', cond({ Service: 'cloudtrail.amazonaws.com' }, 'kms:GenerateDataKey*', { StringNotEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' } }), ['UNSCOPED_SERVICE_PRINCIPAL']],
    ['service: aws:PrincipalTag under IfExists is true for it', cond({ Service: 'cloudtrail.amazonaws.com' }, 'kms:GenerateDataKey*', { StringEqualsIfExists: { 'aws:PrincipalTag/team': 'audit' } }), ['UNSCOPED_SERVICE_PRINCIPAL']],
    // Optional and unknown presence keep conditional access (fail closed).
    ['account: kms:ViaService (optional) keeps conditional access', cond({ AWS: ROOT }, ADMIN_AND_USE, { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }), ['ACCOUNT_WIDE_FULL_ACCESS']],
    ['account: a key of another service (unknown) keeps conditional access', cond({ AWS: ROOT }, ADMIN_AND_USE, { StringEquals: { 's3:prefix': 'logs/' } }), ['ACCOUNT_WIDE_FULL_ACCESS']],
  ])('%s', (_n, p, expected) => {
    expect(checks(p)).toEqual(expected);
  });

  it('removes only the actions whose request lacks the key, and keeps the condition on the rest', () => {
    const r = analyzePolicy(policy(allow({ AWS: ROOT }, ['kms:Decrypt', 'kms:PutKeyPolicy'], { Condition: { StringEquals: { 'kms:EncryptionContext:app': 'billing' } } })), opts);
    const [f] = r.findings;
    expect(f?.checkId).toBe('ACCOUNT_WIDE_USAGE');
    expect(f?.actions).toEqual(['kms:Decrypt']);
    expect(f?.access).toBe('conditional');
    expect(f?.conditionKeys).toEqual(['kms:EncryptionContext:app']);
  });

  // A negated condition on a key PutKeyPolicy never carries is true for every PutKeyPolicy request, so such a Deny
  // does remove PutKeyPolicy in IAM; the engine does not rely on conditional Denies yet (fail closed): it keeps
  // PutKeyPolicy, marked conditional, and never lets such a Deny take more than an unconditional one would.
  it('a Deny with a negated condition on a key the action never carries is not relied on yet: the action stays, conditional', () => {
    const allowAll = allow({ AWS: ROOT }, ADMIN_AND_USE);
    const denyAdmin = deny({ AWS: ROOT }, 'kms:PutKeyPolicy', { Condition: { StringNotEquals: { 'kms:EncryptionContext:app': 'billing' } } });
    const withDeny = analyzePolicy(policy(allowAll, denyAdmin), opts).findings.find((f) => f.checkId === 'ACCOUNT_WIDE_FULL_ACCESS');
    expect(withDeny?.actions).toContain('kms:PutKeyPolicy');
    const unconditional = analyzePolicy(policy(allowAll, deny({ AWS: ROOT }, 'kms:PutKeyPolicy')), opts).findings.find((f) => f.checkId === 'ACCOUNT_WIDE_FULL_ACCESS');
    expect(unconditional?.actions).not.toContain('kms:PutKeyPolicy');
  });
});
