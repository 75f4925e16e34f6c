/**
 * In-memory KMS and Config for benchmarks: N keys, a fixed latency per call, and call counters. Hand-rolled
 * rather than aws-sdk-client-mock so the mock keeps no call history that would distort memory figures.
 */
import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  GetComplianceDetailsByConfigRuleCommand,
  ListDiscoveredResourcesCommand,
  PutEvaluationsCommand,
} from '@aws-sdk/client-config-service';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListKeysCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import type { AwsClients } from '../../aws/clients';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';

export interface FakeAwsOptions {
  keys: number;
  latencyMs: number;
  /** Whether Config has records of the keys (otherwise the sweep reads KMS). */
  configRecordsKeys: boolean;
}

export interface FakeAws {
  clients: AwsClients;
  kmsCalls: () => number;
  configCalls: () => number;
  evaluationsReceived: () => number;
}

const keyId = (i: number) => `${i.toString(16).padStart(8, '0')}-1111-4222-8333-444455556666`;

// Realistic policies: every third key has the default root kms:* statement, the rest split duties between roles.
function policyOf(i: number): string {
  const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
  const statements =
    i % 3 === 0
      ? [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }]
      : [
          {
            Sid: 'Allow access for Key Administrators',
            Effect: 'Allow',
            Principal: { AWS: role('KeyAdmin') },
            Action: ['kms:CreateAlias', 'kms:DescribeKey', 'kms:EnableKey', 'kms:DisableKey', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion'],
            Resource: '*',
          },
          {
            Sid: 'Allow use of the key',
            Effect: 'Allow',
            Principal: { AWS: role(`App${i % 17}`) },
            Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
          },
        ];
  return JSON.stringify({ Version: '2012-10-17', Id: `key-policy-${i}`, Statement: statements });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createFakeAws(options: FakeAwsOptions): FakeAws {
  let kmsCalls = 0;
  let configCalls = 0;
  let evaluations = 0;
  const ids = Array.from({ length: options.keys }, (_, i) => keyId(i));
  const index = new Map(ids.map((id, i) => [id, i]));
  const arn = (id: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;

  const kms = {
    async send(command: unknown): Promise<unknown> {
      kmsCalls++;
      await sleep(options.latencyMs);
      if (command instanceof ListKeysCommand) {
        const start = command.input.Marker === undefined ? 0 : Number(command.input.Marker);
        const end = Math.min(ids.length, start + (command.input.Limit ?? 100));
        return {
          Keys: ids.slice(start, end).map((id) => ({ KeyId: id, KeyArn: arn(id) })),
          Truncated: end < ids.length,
          NextMarker: end < ids.length ? String(end) : undefined,
        };
      }
      if (command instanceof DescribeKeyCommand) {
        const id = command.input.KeyId as string;
        return { KeyMetadata: { KeyId: id, Arn: arn(id), KeyManager: 'CUSTOMER', KeyState: 'Enabled' } };
      }
      if (command instanceof GetKeyPolicyCommand) {
        return { Policy: policyOf(index.get(command.input.KeyId as string) ?? 0), PolicyName: 'default' };
      }
      if (command instanceof ListResourceTagsCommand) return { Tags: [], Truncated: false };
      throw new Error(`fake KMS: unexpected ${String((command as object).constructor.name)}`);
    },
  };

  const config = {
    async send(command: unknown): Promise<unknown> {
      configCalls++;
      await sleep(options.latencyMs);
      if (command instanceof ListDiscoveredResourcesCommand) {
        if (!options.configRecordsKeys) return { resourceIdentifiers: [] };
        const start = command.input.nextToken === undefined ? 0 : Number(command.input.nextToken);
        const end = Math.min(ids.length, start + (command.input.limit ?? 100));
        return {
          resourceIdentifiers: ids.slice(start, end).map((resourceId) => ({ resourceType: 'AWS::KMS::Key', resourceId })),
          nextToken: end < ids.length ? String(end) : undefined,
        };
      }
      if (command instanceof BatchGetResourceConfigCommand) {
        return {
          baseConfigurationItems: (command.input.resourceKeys ?? []).map((k) => {
            const i = index.get(k.resourceId as string) ?? 0;
            return {
              resourceType: 'AWS::KMS::Key',
              resourceId: k.resourceId,
              arn: arn(k.resourceId as string),
              accountId: ACCOUNT,
              awsRegion: REGION,
              configurationItemStatus: 'OK',
              configurationItemCaptureTime: new Date('2026-11-20T00:00:00Z'),
              configuration: JSON.stringify({ keyId: k.resourceId, arn: arn(k.resourceId as string), keyManager: 'CUSTOMER', keyState: 'Enabled' }),
              supplementaryConfiguration: { Policy: JSON.stringify(policyOf(i)) },
            };
          }),
          unprocessedResourceKeys: [],
        };
      }
      if (command instanceof PutEvaluationsCommand) {
        evaluations += command.input.Evaluations?.length ?? 0;
        return { FailedEvaluations: [] };
      }
      if (command instanceof GetComplianceDetailsByConfigRuleCommand) return { EvaluationResults: [] };
      throw new Error(`fake Config: unexpected ${String((command as object).constructor.name)}`);
    },
  };

  return {
    clients: {
      kms: kms as unknown as KMSClient,
      config: config as unknown as ConfigServiceClient,
      iam: () => {
        throw new Error('fake AWS: the rule benchmark reads no IAM');
      },
      organizations: () => {
        throw new Error('fake AWS: the rule benchmark reads no Organizations');
      },
      principal: async () => `arn:aws:iam::${ACCOUNT}:role/kms-policy-guard`,
      account: async () => ACCOUNT,
    },
    kmsCalls: () => kmsCalls,
    configCalls: () => configCalls,
    evaluationsReceived: () => evaluations,
  };
}

/** Samples peak RSS and heap while a phase runs. */
export class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  peakRss = 0;
  peakHeapUsed = 0;
  start(intervalMs = 20): void {
    const sample = () => {
      const m = process.memoryUsage();
      this.peakRss = Math.max(this.peakRss, m.rss);
      this.peakHeapUsed = Math.max(this.peakHeapUsed, m.heapUsed);
    };
    sample();
    this.timer = setInterval(sample, intervalMs);
  }
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    const m = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, m.rss);
    this.peakHeapUsed = Math.max(this.peakHeapUsed, m.heapUsed);
  }
}

export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
