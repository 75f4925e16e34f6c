/**
 * Endpoints that accept the connection and never answer, the failure no error code reports.
 *
 * The Config rule as it ships (bundled by esbuild, production wiring, default timeouts) sweeps the keys of
 * moto_server while its KMS endpoint (AWS_ENDPOINT_URL_KMS) is a front for moto that swallows GetKeyPolicy of
 * one key: the handler returns before its deadline with every other key's evaluation delivered, and the
 * swallowed key NON_COMPLIANT saying the call did not answer.
 *
 * `scan` run as a user runs it (bin/kms-policy-guard.js in its own process), with one endpoint a plain black
 * hole: it ends with exit 2 and names the endpoint that did not answer and the operation.
 *
 * Nothing here asserts a duration beyond "before the deadline"; the times measured are printed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { bundleRuleHandler } from '../support/rule-bundle';
import { startBlackHole, startSelectiveBlackHole, type BlackHole } from '../support/black-hole';
import { describeWithMoto, MOTO_CREDENTIALS, MOTO_REGION, motoClientConfig, startMoto, type MotoServer } from '../support/moto';

const REPO = join(__dirname, '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Runs a node script in its own process, asynchronously (the listeners of this process must keep serving). */
function runNode(args: string[], env: NodeJS.ProcessEnv, killAfterMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // A safety net only: a process still running then has failed the test anyway.
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
}

/** An environment with moto's dummy credentials and nothing from the machine's own AWS configuration. */
function awsEnv(endpoints: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_REGION: MOTO_REGION,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: MOTO_CREDENTIALS.sessionToken,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    ...endpoints,
  };
}

interface SentEvaluation {
  ComplianceResourceId: string;
  ComplianceType: string;
  Annotation?: string;
}

describeWithMoto('endpoints that never answer', () => {
  let moto: MotoServer;
  let account: string;
  const keys: Record<string, string> = {};
  const holes: BlackHole[] = [];
  let dir: string;

  beforeAll(async () => {
    moto = await startMoto();
    const config = motoClientConfig(moto.endpoint);
    account = (await new STSClient(config).send(new GetCallerIdentityCommand({}))).Account as string;
    const kms = new KMSClient(config);
    const policy = (principal: string, action: string) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: action, Resource: '*' }] });
    for (const [name, text] of [
      ['root-kms-star', policy(`arn:aws:iam::${account}:root`, 'kms:*')],
      ['app-decrypt', policy(`arn:aws:iam::${account}:role/App`, 'kms:Decrypt')],
      ['swallowed', policy(`arn:aws:iam::${account}:role/App`, 'kms:Decrypt')],
    ] as const) {
      keys[name] = (await kms.send(new CreateKeyCommand({ Policy: text, Description: name }))).KeyMetadata?.KeyId as string;
    }
    dir = mkdtempSync(join(tmpdir(), 'kpg-black-hole-'));
  });

  afterAll(async () => {
    for (const hole of holes) await hole.close();
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the bundled rule returns before its deadline with every other evaluation delivered while one GetKeyPolicy hangs', async () => {
    const proxy = await startSelectiveBlackHole(
      moto.endpoint,
      ({ target, body }) => target === 'TrentService.GetKeyPolicy' && body.includes(keys.swallowed as string),
    );
    holes.push(proxy);
    // A Lambda context 40 s from its deadline; the script says when the handler returned, relative to it.
    bundleRuleHandler(dir, { deadlineMs: 40_000, requestId: 'black-hole-test' });
    const fixture = readFileSync(join(REPO, 'test', 'fixtures', 'config-events', 'scheduled-testmode.json'), 'utf8');
    writeFileSync(join(dir, 'event.json'), fixture.replaceAll('111122223333', account).replace('us-east-2', MOTO_REGION));

    const r = await runNode(
      [join(dir, 'invoke.js'), join(dir, 'event.json')],
      {
        ...awsEnv({ AWS_ENDPOINT_URL: moto.endpoint, AWS_ENDPOINT_URL_KMS: proxy.endpoint }),
        AWS_LAMBDA_FUNCTION_NAME: 'kms-policy-guard-test',
        POWERTOOLS_METRICS_NAMESPACE: 'KmsPolicyGuardTest',
      },
      90_000,
    );

    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    const line = (prefix: string) => r.stdout.split('\n').find((l) => l.startsWith(prefix))?.slice(prefix.length);
    const timing = JSON.parse(line('TIMING ') ?? '{}') as { deadlineMs: number; returnedMs: number };
    const evaluations = JSON.parse(line('RESULT ') ?? '[]') as SentEvaluation[];
    const verdict = (name: string) => evaluations.find((e) => e.ComplianceResourceId === keys[name]);
    expect(timing.returnedMs).toBeLessThan(timing.deadlineMs);
    expect(proxy.held()).toBeGreaterThan(0);
    expect(verdict('root-kms-star')?.ComplianceType).toBe('NON_COMPLIANT');
    expect(verdict('app-decrypt')?.ComplianceType).toBe('COMPLIANT');
    expect(verdict('swallowed')).toMatchObject({
      ComplianceType: 'NON_COMPLIANT',
      Annotation: expect.stringMatching(/^Key policy could not be judged: kms:GetKeyPolicy did not answer in time \(TimeoutError\)\. Not a missing permission/),
    });
    console.log(`black hole, rule handler: deadline ${timing.deadlineMs} ms after the start, returned after ${timing.returnedMs} ms`);
  }, 120_000);

  it.each([
    ['KMS', 'AWS_ENDPOINT_URL_KMS', MOTO_REGION, 'kms:ListKeys failed (TimeoutError'],
    ['STS', 'AWS_ENDPOINT_URL_STS', MOTO_REGION, 'sts:GetCallerIdentity (are AWS credentials configured?) failed (TimeoutError'],
    ['Account', 'AWS_ENDPOINT_URL_ACCOUNT', 'all', 'account:ListRegions (for --regions all) failed (TimeoutError'],
  ])('scan with %s a black hole ends with exit 2 naming the operation and the endpoint', async (_service, variable, regions, operation) => {
    const hole = await startBlackHole();
    holes.push(hole);
    const r = await runNode(
      [join(REPO, 'bin', 'kms-policy-guard.js'), 'scan', '--regions', regions, '--timeout', '1', '--format', 'json'],
      awsEnv({ AWS_ENDPOINT_URL: moto.endpoint, [variable]: hole.endpoint }),
      90_000,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(operation);
    expect(r.stderr).toContain(`(endpoint ${hole.hostPort})`);
    expect(hole.connections()).toBeGreaterThan(0);
    console.log(`black hole, scan --timeout 1 with ${variable}: exit ${r.code} after ${r.elapsedMs} ms`);
  }, 120_000);
});
