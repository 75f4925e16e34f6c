/**
 * The README's effective-access example is the output of the real `scan` against a local AWS API (moto_server),
 * not written by hand: an account with a key under KMS's default key policy and three roles, one of which can
 * decrypt through a `kms:*` on `*` identity policy. The key's random id is written as the AWS documentation's
 * example id. `KPG_UPDATE_README=1 npx jest test/integration/readme-effective-access` rewrites the README's blocks.
 */
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createScanAws } from '../../cli/aws/scan-aws';
import type { CliIo } from '../../cli/io';
import { main } from '../../cli/main';
import { describeWithMoto, MOTO_CREDENTIALS, MOTO_REGION, motoClientConfig, startMoto, type MotoServer } from '../support/moto';

const README = join(__dirname, '..', '..', 'README.md');
const EXAMPLE_KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const doc = (...statements: Record<string, unknown>[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** The fenced block between `<!-- name:start -->` and `<!-- name:end -->`. */
function block(text: string, name: string): { start: number; end: number; body: string } {
  const open = `<!-- ${name}:start -->\n`;
  const start = text.indexOf(open);
  const end = text.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || end < start) throw new Error(`README.md has no ${name} block`);
  return { start: start + open.length, end, body: text.slice(start + open.length, end) };
}

describeWithMoto('README: the effective-access example', () => {
  let moto: MotoServer;
  let keyId = '';

  beforeAll(async () => {
    moto = await startMoto();
    const config = motoClientConfig(moto.endpoint);
    const iam = new IAMClient(config);
    const trust = doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' });
    for (const [name, policy] of [
      ['app-reader', doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' })],
      ['data-processor', doc({ Effect: 'Allow', Action: 'kms:*', Resource: '*' })],
      ['audit', doc({ Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:ListAliases'], Resource: '*' })],
    ] as const) {
      await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
      await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: name === 'app-reader' ? 's3' : name === 'audit' ? 'describe' : 'kms', PolicyDocument: policy }));
    }
    const kms = new KMSClient(config);
    // No Policy: KMS's default key policy.
    keyId = (await kms.send(new CreateKeyCommand({ Description: 'orders' }))).KeyMetadata?.KeyId as string;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: keyId }));
  });

  afterAll(async () => {
    await moto?.stop();
  });

  async function scan(format: 'json' | 'text'): Promise<string> {
    let stdout = '';
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: () => undefined, readStdin: async () => '', isTty: false, env: {} };
    await main(['scan', '--regions', MOTO_REGION, '--format', format], io, { scanAws: () => createScanAws({ settings: { endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS } }) });
    return stdout.split(keyId).join(EXAMPLE_KEY_ID);
  }

  it('shows the JSON and text that scan prints for it', async () => {
    const json = JSON.parse(await scan('json')) as { results: { file: string; effectiveAccess?: unknown }[] };
    const result = json.results.find((r) => r.file.endsWith(EXAMPLE_KEY_ID));
    const jsonBlock = '```json\n' + JSON.stringify({ file: result?.file, effectiveAccess: result?.effectiveAccess }, null, 2) + '\n```\n';
    const textBlock = '```\n' + (await scan('text')) + '```\n';
    let readme = readFileSync(README, 'utf8');
    if (process.env.KPG_UPDATE_README === '1') {
      for (const [name, body] of [
        ['effective-access-json', jsonBlock],
        ['effective-access-text', textBlock],
      ] as const) {
        const { start, end } = block(readme, name);
        readme = readme.slice(0, start) + body + readme.slice(end);
      }
      writeFileSync(README, readme);
    }
    expect(block(readme, 'effective-access-json').body).toBe(jsonBlock);
    expect(block(readme, 'effective-access-text').body).toBe(textBlock);
  });
});
