/**
 * `scan`'s effective access against a local AWS API (moto_server): an organisation whose management account
 * (moto's 123456789012, the caller) scans a member account through an assumed role. In the member account: IAM
 * roles, users and a group with inline and managed policies, a permissions boundary on a role, KMS keys (two with
 * KMS's default key policy, in two Regions; one whose policy names a role) with grants, and an SCP that allows
 * no key administration. The JSON must name exactly the principals that can use each key, and say what it could
 * not read when IAM or the organisation's policies are denied (failures injected by client middleware: moto
 * enforces no IAM permission).
 *
 * moto leaves users' permission boundaries out of GetAccountAuthorizationDetails and answers it in one page:
 * test/cli/scan-effective-access.test.ts covers those with SDK mocks.
 */
import {
  AddUserToGroupCommand,
  AttachRolePolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutGroupPolicyCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateGrantCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  AttachPolicyCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand as CreateOrganizationPolicyCommand,
  DetachPolicyCommand,
  EnablePolicyTypeCommand,
  ListAccountsCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { createScanAws, type ScanAws } from '../../cli/aws/scan-aws';
import type { CliIo } from '../../cli/io';
import { main } from '../../cli/main';
import type { EffectiveAccess } from '../../engine';
import { describeWithMoto, MOTO_CREDENTIALS, MOTO_REGION, motoClientConfig, startMoto, type MotoServer } from '../support/moto';

const MANAGEMENT = '123456789012';
const OTHER_REGION = 'eu-west-1';
const ROLE = 'Audit';

interface Out {
  results: { file: string; error?: string; findings: { checkId: string }[]; effectiveAccess?: EffectiveAccess }[];
  notes: string[];
}

const doc = (...statements: Record<string, unknown>[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const TRUST_EC2 = doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' });

/** Fails every call of `command` made by the clients `wrap` is given, as IAM or Organizations would deny it. */
function deny<C extends { middlewareStack: { add: (m: never, o: { step: 'initialize'; name: string }) => void } }>(client: C, command: string, code: string): C {
  client.middlewareStack.add(
    ((next: (args: unknown) => Promise<unknown>, context: { commandName: string }) => async (args: unknown) => {
      if (context.commandName === command) throw Object.assign(new Error(`User is not authorized to perform this action (${command})`), { name: code, $metadata: { httpStatusCode: 403 } });
      return next(args);
    }) as never,
    { step: 'initialize', name: `deny${command}` },
  );
  return client;
}

describeWithMoto('scan: effective access against moto', () => {
  let moto: MotoServer;
  let member = '';
  const keys = { a: '', a2: '', b: '' };
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    moto = await startMoto();
    const config = motoClientConfig(moto.endpoint);
    const orgs = new OrganizationsClient(config);
    await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    await orgs.send(new CreateAccountCommand({ AccountName: 'workloads', Email: 'workloads@example.com' }));
    member = (await orgs.send(new ListAccountsCommand({}))).Accounts?.find((a) => a.Id !== MANAGEMENT)?.Id as string;
    const root = (await orgs.send(new ListRootsCommand({}))).Roots?.[0]?.Id;
    await orgs.send(new EnablePolicyTypeCommand({ RootId: root, PolicyType: 'SERVICE_CONTROL_POLICY' }));
    // The member account allows no key administration: FullAWSAccess is replaced by an allow list.
    const allowList = await orgs.send(
      new CreateOrganizationPolicyCommand({
        Name: 'NoKeyAdministration',
        Description: 'use KMS keys, never administer them',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: doc({ Effect: 'Allow', Action: ['s3:*', 'iam:*', 'sts:*', 'kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:List*'], Resource: '*' }),
      }),
    );
    await orgs.send(new AttachPolicyCommand({ PolicyId: allowList.Policy?.PolicySummary?.Id, TargetId: member }));
    await orgs.send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: member }));

    const assumed = (await new STSClient(config).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${member}:role/${ROLE}`, RoleSessionName: 'setup' }))).Credentials;
    const memberConfig = { ...config, credentials: { accessKeyId: assumed?.AccessKeyId as string, secretAccessKey: assumed?.SecretAccessKey as string, sessionToken: assumed?.SessionToken as string } };
    const iam = new IAMClient(memberConfig);
    const role = async (name: string, inline?: string) => {
      await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST_EC2 }));
      if (inline !== undefined) await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: `${name}-inline`, PolicyDocument: inline }));
    };
    await role('Ops', doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*' }));
    await role('Reader', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }));
    await role('Bounded', doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*' }));
    const s3Only = await iam.send(new CreatePolicyCommand({ PolicyName: 'S3Only', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
    await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'Bounded', PermissionsBoundary: s3Only.Policy?.Arn }));
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'Devs' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'Devs', UserName: 'alice' }));
    await iam.send(new PutGroupPolicyCommand({ GroupName: 'Devs', PolicyName: 'decrypt', PolicyDocument: doc({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }) }));

    const kms = new KMSClient(memberConfig);
    const kmsOther = new KMSClient({ ...memberConfig, region: OTHER_REGION });
    // No Policy: KMS's default key policy, the account's root with kms:*, so IAM decides.
    keys.a = (await kms.send(new CreateKeyCommand({ Description: 'default key policy' }))).KeyMetadata?.Arn as string;
    keys.a2 = (await kmsOther.send(new CreateKeyCommand({ Description: 'default key policy, other Region' }))).KeyMetadata?.Arn as string;
    keys.b = (
      await kms.send(
        new CreateKeyCommand({
          Description: 'names the Reader role only',
          Policy: doc({ Sid: 'ReaderDecrypts', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${member}:role/Reader` }, Action: 'kms:Decrypt', Resource: '*' }),
        }),
      )
    ).KeyMetadata?.Arn as string;
    // The App role may decrypt key A only, by a managed policy naming its ARN.
    await role('App');
    const decryptA = await iam.send(new CreatePolicyCommand({ PolicyName: 'DecryptKeyA', PolicyDocument: doc({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: keys.a }) }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'App', PolicyArn: decryptA.Policy?.Arn }));
    await kms.send(new CreateGrantCommand({ KeyId: keys.a, GranteePrincipal: `arn:aws:iam::${member}:role/Reader`, Operations: ['Decrypt'] }));
    await kms.send(new CreateGrantCommand({ KeyId: keys.b, GranteePrincipal: `arn:aws:iam::${member}:user/bob`, Operations: ['Decrypt'] }));
  });

  afterAll(async () => {
    process.env = savedEnv;
    await moto?.stop();
  });

  /** The CLI's own AWS wiring pointed at moto, counting IAM reads and denying what `denied` names. */
  function scanAws(counts: { iam: number }, denied: { iam?: string; organizations?: string } = {}): ScanAws {
    const aws = createScanAws({ settings: { endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS, maxAttempts: 1 } });
    const patched = new WeakSet<object>();
    return {
      ...aws,
      iam: async (target, partition) => {
        const client = await aws.iam(target, partition);
        if (!patched.has(client)) {
          patched.add(client);
          client.middlewareStack.add(
            (next) => async (args) => {
              counts.iam += 1;
              return next(args);
            },
            { step: 'initialize', name: 'countIamCalls' },
          );
          if (denied.iam !== undefined) deny(client, denied.iam, 'AccessDenied');
        }
        return client;
      },
      organizations: (region) => {
        const client = aws.organizations(region);
        if (denied.organizations !== undefined && !patched.has(client)) {
          patched.add(client);
          deny(client, denied.organizations, 'AccessDeniedException');
        }
        return client;
      },
    };
  }

  async function scan(aws: ScanAws, more: string[] = []): Promise<{ code: number; out: Out; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => '', isTty: false, env: {} };
    const code = await main(['scan', '--role-name', ROLE, '--accounts', member, '--regions', `${MOTO_REGION},${OTHER_REGION}`, '--format', 'json', ...more], io, { scanAws: () => aws });
    return { code, out: JSON.parse(stdout) as Out, stderr };
  }

  const who = (out: Out, key: string) => {
    const ea = out.results.find((r) => r.file === key)?.effectiveAccess;
    return Object.fromEntries((ea?.principals ?? []).map((p) => [p.arn.split(':').pop(), `${p.use}/${p.administer}`]));
  };

  it('names exactly the principals that can use each key, reading the member IAM once for both Regions', async () => {
    const counts = { iam: 0 };
    const { out } = await scan(scanAws(counts));
    for (const key of [keys.a, keys.a2, keys.b]) {
      const ea = out.results.find((r) => r.file === key)?.effectiveAccess;
      expect(ea?.incompleteReasons).toEqual([]);
      expect(ea?.complete).toBe(true);
    }
    // Key A: the account's root and every IAM principal whose policies allow it, but not Bounded (an S3-only
    // boundary) nor bob (no policy); Reader through its grant; App through the managed policy naming key A. The
    // SCP allows no administration, the member's root user included.
    expect(who(out, keys.a)).toEqual({ root: 'unconditional/none', 'role/Ops': 'unconditional/none', 'role/App': 'unconditional/none', 'role/Reader': 'unconditional/none', 'user/alice': 'unconditional/none' });
    // The same policy in the other Region: no grant for Reader, and App's policy names key A only.
    expect(who(out, keys.a2)).toEqual({ root: 'unconditional/none', 'role/Ops': 'unconditional/none', 'user/alice': 'unconditional/none' });
    // Key B trusts no IAM policy: only the role it names, and bob through his grant.
    expect(who(out, keys.b)).toEqual({ 'role/Reader': 'unconditional/none', 'user/bob': 'unconditional/none' });
    const reader = out.results.find((r) => r.file === keys.a)?.effectiveAccess?.principals.find((p) => p.arn.endsWith('role/Reader'));
    expect(reader?.via.map((v) => v.source)).toContain('grant');
    expect(counts.iam).toBe(1);
  });

  it('says it could not read IAM: every key of the account incomplete, no principal, the permission and the role named', async () => {
    const { out, code } = await scan(scanAws({ iam: 0 }, { iam: 'GetAccountAuthorizationDetailsCommand' }));
    expect(code).toBe(1);
    const role = `arn:aws:iam::${member}:role/${ROLE}`;
    for (const key of [keys.a, keys.a2, keys.b]) {
      const ea = out.results.find((r) => r.file === key)?.effectiveAccess;
      expect(ea).toMatchObject({ complete: false, principals: [] });
      expect(ea?.incompleteReasons).toEqual([expect.stringContaining(`iam:GetAccountAuthorizationDetails as ${role} failed (AccessDenied`)]);
      expect(ea?.incompleteReasons[0]).toContain(`grant iam:GetAccountAuthorizationDetails to ${role}`);
    }
    expect(out.notes).toContainEqual(expect.stringContaining(`the IAM of account ${member} could not be read`));
  });

  it('says it could not read the SCPs: the answers are incomplete, their principals a lower bound', async () => {
    const { out } = await scan(scanAws({ iam: 0 }, { organizations: 'ListParentsCommand' }));
    const ea = out.results.find((r) => r.file === keys.a)?.effectiveAccess;
    expect(ea?.complete).toBe(false);
    expect(ea?.incompleteReasons.join('\n')).toContain('organizations:ListParents');
    // Without the SCP the principals IAM lets in may administer too: the answer says what it knows.
    expect(ea?.principals.map((p) => p.arn)).toContain(`arn:aws:iam::${member}:role/Ops`);
    expect(out.notes).toContainEqual(expect.stringMatching(new RegExp(`^effective access: the service control and resource control policies of account ${member} could not be read`)));
  });
});
