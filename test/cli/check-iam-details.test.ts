import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EffectiveAccess } from '../../engine';
import { runCli } from '../support/cli';

const ACCOUNT = '111122223333';
const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const dir = mkdtempSync(join(tmpdir(), 'kpg-iam-'));

const doc = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
const role = (name: string, policy: unknown) => ({
  Path: '/',
  RoleName: name,
  Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
  AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }),
  // As the AWS CLI prints them: decoded objects.
  RolePolicyList: [{ PolicyName: 'p', PolicyDocument: policy }],
  AttachedManagedPolicies: [],
});

// The README's worked example: a default key policy, three roles, one with kms:* on *.
const details = join(dir, 'details.json');
writeFileSync(
  details,
  JSON.stringify({
    RoleDetailList: [
      role('app-reader', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' })),
      role('data-processor', doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*' })),
      role('one-key', doc({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_ARN })),
    ],
    UserDetailList: [],
    GroupDetailList: [],
    Policies: [],
  }),
);
const keyPolicy = join(dir, 'key-policy.json');
writeFileSync(keyPolicy, JSON.stringify(doc({ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' })));

interface Out {
  results: { file: string; effectiveAccess?: EffectiveAccess }[];
  notes: string[];
}

describe('check --iam-details', () => {
  it('adds effectiveAccess to each JSON entry, incomplete offline (no grants, no organisation policies)', async () => {
    const r = await runCli(['check', '--format', 'json', '--fail-on', 'none', '--iam-details', details, '--key-arn', KEY_ARN, keyPolicy]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Out;
    const ea = out.results[0]?.effectiveAccess;
    expect(ea?.principals.map((p) => [p.arn, p.use, p.administer])).toEqual([
      [`arn:aws:iam::${ACCOUNT}:role/data-processor`, 'unconditional', 'unconditional'],
      [`arn:aws:iam::${ACCOUNT}:role/one-key`, 'unconditional', 'none'],
      [`arn:aws:iam::${ACCOUNT}:root`, 'unconditional', 'unconditional'],
    ]);
    expect(ea?.complete).toBe(false);
    expect(ea?.incompleteReasons).toEqual([expect.stringContaining("the key's grants are unknown"), expect.stringContaining('organisation policies not given')]);
    expect(ea?.notCovered).toContainEqual(expect.stringContaining('session policies'));
    expect(out.notes).toContainEqual(`--iam-details ${details}: 3 roles and users of account ${ACCOUNT} judged (and its root user)`);
  });

  it('without --key-arn judges the policy as an unknown key of the account: a role naming one key is conditional', async () => {
    const r = await runCli(['check', '--format', 'json', '--fail-on', 'none', '--iam-details', details, keyPolicy]);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.results[0]?.effectiveAccess?.principals.find((p) => p.arn.endsWith('role/one-key'))).toMatchObject({ use: 'conditional' });
    expect(out.notes).toContainEqual(expect.stringContaining(`no --key-arn given: each policy is judged as a key of account ${ACCOUNT} whose ARN is unknown (arn:aws:kms:*:${ACCOUNT}:key/*)`));
  });

  it('text output names the count and the first principals', async () => {
    const r = await runCli(['check', '--fail-on', 'none', '--iam-details', details, '--key-arn', KEY_ARN, keyPolicy]);
    // Under the account-wide finding; offline the answer is a lower bound (no grants, no organisation policies).
    expect(r.stdout).toMatch(/ACCOUNT_WIDE_[A-Z_]+.*\n.*\n\s+effective access \(key policy, grants and IAM\): at least 3 principals of the account can use or administer the key:/);
    for (const name of ['role/data-processor', 'role/one-key', 'root']) expect(r.stdout).toContain(`arn:aws:iam::${ACCOUNT}:${name} (use `);
    expect(r.stdout).toContain('incomplete: ');
  });

  it.each([
    ['not JSON', '{"RoleDetailList": [', 'is not JSON'],
    ['not the details', '{"Statement": []}', 'have none of UserDetailList'],
    ['details of another account', JSON.stringify({ RoleDetailList: [role('x', doc())].map((r) => ({ ...r, Arn: 'arn:aws:iam::444455556666:role/x' })) }), 'describes account 444455556666, not 111122223333'],
  ])('a file that is %s is a usage error naming it', async (_name, text, message) => {
    const file = join(dir, `bad-${message.length}.json`);
    writeFileSync(file, text);
    const r = await runCli(['check', '--iam-details', file, '--account-id', ACCOUNT, keyPolicy]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--iam-details');
    expect(r.stderr).toContain(message);
    if (message !== 'describes account 444455556666, not 111122223333') expect(r.stderr).toContain(file);
  });

  it('a missing file and a bad --key-arn are usage errors', async () => {
    const missing = await runCli(['check', '--iam-details', join(dir, 'missing.json'), keyPolicy]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--iam-details: cannot read ${join(dir, 'missing.json')}`);
    const badArn = await runCli(['check', '--iam-details', details, '--key-arn', 'arn:aws:kms:eu-west-1:111122223333:alias/x', keyPolicy]);
    expect(badArn.code).toBe(2);
    expect(badArn.stderr).toContain('--key-arn: "arn:aws:kms:eu-west-1:111122223333:alias/x" is not a KMS key ARN');
  });

  it('a document it cannot read is listed in the answer and makes it incomplete', async () => {
    const broken = join(dir, 'broken-doc.json');
    writeFileSync(broken, JSON.stringify({ RoleDetailList: [{ ...role('b', '%7B%22Statement'), RolePolicyList: [{ PolicyName: 'p', PolicyDocument: '%7B%22Statement' }] }] }));
    const r = await runCli(['check', '--format', 'json', '--fail-on', 'none', '--iam-details', broken, '--key-arn', KEY_ARN, keyPolicy]);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.results[0]?.effectiveAccess?.incompleteReasons).toContainEqual(expect.stringContaining('IAM details: RoleDetailList[0].RolePolicyList[0] (inline policy p of role b).PolicyDocument: the policy document is not valid JSON'));
    expect(out.notes).toContainEqual(expect.stringContaining('1 document could not be read'));
  });
});
