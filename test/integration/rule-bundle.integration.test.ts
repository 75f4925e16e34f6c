/**
 * The Config rule as it ships: rule/handler.ts bundled by esbuild (as the CDK NodejsFunction does), loaded by
 * a plain node process with its production wiring (module-scope clients from the environment, Powertools
 * Logger and Metrics), and invoked with a scheduled TestMode event against moto_server over HTTP.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { bundleRuleHandler } from '../support/rule-bundle';
import { describeWithMoto, MOTO_CREDENTIALS, MOTO_REGION, motoClientConfig, startMoto, type MotoServer } from '../support/moto';

interface SentEvaluation {
  ComplianceResourceId: string;
  ComplianceType: string;
  Annotation?: string;
}

describeWithMoto('the bundled Config rule against moto_server', () => {
  let moto: MotoServer;
  let dir: string;
  let account: string;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    moto = await startMoto();
    const config = motoClientConfig(moto.endpoint);
    account = (await new STSClient(config).send(new GetCallerIdentityCommand({}))).Account as string;
    const kms = new KMSClient(config);
    const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
    const create = async (name: string, text: string) => {
      keys[name] = (await kms.send(new CreateKeyCommand({ Policy: text, Description: name }))).KeyMetadata?.KeyId as string;
    };
    await create('root-kms-star', policy([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }]));
    await create(
      'split',
      policy([
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:role/KeyAdmin` }, Action: ['kms:PutKeyPolicy', 'kms:DescribeKey'], Resource: '*' },
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:role/App` }, Action: ['kms:Decrypt', 'kms:Encrypt'], Resource: '*' },
      ]),
    );

    dir = mkdtempSync(join(tmpdir(), 'kpg-bundle-'));
    bundleRuleHandler(dir, { deadlineMs: 120_000, requestId: 'bundle-test' });
  });

  afterAll(async () => {
    await moto.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sweeps every key through the production wiring and returns the evaluations it sent', () => {
    const fixture = readFileSync(join(__dirname, '..', 'fixtures', 'config-events', 'scheduled-testmode.json'), 'utf8');
    const event = fixture.replaceAll('111122223333', account).replace('us-east-2', MOTO_REGION);
    writeFileSync(join(dir, 'event.json'), event);
    const r = spawnSync(process.execPath, [join(dir, 'invoke.js'), join(dir, 'event.json')], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_REGION: MOTO_REGION,
        AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
        AWS_SESSION_TOKEN: MOTO_CREDENTIALS.sessionToken,
        AWS_LAMBDA_FUNCTION_NAME: 'kms-policy-guard-test',
        POWERTOOLS_METRICS_NAMESPACE: 'KmsPolicyGuardTest',
      },
      timeout: 120_000,
    });
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    const evaluations = JSON.parse(line?.slice('RESULT '.length) ?? '[]') as SentEvaluation[];
    const verdict = (name: string) => evaluations.find((e) => e.ComplianceResourceId === keys[name]);
    expect(verdict('root-kms-star')?.ComplianceType).toBe('NON_COMPLIANT');
    expect(verdict('root-kms-star')?.Annotation).toContain('ACCOUNT_WIDE_FULL_ACCESS');
    expect(verdict('split')?.ComplianceType).toBe('COMPLIANT');
    // Structured JSON logs (Powertools) name the keys judged; no policy text is logged.
    const logs = `${r.stdout}\n${r.stderr}`;
    expect(logs).toContain(keys['root-kms-star'] as string);
    expect(logs).not.toContain('"Statement"');
  });
});
