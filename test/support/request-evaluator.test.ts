/**
 * The witness property's judge, one documented IAM behaviour a row.
 * Sources: IAM User Guide, policy evaluation logic, Principal / NotPrincipal / Action / NotAction /
 * Resource elements, condition operators (…IfExists, Null, negated operators), and single- vs
 * multivalued context keys (ForAnyValue / ForAllValues).
 */
import { evaluateRequest, wildcardMatch, type ContextValue, type Decision, type KmsRequest, type RequestPrincipal } from './request-evaluator';
import { ADMIN_ROLE, APP_ROLE, FOREIGN, OWN, ROOT, type Json } from './policies';

const KEY = `arn:aws:kms:us-east-1:${OWN}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const APP: RequestPrincipal = { type: 'AWS', arn: APP_ROLE, account: OWN };
const ADMIN: RequestPrincipal = { type: 'AWS', arn: ADMIN_ROLE, account: OWN };
const OWN_ROOT: RequestPrincipal = { type: 'AWS', arn: ROOT, account: OWN };
const OUTSIDER: RequestPrincipal = { type: 'AWS', arn: `arn:aws:iam::${FOREIGN}:role/Reader`, account: FOREIGN };
const TRAIL: RequestPrincipal = { type: 'Service', name: 'cloudtrail.amazonaws.com' };
const ANON: RequestPrincipal = { type: 'Anonymous' };

type Row = [name: string, statements: Record<string, Json>[], principal: RequestPrincipal, context: Record<string, ContextValue>, expected: Decision, action?: string];

const allow = (principal: Json, action: Json, extra: Record<string, Json> = {}): Record<string, Json> => ({ Effect: 'Allow', Principal: principal, Action: action, Resource: '*', ...extra });
const deny = (principal: Json, action: Json, extra: Record<string, Json> = {}): Record<string, Json> => ({ Effect: 'Deny', Principal: principal, Action: action, Resource: '*', ...extra });
const when = (operator: string, key: string, value: Json): Record<string, Json> => ({ Condition: { [operator]: { [key]: value } } });

const rows: Row[] = [
  // Evaluation logic
  ['no statement applies: implicit deny', [allow({ AWS: ADMIN_ROLE }, 'kms:Decrypt')], APP, {}, 'deny'],
  ['an Allow applies', [allow({ AWS: APP_ROLE }, 'kms:Decrypt')], APP, {}, 'allow'],
  ['an explicit Deny wins over an Allow', [allow({ AWS: APP_ROLE }, 'kms:Decrypt'), deny('*', 'kms:Decrypt')], APP, {}, 'deny'],
  ['a Deny for another principal does not apply', [allow('*', 'kms:Decrypt'), deny({ AWS: ADMIN_ROLE }, 'kms:Decrypt')], APP, {}, 'allow'],
  // Principal
  ['"*" matches an IAM principal', [allow('*', 'kms:Decrypt')], OUTSIDER, {}, 'allow'],
  ['"*" matches a service principal', [allow('*', 'kms:Decrypt')], TRAIL, {}, 'allow'],
  ['"*" matches an anonymous request', [allow('*', 'kms:Decrypt')], ANON, {}, 'allow'],
  ['{"AWS": "*"} is equivalent to "*"', [allow({ AWS: '*' }, 'kms:Decrypt')], TRAIL, {}, 'allow'],
  ['account root ARN delegates to every principal of the account', [allow({ AWS: ROOT }, 'kms:Decrypt')], APP, {}, 'allow'],
  ['a bare account id is the account root', [allow({ AWS: OWN }, 'kms:Decrypt')], APP, {}, 'allow'],
  ['account root does not match another account', [allow({ AWS: ROOT }, 'kms:Decrypt')], OUTSIDER, {}, 'deny'],
  ['a role ARN matches that role only', [allow({ AWS: APP_ROLE }, 'kms:Decrypt')], ADMIN, {}, 'deny'],
  ['a service principal matches its service', [allow({ Service: 'cloudtrail.amazonaws.com' }, 'kms:Decrypt')], TRAIL, {}, 'allow'],
  ['a service principal does not match an IAM principal', [allow({ Service: 'cloudtrail.amazonaws.com' }, 'kms:Decrypt')], OWN_ROOT, {}, 'deny'],
  ['an AWS principal does not match a service', [allow({ AWS: ROOT }, 'kms:Decrypt')], TRAIL, {}, 'deny'],
  ['a unique id matches the principal with that id', [allow({ AWS: 'AROAEXAMPLEID1234567' }, 'kms:Decrypt')], { ...APP, uniqueId: 'AROAEXAMPLEID1234567' }, {}, 'allow'],
  ['NotPrincipal with Allow: everyone but the named role', [{ Effect: 'Allow', NotPrincipal: { AWS: ADMIN_ROLE }, Action: 'kms:Decrypt', Resource: '*' }], APP, {}, 'allow'],
  ['NotPrincipal with Allow excludes the named role', [{ Effect: 'Allow', NotPrincipal: { AWS: ADMIN_ROLE }, Action: 'kms:Decrypt', Resource: '*' }], ADMIN, {}, 'deny'],
  ['NotPrincipal with Deny spares the named role', [allow({ AWS: ROOT }, 'kms:*'), { Effect: 'Deny', NotPrincipal: { AWS: ADMIN_ROLE }, Action: 'kms:*', Resource: '*' }], ADMIN, {}, 'allow'],
  ['NotPrincipal naming an account, for a role of it: not guessed', [{ Effect: 'Allow', NotPrincipal: { AWS: ROOT }, Action: 'kms:Decrypt', Resource: '*' }], APP, {}, 'unsupported'],
  ['a wildcard inside a principal ARN is not guessed', [allow({ AWS: `arn:aws:iam::${OWN}:role/*` }, 'kms:Decrypt')], APP, {}, 'unsupported'],
  // Action, Resource
  ['kms:* matches every KMS action', [allow({ AWS: APP_ROLE }, 'kms:*')], APP, {}, 'allow', 'kms:PutKeyPolicy'],
  ['action names are case-insensitive', [allow({ AWS: APP_ROLE }, 'KMS:decrypt')], APP, {}, 'allow'],
  ['? matches one character', [allow({ AWS: APP_ROLE }, 'kms:?ecrypt')], APP, {}, 'allow'],
  ['a prefix wildcard matches only its prefix', [allow({ AWS: APP_ROLE }, 'kms:Generate*')], APP, {}, 'deny'],
  ['NotAction allows every other action', [{ Effect: 'Allow', Principal: { AWS: APP_ROLE }, NotAction: 'kms:Decrypt', Resource: '*' }], APP, {}, 'allow', 'kms:Encrypt'],
  ['NotAction does not allow the named action', [{ Effect: 'Allow', Principal: { AWS: APP_ROLE }, NotAction: 'kms:Decrypt', Resource: '*' }], APP, {}, 'deny'],
  ['a non-KMS action does not match', [allow({ AWS: APP_ROLE }, 's3:*')], APP, {}, 'deny'],
  ['a Resource of another service does not match the key', [{ ...allow({ AWS: APP_ROLE }, 'kms:Decrypt'), Resource: 'arn:aws:s3:::bucket' }], APP, {}, 'deny'],
  ['a Resource naming the key matches', [{ ...allow({ AWS: APP_ROLE }, 'kms:Decrypt'), Resource: `arn:aws:kms:*:${OWN}:key/*` }], APP, {}, 'allow'],
  // Plain operators on present and absent keys
  ['StringEquals on a matching value', [allow('*', 'kms:Decrypt', when('StringEquals', 'kms:CallerAccount', OWN))], APP, { 'kms:calleraccount': OWN }, 'allow'],
  ['StringEquals is case-sensitive in values', [allow('*', 'kms:Decrypt', when('StringEquals', 'kms:ViaService', 'S3.us-east-1.amazonaws.com'))], APP, { 'kms:viaservice': 's3.us-east-1.amazonaws.com' }, 'deny'],
  ['condition key names are case-insensitive', [allow('*', 'kms:Decrypt', when('StringEquals', 'KMS:CALLERACCOUNT', OWN))], APP, { 'kms:calleraccount': OWN }, 'allow'],
  ['StringEqualsIgnoreCase ignores the case of values', [allow('*', 'kms:Decrypt', when('StringEqualsIgnoreCase', 'kms:ViaService', 'S3.US-EAST-1.amazonaws.com'))], APP, { 'kms:viaservice': 's3.us-east-1.amazonaws.com' }, 'allow'],
  ['several values of one key: any may match', [allow('*', 'kms:Decrypt', when('StringEquals', 'aws:PrincipalAccount', [FOREIGN, OWN]))], APP, { 'aws:principalaccount': OWN }, 'allow'],
  ['several keys: all must match', [allow('*', 'kms:Decrypt', { Condition: { StringEquals: { 'aws:PrincipalAccount': OWN, 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } } })], APP, { 'aws:principalaccount': OWN }, 'deny'],
  ['a plain operator on an absent key is false', [allow('*', 'kms:Decrypt', when('StringEquals', 'aws:SourceAccount', OWN))], APP, {}, 'deny'],
  ['a negated operator on an absent key is true', [allow('*', 'kms:Decrypt', when('StringNotEquals', 'aws:SourceAccount', FOREIGN))], APP, {}, 'allow'],
  ['StringNotEquals: the value must match none of the values', [allow('*', 'kms:Decrypt', when('StringNotEquals', 'aws:PrincipalAccount', [FOREIGN, OWN]))], APP, { 'aws:principalaccount': OWN }, 'deny'],
  ['…IfExists on an absent key is true', [allow('*', 'kms:Decrypt', when('StringEqualsIfExists', 'kms:ViaService', 'ec2.us-east-1.amazonaws.com'))], APP, {}, 'allow'],
  ['…IfExists on a present key tests it', [allow('*', 'kms:Decrypt', when('StringEqualsIfExists', 'kms:ViaService', 'ec2.us-east-1.amazonaws.com'))], APP, { 'kms:viaservice': 's3.us-east-1.amazonaws.com' }, 'deny'],
  ['StringLike with *', [allow('*', 'kms:Decrypt', when('StringLike', 'aws:userid', 'AROAEXAMPLE:*'))], APP, { 'aws:userid': 'AROAEXAMPLE:alice' }, 'allow'],
  ['StringNotLike on a matching value is false', [allow('*', 'kms:Decrypt', when('StringNotLike', 'aws:userid', 'AROAEXAMPLE:*'))], APP, { 'aws:userid': 'AROAEXAMPLE:alice' }, 'deny'],
  ['ArnLike wildcard within the resource part', [allow('*', 'kms:Decrypt', when('ArnLike', 'aws:PrincipalArn', `arn:aws:iam::${OWN}:role/A*`))], APP, { 'aws:principalarn': APP_ROLE }, 'allow'],
  ['ArnLike does not let * cross into the account part', [allow('*', 'kms:Decrypt', when('ArnLike', 'aws:PrincipalArn', 'arn:aws:iam::*role/App'))], APP, { 'aws:principalarn': APP_ROLE }, 'deny'],
  ['ArnNotEquals on the named ARN is false', [allow('*', 'kms:Decrypt', when('ArnNotEquals', 'aws:PrincipalArn', APP_ROLE))], APP, { 'aws:principalarn': APP_ROLE }, 'deny'],
  ['Bool compares true/false', [allow('*', 'kms:Decrypt', when('Bool', 'aws:PrincipalIsAWSService', 'true'))], TRAIL, { 'aws:principalisawsservice': true }, 'allow'],
  ['Bool false against true', [allow('*', 'kms:Decrypt', when('Bool', 'aws:PrincipalIsAWSService', 'true'))], APP, { 'aws:principalisawsservice': false }, 'deny'],
  ['Null true: the key is absent', [allow('*', 'kms:Decrypt', when('Null', 'aws:SourceArn', 'true'))], APP, {}, 'allow'],
  ['Null false: the key is present', [allow('*', 'kms:Decrypt', when('Null', 'aws:SourceArn', 'false'))], APP, {}, 'deny'],
  ['NumericLessThanEquals', [allow('*', 'kms:ScheduleKeyDeletion', when('NumericLessThanEquals', 'kms:ScheduleKeyDeletionPendingWindowInDays', '10'))], APP, { 'kms:schedulekeydeletionpendingwindowindays': '7' }, 'allow', 'kms:ScheduleKeyDeletion'],
  ['NumericGreaterThan, not met', [allow('*', 'kms:ScheduleKeyDeletion', when('NumericGreaterThan', 'kms:ScheduleKeyDeletionPendingWindowInDays', '10'))], APP, { 'kms:schedulekeydeletionpendingwindowindays': '7' }, 'deny', 'kms:ScheduleKeyDeletion'],
  ['DateLessThan', [allow('*', 'kms:Decrypt', when('DateLessThan', 'aws:CurrentTime', '2030-01-01T00:00:00Z'))], APP, { 'aws:currenttime': '2026-12-05T12:00:00Z' }, 'allow'],
  ['IpAddress inside the CIDR', [allow('*', 'kms:Decrypt', when('IpAddress', 'aws:SourceIp', '203.0.113.0/24'))], APP, { 'aws:sourceip': '203.0.113.9' }, 'allow'],
  ['NotIpAddress for an address inside the CIDR', [allow('*', 'kms:Decrypt', when('NotIpAddress', 'aws:SourceIp', '203.0.113.0/24'))], APP, { 'aws:sourceip': '203.0.113.9' }, 'deny'],
  // Set operators
  ['ForAnyValue: one request value in the set', [allow('*', 'kms:Decrypt', when('ForAnyValue:StringEquals', 'kms:EncryptionContextKeys', ['a', 'b']))], APP, { 'kms:encryptioncontextkeys': ['b', 'z'] }, 'allow'],
  ['ForAnyValue on an absent key is false', [allow('*', 'kms:Decrypt', when('ForAnyValue:StringEquals', 'kms:EncryptionContextKeys', ['a']))], APP, {}, 'deny'],
  ['ForAnyValue on an empty set is false', [allow('*', 'kms:Decrypt', when('ForAnyValue:StringEquals', 'kms:EncryptionContextKeys', ['a']))], APP, { 'kms:encryptioncontextkeys': [] }, 'deny'],
  ['ForAllValues: every request value in the set', [allow('*', 'kms:Decrypt', when('ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['a', 'b']))], APP, { 'kms:encryptioncontextkeys': ['a', 'b'] }, 'allow'],
  ['ForAllValues: one value outside the set', [allow('*', 'kms:Decrypt', when('ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['a']))], APP, { 'kms:encryptioncontextkeys': ['a', 'z'] }, 'deny'],
  ['ForAllValues on an absent key is true', [allow('*', 'kms:Decrypt', when('ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['a']))], APP, {}, 'allow'],
  ['ForAllValues on an empty set is true', [allow('*', 'kms:Decrypt', when('ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['a']))], APP, { 'kms:encryptioncontextkeys': [] }, 'allow'],
  ['ForAnyValue on a single-valued key present', [allow('*', 'kms:Decrypt', when('ForAnyValue:StringEquals', 'kms:ViaService', 's3.us-east-1.amazonaws.com'))], APP, { 'kms:viaservice': 's3.us-east-1.amazonaws.com' }, 'allow'],
  ['ForAllValues:StringNotEquals: no request value in the set', [allow('*', 'kms:Decrypt', when('ForAllValues:StringNotEquals', 'kms:GrantOperations', ['CreateGrant']))], APP, { 'kms:grantoperations': ['Decrypt', 'CreateGrant'] }, 'deny', 'kms:CreateGrant'],
  ['ForAnyValue:StringEqualsIfExists on an absent key is true', [allow('*', 'kms:Decrypt', when('ForAnyValue:StringEqualsIfExists', 'kms:EncryptionContextKeys', ['a']))], APP, {}, 'allow'],
  ['a single-valued operator on a multivalued value is not guessed', [allow('*', 'kms:Decrypt', when('StringEquals', 'kms:EncryptionContextKeys', 'a'))], APP, { 'kms:encryptioncontextkeys': ['a'] }, 'unsupported'],
  // What the evaluator refuses to guess
  ['a policy variable is not guessed', [allow('*', 'kms:Decrypt', when('StringEquals', 'aws:SourceAccount', '${aws:ResourceAccount}'))], TRAIL, { 'aws:sourceaccount': OWN }, 'unsupported'],
  ['an unknown operator is not guessed', [allow('*', 'kms:Decrypt', when('StringSortOf', 'aws:SourceAccount', OWN))], TRAIL, {}, 'unsupported'],
  ['an undecidable Allow does not hide a Deny that applies', [allow('*', 'kms:Decrypt', when('BinaryEquals', 'x', 'AA==')), deny('*', 'kms:Decrypt')], APP, {}, 'deny'],
  ['an undecidable Deny leaves the request undecided', [allow('*', 'kms:Decrypt'), deny('*', 'kms:Decrypt', when('BinaryEquals', 'x', 'AA=='))], APP, {}, 'unsupported'],
  ['an Allow that applies wins over an undecidable Allow', [allow('*', 'kms:Decrypt'), allow('*', 'kms:Decrypt', when('BinaryEquals', 'x', 'AA=='))], APP, {}, 'allow'],
];

describe('request evaluator', () => {
  it('has a row for each documented behaviour', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
  });

  it.each(rows)('%s', (_name, statements, principal, context, expected, action = 'kms:Decrypt') => {
    const request: KmsRequest = { principal, action, resource: KEY, context };
    expect(evaluateRequest({ Version: '2012-10-17', Statement: statements }, request)).toBe(expected);
  });

  it.each<[string, string, boolean]>([
    ['kms:*', 'kms:Decrypt', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbY', false],
    ['??', 'ab', true],
    ['??', 'abc', false],
    ['', '', true],
  ])('wildcard %s against %s', (pattern, text, expected) => {
    expect(wildcardMatch(pattern, text)).toBe(expected);
  });
});
