import { accountOfPrincipal, parseAwsPrincipal, parseServicePrincipal, partitionOfArn, wholeAccountOf } from '../../engine/principals';

describe('parseAwsPrincipal', () => {
  it.each([
    ['*', 'anyone', undefined],
    ['111122223333', 'account', '111122223333'],
    ['arn:aws:iam::111122223333:root', 'account', '111122223333'],
    ['arn:aws-cn:iam::111122223333:root', 'account', '111122223333'],
    ['arn:aws-us-gov:iam::111122223333:root', 'account', '111122223333'],
  ])('%s is %s', (value, kind, account) => {
    const r = parseAwsPrincipal(value);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.principal.kind).toBe(kind);
      if (r.principal.kind === 'account') expect(r.principal.account).toBe(account);
    }
  });

  it.each([
    ['arn:aws:iam::111122223333:role/Admin', 'role'],
    ['arn:aws:iam::111122223333:role/path/to/Admin', 'role'],
    ['arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling', 'service-linked-role'],
    ['arn:aws:iam::111122223333:user/alice', 'user'],
    ['arn:aws:sts::111122223333:assumed-role/Admin/session-1', 'assumed-role'],
    ['arn:aws-us-gov:sts::111122223333:assumed-role/Admin/s', 'assumed-role'],
    ['arn:aws:sts::111122223333:federated-user/bob', 'federated-user'],
    ['AROAEXAMPLEID1234567', 'unique-id'],
    ['AIDAEXAMPLEID1234567', 'unique-id'],
  ])('%s is a named %s', (value, subtype) => {
    const r = parseAwsPrincipal(value);
    expect(r.ok && r.principal.kind === 'principal' && r.principal.subtype).toBe(subtype);
  });

  it('keeps the account of a named principal', () => {
    const r = parseAwsPrincipal('arn:aws:iam::444455556666:role/X');
    expect(r.ok && r.principal.kind === 'principal' && r.principal.account).toBe('444455556666');
  });

  it.each([
    ['arn:aws:iam::111122223333:role/*', /wildcards/],
    ['arn:aws:iam::1111:root', /not an AWS principal/],
    ['arn:aws:s3:::bucket', /not an AWS principal/],
    ['arn:foo:iam::111122223333:root', /unknown partition/],
    ['alice', /not an AWS principal/],
    ['arn:aws:iam::111122223333:group/Admins', /not a role, user or account root/],
  ])('rejects %s', (value, reason) => {
    const r = parseAwsPrincipal(value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('parseServicePrincipal', () => {
  it.each(['cloudtrail.amazonaws.com', 'logs.us-east-1.amazonaws.com', 'logs.cn-north-1.amazonaws.com.cn', 'LOGS.amazonaws.com'])('accepts %s', (s) => {
    const r = parseServicePrincipal(s);
    expect(r.ok && r.principal.kind === 'service' && r.principal.service).toBe(s.toLowerCase());
  });
  it.each(['*', 'cloudtrail', 'arn:aws:iam::111122223333:root'])('rejects %s', (s) => {
    expect(parseServicePrincipal(s).ok).toBe(false);
  });
});

describe('ARN and account helpers', () => {
  it.each([
    ['arn:aws:iam::111122223333:role/Admin', 'aws', '111122223333', undefined],
    ['arn:aws-cn:iam::111122223333:root', 'aws-cn', '111122223333', '111122223333'],
    ['111122223333', undefined, '111122223333', '111122223333'],
    ['arn:aws:kms:eu-west-1:111122223333:key/abc', 'aws', '111122223333', undefined],
    ['AROAEXAMPLEID', undefined, undefined, undefined],
    ['arn:aws:iam::1111:root', 'aws', undefined, undefined],
  ])('%s: partition %s, account %s, whole account %s', (value, partition, account, whole) => {
    expect(partitionOfArn(value)).toBe(partition);
    expect(accountOfPrincipal(value)).toBe(account);
    expect(wholeAccountOf(value)).toBe(whole);
  });
});
