/**
 * `scan --security-hub` against moto's Security Hub over HTTP: a scan imports its findings; after one key's policy
 * is fixed (PutKeyPolicy), a re-scan sends that key's findings again ARCHIVED and PASSED, keeps the other key's
 * ACTIVE, and leaves another product's finding alone.
 *
 * moto ignores GetFindings filters (it answers every stored finding) and merges a re-imported finding into the
 * stored one: the test asserts on the BatchImportFindings bodies the CLI sent (recorded by client middleware)
 * and on the stored findings' latest fields.
 */
import { CreateKeyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { BatchImportFindingsCommand, EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { createScanAws, type ScanAws } from '../../cli/aws/scan-aws';
import type { CliIo } from '../../cli/io';
import { main } from '../../cli/main';
import { describeWithMoto, MOTO_CREDENTIALS, MOTO_REGION, motoClientConfig, startMoto, type MotoServer } from '../support/moto';

const ACCOUNT = '123456789012';
const root = { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' };
const publicDecrypt = { Sid: 'Public', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' };
const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const OTHER_PRODUCT = `arn:aws:securityhub:${MOTO_REGION}::product/aws/config`;

describeWithMoto('scan --security-hub against moto', () => {
  let moto: MotoServer;
  let kms: KMSClient;
  let hub: SecurityHubClient;
  let fixedKey = '';
  let publicKey = '';

  beforeAll(async () => {
    moto = await startMoto();
    kms = new KMSClient(motoClientConfig(moto.endpoint));
    hub = new SecurityHubClient(motoClientConfig(moto.endpoint));
    // moto's Security Hub answers only once it is enabled, as the service does.
    await hub.send(new EnableSecurityHubCommand({}));
    fixedKey = (await kms.send(new CreateKeyCommand({ Policy: policy(root, publicDecrypt), Description: 'fixed later' }))).KeyMetadata?.Arn as string;
    publicKey = (await kms.send(new CreateKeyCommand({ Policy: policy(root, publicDecrypt), Description: 'stays public' }))).KeyMetadata?.Arn as string;
    // Another product's ACTIVE finding about the same key: never the scan's to archive.
    await hub.send(
      new BatchImportFindingsCommand({
        Findings: [
          {
            SchemaVersion: '2018-10-08',
            Id: 'config-finding',
            ProductArn: OTHER_PRODUCT,
            GeneratorId: 'arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc',
            AwsAccountId: ACCOUNT,
            Region: MOTO_REGION,
            Types: ['Software and Configuration Checks'],
            CreatedAt: '2026-11-01T00:00:00.000Z',
            UpdatedAt: '2026-11-01T00:00:00.000Z',
            Severity: { Label: 'HIGH' },
            Title: 'kms-policy-guard-key-policy',
            Description: 'NON_COMPLIANT',
            Resources: [{ Type: 'AwsKmsKey', Id: fixedKey }],
            Compliance: { Status: 'FAILED' },
            RecordState: 'ACTIVE',
          },
        ],
      }),
    );
  });

  afterAll(async () => {
    await moto?.stop();
  });

  /** The CLI's own AWS wiring pointed at moto, recording every BatchImportFindings body its clients send. */
  function recordingAws(sent: AwsSecurityFinding[][]): ScanAws {
    const aws = createScanAws({ settings: { endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS } });
    const recorded = new WeakSet<SecurityHubClient>();
    return {
      ...aws,
      securityHub: async (target, partition) => {
        const client = await aws.securityHub(target, partition);
        if (!recorded.has(client)) {
          recorded.add(client);
          client.middlewareStack.add(
            (next) => async (args) => {
              const input = args.input as { Findings?: AwsSecurityFinding[] };
              if (input.Findings !== undefined) sent.push(input.Findings);
              return next(args);
            },
            { step: 'initialize', name: 'recordImports' },
          );
        }
        return client;
      },
    };
  }

  async function scan(sent: AwsSecurityFinding[][]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), readStdin: async () => '', isTty: false, env: {} };
    const code = await main(['scan', '--regions', MOTO_REGION, '--security-hub', '--no-effective-access', '--format', 'json'], io, { scanAws: () => recordingAws(sent) });
    return { code, stdout, stderr };
  }

  async function stored(): Promise<AwsSecurityFinding[]> {
    const all: AwsSecurityFinding[] = [];
    let token: string | undefined;
    do {
      const page = await hub.send(new GetFindingsCommand({ MaxResults: 100, ...(token === undefined ? {} : { NextToken: token }) }));
      all.push(...(page.Findings ?? []));
      token = page.NextToken ?? undefined;
    } while (token !== undefined);
    return all;
  }

  const aboutKey = (findings: readonly AwsSecurityFinding[], arn: string) => findings.filter((f) => f.Resources?.some((r) => r.Id === arn));

  it('imports, then resolves the findings of a fixed key on a re-scan and nothing else', async () => {
    const first: AwsSecurityFinding[][] = [];
    const one = await scan(first);
    expect(one.code).toBe(1);
    const imported = first.flat();
    const fixedIds = aboutKey(imported, fixedKey).map((f) => f.Id);
    const publicIds = aboutKey(imported, publicKey).map((f) => f.Id);
    expect(fixedIds.length).toBeGreaterThan(0);
    expect(publicIds.length).toBeGreaterThan(0);
    expect(imported.every((f) => f.RecordState === 'ACTIVE' && f.Compliance?.Status === 'FAILED' && f.AwsAccountId === ACCOUNT && f.Region === MOTO_REGION)).toBe(true);
    expect(one.stderr).toContain(`kms-policy-guard: Security Hub ${ACCOUNT}/${MOTO_REGION}: ${imported.length} imported, 0 archived, 0 failed`);
    const report = JSON.parse(one.stdout) as { notes: string[] };
    expect(report.notes).toContain(`Security Hub ${ACCOUNT}/${MOTO_REGION}: ${imported.length} imported, 0 archived, 0 failed`);
    expect((await stored()).filter((f) => f.Id !== undefined && fixedIds.includes(f.Id)).every((f) => f.RecordState === 'ACTIVE')).toBe(true);

    await kms.send(new PutKeyPolicyCommand({ KeyId: fixedKey, PolicyName: 'default', Policy: policy(root) }));
    const second: AwsSecurityFinding[][] = [];
    const two = await scan(second);
    const resent = second.flat();
    const archived = resent.filter((f) => f.RecordState === 'ARCHIVED');
    // The root statement's findings are still found on the fixed key; its PUBLIC_ACCESS finding is not.
    const stillFound = new Set(resent.filter((f) => f.RecordState === 'ACTIVE').map((f) => f.Id));
    const gone = fixedIds.filter((id) => !stillFound.has(id));
    const publicAccess = aboutKey(imported, fixedKey).find((f) => f.GeneratorId === 'kms-policy-guard/PUBLIC_ACCESS')?.Id;
    expect(gone).toContain(publicAccess);
    expect(archived.map((f) => f.Id).sort()).toEqual([...gone].sort());
    expect(archived.every((f) => f.Compliance?.Status === 'PASSED' && f.ProductArn === `arn:aws:securityhub:${MOTO_REGION}:${ACCOUNT}:product/${ACCOUNT}/default`)).toBe(true);
    // The still-public key's findings are sent again as they are, and the other product's finding is never sent.
    expect(aboutKey(resent, publicKey).every((f) => f.RecordState === 'ACTIVE' && f.Compliance?.Status === 'FAILED')).toBe(true);
    expect(resent.some((f) => f.Id === 'config-finding')).toBe(false);
    expect(two.stderr).toContain(`Security Hub ${ACCOUNT}/${MOTO_REGION}: ${stillFound.size} imported, ${gone.length} archived, 0 failed`);
    expect(two.code).toBe(1);

    const after = await stored();
    for (const f of after.filter((x) => x.Id !== undefined && gone.includes(x.Id))) expect(f).toMatchObject({ RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' } });
    for (const f of after.filter((x) => x.Id !== undefined && publicIds.includes(x.Id))) expect(f).toMatchObject({ RecordState: 'ACTIVE', Compliance: { Status: 'FAILED' } });
    expect(after.find((f) => f.Id === 'config-finding')).toMatchObject({ RecordState: 'ACTIVE', Compliance: { Status: 'FAILED' } });
  });

  it('exits 2 and says so when Security Hub refuses the import, and still writes the report', async () => {
    const aws = createScanAws({ settings: { endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS } });
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), readStdin: async () => '', isTty: false, env: {} };
    const denying: ScanAws = {
      ...aws,
      securityHub: async (target, partition) => {
        const client = await aws.securityHub(target, partition);
        client.middlewareStack.add(
          () => async () => {
            throw Object.assign(new Error('User is not authorized to perform: securityhub:BatchImportFindings'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
          },
          { step: 'initialize', name: 'deny' },
        );
        return client;
      },
    };
    const code = await main(['scan', '--regions', MOTO_REGION, '--security-hub', '--no-effective-access', '--format', 'json'], io, { scanAws: () => denying });
    expect(code).toBe(2);
    expect(stderr).toMatch(/Security Hub 123456789012\/us-east-1: 0 imported, 0 archived, \d+ failed; securityhub:BatchImportFindings failed \(AccessDeniedException/);
    const report = JSON.parse(stdout) as { notes: string[] };
    expect(report.notes.some((n) => n.startsWith('Security Hub import incomplete'))).toBe(true);
  });
});
