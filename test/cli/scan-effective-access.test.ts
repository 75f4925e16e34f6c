/**
 * `scan`'s effective access with mocked AWS (aws-sdk-client-mock): IAM read once per account and reused across
 * Regions, every page of GetAccountAuthorizationDetails, users' permission boundaries (which moto omits), the
 * member account's IAM read through the role assumed there and the organisation's SCPs through the caller's
 * own credentials, and what is said when IAM or the SCPs cannot be read.
 */
import { GetAccountAuthorizationDetailsCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListAliasesCommand, ListGrantsCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { DescribeOrganizationCommand, DescribePolicyCommand, ListParentsCommand, ListPoliciesForTargetCommand, ListRootsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { EffectiveAccess } from '../../engine';
import { runCli } from '../support/cli';
import { OWN, ROOT, allow, policy } from '../support/policies';

const kms = mockClient(KMSClient);
const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const org = mockClient(OrganizationsClient);

const MEMBER = '222222222222';
const REGIONS = ['eu-west-1', 'us-east-1'];
const awsError = (name: string) => Object.assign(new Error(`${name} (test)`), { name, $metadata: { httpStatusCode: 400 } });
const keyArn = (account: string, region: string) => `arn:aws:kms:${region}:${account}:key/key-1`;
/** KMS's default key policy: the account's root, kms:*, so IAM decides. */
const DEFAULT_KEY_POLICY = (account: string) => JSON.stringify(policy({ Sid: 'Enable IAM User Permissions', ...allow({ AWS: `arn:aws:iam::${account}:root` }, 'kms:*') }));

/** A document as IAM returns it: URL-encoded JSON text. */
const encoded = (statements: Record<string, unknown>[]) => encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: statements }));
const kmsAll = { Effect: 'Allow', Action: 'kms:*', Resource: '*' };
const s3Only = { Effect: 'Allow', Action: 's3:*', Resource: '*' };
const TRUST_EC2 = encoded([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
const S3_BOUNDARY = (account: string) => `arn:aws:iam::${account}:policy/S3Only`;

function role(account: string, name: string, inline: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return {
    RoleName: name,
    RoleId: `AROA${name.toUpperCase()}`,
    Arn: `arn:aws:iam::${account}:role/${name}`,
    Path: '/',
    AssumeRolePolicyDocument: TRUST_EC2,
    RolePolicyList: [{ PolicyName: `${name}-inline`, PolicyDocument: encoded(inline) }],
    AttachedManagedPolicies: [],
    ...extra,
  };
}

function user(account: string, name: string, inline: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return {
    UserName: name,
    UserId: `AIDA${name.toUpperCase()}`,
    Arn: `arn:aws:iam::${account}:user/${name}`,
    Path: '/',
    UserPolicyList: inline.length === 0 ? [] : [{ PolicyName: `${name}-inline`, PolicyDocument: encoded(inline) }],
    AttachedManagedPolicies: [],
    GroupList: [],
    ...extra,
  };
}

const s3OnlyPolicy = (account: string) => ({
  PolicyName: 'S3Only',
  PolicyId: 'ANPAS3ONLY',
  Arn: S3_BOUNDARY(account),
  Path: '/',
  DefaultVersionId: 'v1',
  PolicyVersionList: [{ Document: encoded([s3Only]), VersionId: 'v1', IsDefaultVersion: true }],
});

/**
 * The account's IAM in two pages: Ops (kms:* on *), Reader (s3 only), a role whose kms:* is cut by an S3-only
 * boundary; then alice (kms:Decrypt through her group Devs), and bob (kms:* cut by an S3-only boundary on the user).
 */
function iamPages(account: string) {
  return [
    {
      RoleDetailList: [
        role(account, 'Ops', [kmsAll]),
        role(account, 'Reader', [s3Only]),
        role(account, 'Bounded', [kmsAll], { PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: S3_BOUNDARY(account) } }),
      ],
      UserDetailList: [],
      GroupDetailList: [],
      Policies: [s3OnlyPolicy(account)],
      IsTruncated: true,
      Marker: 'page-2',
    },
    {
      RoleDetailList: [],
      UserDetailList: [
        user(account, 'alice', [], { GroupList: ['Devs'] }),
        // moto leaves users' boundaries out of GetAccountAuthorizationDetails; IAM includes them.
        user(account, 'bob', [kmsAll], { PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: S3_BOUNDARY(account) } }),
      ],
      GroupDetailList: [
        {
          GroupName: 'Devs',
          GroupId: 'AGPADEVS',
          Arn: `arn:aws:iam::${account}:group/Devs`,
          Path: '/',
          GroupPolicyList: [{ PolicyName: 'decrypt', PolicyDocument: encoded([{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: `arn:aws:kms:*:${account}:key/*` }]) }],
          AttachedManagedPolicies: [],
        },
      ],
      Policies: [],
      IsTruncated: false,
    },
  ];
}

/** The account a client acts in: the assumed role's credentials name it (AKIA<account>); the caller's are AKIACALLER. */
async function accountOf(getClient: () => { config: { credentials: () => Promise<{ accessKeyId: string }> } }): Promise<string> {
  const id = (await getClient().config.credentials()).accessKeyId;
  return id === 'AKIACALLER' ? OWN : id.slice(4);
}

/** One key (default key policy) per account and Region, no grants, no aliases; IAM in two pages per account. */
function mockAccounts(): void {
  kms.on(ListKeysCommand).callsFake(async (_input, getClient) => {
    const client = getClient();
    const [account, region] = [await accountOf(() => client), await client.config.region()];
    return { Keys: [{ KeyId: 'key-1', KeyArn: keyArn(account, region) }], Truncated: false };
  });
  kms.on(ListAliasesCommand).resolves({ Aliases: [], Truncated: false });
  kms.on(ListGrantsCommand).resolves({ Grants: [], Truncated: false });
  kms.on(DescribeKeyCommand).callsFake(async (_input, getClient) => {
    const client = getClient();
    const [account, region] = [await accountOf(() => client), await client.config.region()];
    return { KeyMetadata: { KeyId: 'key-1', Arn: keyArn(account, region), KeyManager: 'CUSTOMER', KeyState: 'Enabled' } };
  });
  kms.on(GetKeyPolicyCommand).callsFake(async (_input, getClient) => ({ Policy: DEFAULT_KEY_POLICY(await accountOf(getClient)), PolicyName: 'default' }));
  iam.on(GetAccountAuthorizationDetailsCommand).callsFake(async (input: { Marker?: string }, getClient) => {
    const pages = iamPages(await accountOf(getClient));
    return input.Marker === 'page-2' ? pages[1] : pages[0];
  });
}

interface Out {
  results: { file: string; findings: { checkId: string }[]; effectiveAccess?: EffectiveAccess }[];
  notes: string[];
}

/** The organisation's root, SCPs enabled (RCPs not). */
const ROOT_WITH_SCPS = { Roots: [{ Id: 'r-root', PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY' as const, Status: 'ENABLED' as const }] }] };

const savedEnv = { ...process.env };

beforeEach(() => {
  kms.reset();
  sts.reset();
  iam.reset();
  org.reset();
  process.env.AWS_ACCESS_KEY_ID = 'AKIACALLER';
  process.env.AWS_SECRET_ACCESS_KEY = 'caller-secret';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  sts.on(GetCallerIdentityCommand).resolves({ Account: OWN, Arn: `arn:aws:sts::${OWN}:assumed-role/Auditor/session`, UserId: 'AROA:session' });
  sts.on(AssumeRoleCommand).callsFake(async (input: { RoleArn: string }) => {
    const account = input.RoleArn.split(':')[4] as string;
    return { Credentials: { AccessKeyId: `AKIA${account}`, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3600_000) } };
  });
  org.on(DescribeOrganizationCommand).rejects(awsError('AWSOrganizationsNotInUseException'));
  mockAccounts();
});

afterAll(() => {
  process.env = savedEnv;
});

const scanJson = async (args: string[]) => {
  const r = await runCli(['scan', '--format', 'json', ...args]);
  return { ...r, out: JSON.parse(r.stdout) as Out };
};
const summary = (ea: EffectiveAccess | undefined) => ea?.principals.map((p) => [p.arn, p.use, p.administer]);

describe('scan: effective access', () => {
  it('names who can use each key, reading IAM once per account (every page) for all its Regions', async () => {
    const { out, code } = await scanJson(['--regions', REGIONS.join(',')]);
    expect(code).toBe(1);
    expect(out.results.map((r) => r.file)).toEqual(REGIONS.map((region) => keyArn(OWN, region)));
    for (const r of out.results) {
      expect(r.findings.map((f) => f.checkId)).toContain('ACCOUNT_WIDE_FULL_ACCESS');
      expect(r.effectiveAccess?.incompleteReasons).toEqual([]);
      expect(r.effectiveAccess?.complete).toBe(true);
      // Not Reader (no kms), not Bounded (its role boundary allows only s3), not bob (his user boundary, the
      // field moto omits); alice through her group's policy, which names keys of the account in any Region.
      expect(summary(r.effectiveAccess)).toEqual([
        [`arn:aws:iam::${OWN}:role/Ops`, 'unconditional', 'unconditional'],
        [ROOT, 'unconditional', 'unconditional'],
        [`arn:aws:iam::${OWN}:user/alice`, 'unconditional', 'none'],
      ]);
    }
    // Two pages, once: not once per Region or per key.
    const calls = iam.commandCalls(GetAccountAuthorizationDetailsCommand);
    expect(calls.map((c) => c.args[0].input.Marker)).toEqual([undefined, 'page-2']);
    expect(out.notes).toEqual([]);
  });

  it('says which policy decides each principal', async () => {
    const { out } = await scanJson(['--regions', 'eu-west-1']);
    const ea = out.results[0]?.effectiveAccess;
    const alice = ea?.principals.find((p) => p.arn.endsWith('user/alice'));
    expect(alice?.via).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: 'key-policy', effect: 'Allow', statementIndex: 0 }),
        expect.objectContaining({ source: 'identity-policy', effect: 'Allow', policy: 'inline:group/Devs/decrypt', statementIndex: 0 }),
      ]),
    );
  });

  it('reports IAM it cannot read as incomplete, naming the permission and the principal, never as nobody', async () => {
    iam.on(GetAccountAuthorizationDetailsCommand).rejects(awsError('AccessDenied'));
    const { out, code, stderr } = await scanJson(['--regions', REGIONS.join(',')]);
    // The key policies were judged: the exit code is the findings'.
    expect(code).toBe(1);
    const permission = `grant iam:GetAccountAuthorizationDetails to arn:aws:iam::${OWN}:role/Auditor`;
    for (const r of out.results) {
      expect(r.effectiveAccess).toMatchObject({ complete: false, principals: [] });
      expect(r.effectiveAccess?.incompleteReasons).toEqual([expect.stringContaining(permission)]);
      expect(r.effectiveAccess?.incompleteReasons[0]).toContain('iam:GetAccountAuthorizationDetails as arn:aws:iam::111122223333:role/Auditor failed (AccessDenied');
      expect(r.effectiveAccess?.notCovered.length).toBeGreaterThan(0);
    }
    expect(out.notes).toEqual([expect.stringMatching(/^effective access: the IAM of account 111122223333 could not be read: .*grant iam:GetAccountAuthorizationDetails to arn:aws:iam::111122223333:role\/Auditor; every key of account 111122223333 has an incomplete answer naming no principal$/)]);
    expect(stderr).toContain('effective access incomplete for 2 keys');
    // One failed read per account, not per key (the reader's retries aside, AccessDenied is not retried).
    expect(iam.commandCalls(GetAccountAuthorizationDetailsCommand)).toHaveLength(1);
  });

  it('in an organisation scan reads each member IAM through the role assumed there, and the SCPs with the caller’s own credentials', async () => {
    org.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-abc', MasterAccountId: OWN, FeatureSet: 'ALL' } });
    org.on(ListRootsCommand).resolves(ROOT_WITH_SCPS);
    org.on(ListParentsCommand).resolves({ Parents: [{ Id: 'r-root', Type: 'ROOT' }] });
    org.on(ListPoliciesForTargetCommand).callsFake(async (input: { TargetId: string }) => {
      return { Policies: [{ Id: input.TargetId === 'r-root' ? 'p-full' : 'p-decrypt-only', Name: input.TargetId === 'r-root' ? 'FullAWSAccess' : 'S3AndDecryptOnly' }] };
    });
    org.on(DescribePolicyCommand).callsFake(async (input: { PolicyId: string }) => ({
      Policy: {
        PolicySummary: { Id: input.PolicyId },
        Content:
          input.PolicyId === 'p-full'
            ? JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] })
            : JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 'kms:Decrypt'], Resource: '*' }] }),
      },
    }));
    const { out } = await scanJson(['--role-name', 'Audit', '--accounts', MEMBER, '--regions', 'eu-west-1']);
    const member = out.results.find((r) => r.file === keyArn(MEMBER, 'eu-west-1'));
    // The account's SCP allows no kms action but Decrypt: nobody administers the key, the root user included.
    expect(summary(member?.effectiveAccess)).toEqual([
      [`arn:aws:iam::${MEMBER}:role/Ops`, 'unconditional', 'none'],
      [`arn:aws:iam::${MEMBER}:root`, 'unconditional', 'none'],
      [`arn:aws:iam::${MEMBER}:user/alice`, 'unconditional', 'none'],
    ]);
    expect(member?.effectiveAccess?.complete).toBe(true);
    for (const c of iam.commandCalls(GetAccountAuthorizationDetailsCommand)) {
      await expect(c.thisValue.config.credentials()).resolves.toMatchObject({ accessKeyId: `AKIA${MEMBER}` });
    }
    expect(org.commandCalls(ListParentsCommand).map((c) => c.args[0].input)).toEqual([{ ChildId: MEMBER }]);
    for (const c of org.send.getCalls()) await expect(c.thisValue.config.credentials()).resolves.toMatchObject({ accessKeyId: 'AKIACALLER' });
  });

  it('says when the SCPs cannot be read, once for the accounts that share the reason, and leaves the answers incomplete', async () => {
    org.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-abc', MasterAccountId: '999999999999', FeatureSet: 'ALL' } });
    org.on(ListRootsCommand).resolves(ROOT_WITH_SCPS);
    org.on(ListParentsCommand).rejects(awsError('AccessDeniedException'));
    const { out, code } = await scanJson(['--regions', REGIONS.join(',')]);
    expect(code).toBe(1);
    for (const r of out.results) {
      expect(r.effectiveAccess?.complete).toBe(false);
      expect(r.effectiveAccess?.incompleteReasons.join('\n')).toContain('organizations:ListParents');
      // The principals IAM and the key policy let in are still named: a lower bound.
      expect(r.effectiveAccess?.principals.map((p) => p.arn)).toContain(`arn:aws:iam::${OWN}:role/Ops`);
    }
    expect(out.notes).toEqual([
      expect.stringMatching(/^effective access: the service control and resource control policies of account 111122223333 could not be read \(organizations:ListParents was denied .*\); the answers for their keys are incomplete$/),
    ]);
  });

  it('with --no-effective-access makes no IAM or Organizations call and adds no field', async () => {
    const { out } = await scanJson(['--regions', 'eu-west-1', '--no-effective-access']);
    expect(out.results).toHaveLength(1);
    expect(out.results[0]).not.toHaveProperty('effectiveAccess');
    expect(iam.send.callCount).toBe(0);
    expect(org.send.callCount).toBe(0);
  });

  it('prints the count and the first principals under the account-wide finding in text', async () => {
    const r = await runCli(['scan', '--regions', 'eu-west-1']);
    const lines = r.stdout.split('\n');
    const finding = lines.findIndex((l) => l.includes('ACCOUNT_WIDE_FULL_ACCESS'));
    expect(finding).toBeGreaterThan(0);
    expect(lines.slice(finding + 2, finding + 6).map((l) => l.trim())).toEqual([
      'effective access (key policy, grants and IAM): 3 principals of the account can use or administer the key:',
      `arn:aws:iam::${OWN}:role/Ops (use unconditional, administer unconditional)`,
      `${ROOT} (use unconditional, administer unconditional)`,
      `arn:aws:iam::${OWN}:user/alice (use unconditional)`,
    ]);
  });

  it('says in text that the answer is unknown, and why, when IAM cannot be read', async () => {
    iam.on(GetAccountAuthorizationDetailsCommand).rejects(awsError('AccessDenied'));
    const r = await runCli(['scan', '--regions', 'eu-west-1']);
    const lines = r.stdout.split('\n').map((l) => l.trim());
    const start = lines.findIndex((l) => l.startsWith('effective access'));
    expect(lines[start]).toBe('effective access: unknown, nothing could be judged (see below)');
    expect(lines[start + 1]).toMatch(/^incomplete: the IAM of account 111122223333 could not be read: iam:GetAccountAuthorizationDetails as arn:aws:iam::111122223333:role\/Auditor failed \(AccessDenied/);
    expect(r.stderr).toContain("kms-policy-guard: effective access incomplete for 1 key (each key's effectiveAccess.incompleteReasons says why)\n");
  });

  it('in an organisation scan reads each account’s IAM once, whatever the number of its Regions and keys', async () => {
    const third = '333333333333';
    const { out } = await scanJson(['--role-name', 'Audit', '--accounts', `${MEMBER},${third}`, '--regions', REGIONS.join(',')]);
    expect(out.results).toHaveLength(4);
    const byAccount = new Map<string, number>();
    for (const c of iam.commandCalls(GetAccountAuthorizationDetailsCommand)) {
      const account = (await c.thisValue.config.credentials()).accessKeyId.slice(4);
      byAccount.set(account, (byAccount.get(account) ?? 0) + 1);
    }
    // Two pages each.
    expect(Object.fromEntries(byAccount)).toEqual({ [MEMBER]: 2, [third]: 2 });
    for (const r of out.results) expect(r.effectiveAccess?.principals.map((p) => p.arn.split(':')[4])).toEqual([r.file.split(':')[4], r.file.split(':')[4], r.file.split(':')[4]]);
  });
});
