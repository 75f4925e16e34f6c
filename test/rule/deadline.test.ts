/**
 * The Lambda deadline through the handler: the stale clean-up stops paging at the stop time, the rate limit
 * does not start a key whose first request would come after it, and evaluations already made are sent even
 * when the invocation fails afterwards. Time is the harness's virtual clock; the deadline is the one the
 * injected Lambda context reports.
 */
import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  GetComplianceDetailsByConfigRuleCommand,
  ListDiscoveredResourcesCommand,
  PutEvaluationsCommand,
  type BaseConfigurationItem,
  type ResourceKey,
} from '@aws-sdk/client-config-service';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { harness } from './handler-harness';
import { ACCOUNT, CapturingLogger, fixtureEvent, lambdaContext, withParameters } from './support';

const kmsMock = mockClient(KMSClient);
const configMock = mockClient(ConfigServiceClient);

const ROLE_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/App` }, Action: 'kms:Decrypt', Resource: '*' }],
});
const MARGIN_MS = 30_000;

/** Config records `ids`, each item complete with its policy: the sweep needs no KMS call. */
function recordInConfig(ids: string[]): void {
  configMock.on(ListDiscoveredResourcesCommand).resolves({
    resourceIdentifiers: ids.map((resourceId) => ({ resourceType: 'AWS::KMS::Key', resourceId })),
  });
  configMock.on(BatchGetResourceConfigCommand).callsFake(async (input: { resourceKeys: ResourceKey[] }) => ({
    baseConfigurationItems: input.resourceKeys.map(
      (k): BaseConfigurationItem => ({
        resourceType: 'AWS::KMS::Key',
        resourceId: k.resourceId,
        configurationItemStatus: 'OK',
        configurationItemCaptureTime: new Date('2026-11-20T10:00:00Z'),
        configuration: JSON.stringify({ keyId: k.resourceId, keyManager: 'CUSTOMER', keyState: 'Enabled' }),
        supplementaryConfiguration: { Policy: JSON.stringify(ROLE_POLICY) },
      }),
    ),
  }));
}

beforeEach(() => {
  kmsMock.reset();
  configMock.reset();
});

describe('stale clean-up', () => {
  it('stops paging at the stop time, says so, and sends the evaluations before the Lambda deadline', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => `k-${i}`);
    recordInConfig(ids);
    const { handler, clock, logger, metrics } = harness();
    const remainingMs = 120_000;
    const deadline = clock.now() + remainingMs;
    let pages = 0;
    // A slow, long compliance listing: one virtual second per page, 200 pages.
    configMock.on(GetComplianceDetailsByConfigRuleCommand).callsFake(async () => {
      pages++;
      await clock.sleep(1000);
      return {
        EvaluationResults: [
          { EvaluationResultIdentifier: { EvaluationResultQualifier: { ResourceType: 'AWS::KMS::Key', ResourceId: `gone-${pages}` } } },
        ],
        NextToken: pages < 200 ? `t${pages}` : undefined,
      };
    });
    const putAt: number[] = [];
    configMock.on(PutEvaluationsCommand).callsFake(async () => {
      putAt.push(clock.now());
      return { FailedEvaluations: [] };
    });

    const sent = await handler(fixtureEvent('scheduled.json'), lambdaContext(remainingMs));

    expect(pages).toBeLessThan(200);
    // Every evaluation went out before the deadline, the last batch included.
    expect(putAt.length).toBeGreaterThan(0);
    for (const t of putAt) expect(t).toBeLessThanOrEqual(deadline - MARGIN_MS + 1000);
    // The keys judged, plus the stale keys found on the pages that were read.
    expect(sent.filter((e) => e.ComplianceResourceId?.startsWith('k-'))).toHaveLength(250);
    expect(sent.filter((e) => e.ComplianceResourceId?.startsWith('gone-')).every((e) => e.ComplianceType === 'NOT_APPLICABLE')).toBe(true);
    expect(sent.filter((e) => e.ComplianceResourceId?.startsWith('gone-'))).toHaveLength(pages);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('stale evaluation clean-up cut short'), fields: expect.objectContaining({ pagesRead: pages }) }),
    );
    expect(metrics.sum('StaleCleanupCutShort')).toBe(1);
  });

  it('publishes StaleCleanupCutShort 0 when the clean-up reads every page', async () => {
    recordInConfig(['k-1']);
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({ EvaluationResults: [] });
    configMock.on(PutEvaluationsCommand).resolves({});
    const { handler, metrics } = harness();
    await handler(fixtureEvent('scheduled.json'), lambdaContext());
    expect(metrics.values).toContainEqual(expect.objectContaining({ name: 'StaleCleanupCutShort', value: 0 }));
  });
});

describe('evaluations already made are sent when the invocation fails', () => {
  it('flushes the buffered evaluations, then rethrows', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `k-${String(i).padStart(3, '0')}`);
    recordInConfig(ids);
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({});
    configMock.on(PutEvaluationsCommand).resolves({});
    const failure = new Error('log sink unavailable');
    // A logger that fails once the sweep and the clean-up are done, before the evaluations would be sent.
    const logger = new CapturingLogger();
    const info = logger.info;
    logger.info = (message: unknown, ...extra: unknown[]) => {
      if (message === 'sweep finished') throw failure;
      info(message, ...extra);
    };
    const { handler, metrics } = harness({ deps: { logger: logger.asLogger() } });

    await expect(handler(fixtureEvent('scheduled.json'), lambdaContext())).rejects.toBe(failure);

    const delivered = configMock.commandCalls(PutEvaluationsCommand).flatMap((c) => c.args[0].input.Evaluations ?? []);
    expect(delivered.map((e) => e.ComplianceResourceId).sort()).toEqual(ids);
    expect(metrics.sum('InvocationFailures')).toBe(1);
    expect(metrics.sum('KeysEvaluated')).toBe(150);
  });
});

describe('the rate limit and the stop time', () => {
  it('does not start a key whose first KMS request would have to wait past the stop time', async () => {
    configMock.on(ListDiscoveredResourcesCommand).resolves({});
    configMock.on(GetComplianceDetailsByConfigRuleCommand).resolves({});
    const ids = Array.from({ length: 40 }, (_, i) => `key-${String(i).padStart(2, '0')}`);
    kmsMock.on(ListKeysCommand).resolves({ Keys: ids.map((KeyId) => ({ KeyId })) });
    const { handler, clock, logger } = harness();
    const firstRequestAt = new Map<string, number>();
    kmsMock.on(DescribeKeyCommand).callsFake(async ({ KeyId }: { KeyId: string }) => {
      if (!firstRequestAt.has(KeyId)) firstRequestAt.set(KeyId, clock.now());
      return { KeyMetadata: { KeyManager: 'CUSTOMER', KeyState: 'Enabled' } };
    });
    kmsMock.on(GetKeyPolicyCommand).resolves({ Policy: ROLE_POLICY });
    const putAt: number[] = [];
    configMock.on(PutEvaluationsCommand).callsFake(async () => {
      putAt.push(clock.now());
      return { FailedEvaluations: [] };
    });
    const remainingMs = 60_000;
    const stopAt = clock.now() + remainingMs - MARGIN_MS;

    // One request per second, eight keys in flight, two requests per key: a key started late would queue
    // behind the others for several seconds.
    const sent = await handler(withParameters(fixtureEvent('scheduled.json'), { MaxRequestsPerSecond: '1' }), lambdaContext(remainingMs));

    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThan(ids.length);
    // Every key judged made its first request by the stop time; none was started only to wait past it.
    expect(firstRequestAt.size).toBe(sent.length);
    for (const [keyId, at] of firstRequestAt) expect({ keyId, at: at <= stopAt }).toEqual({ keyId, at: true });
    // Keys started finish within the margin, so their evaluations go out before the deadline.
    for (const t of putAt) expect(t).toBeLessThan(stopAt + MARGIN_MS);
    const warning = logger.entries.find((e) => e.message.startsWith('sweep stopped at the deadline'));
    expect(warning?.fields).toMatchObject({ keysListed: ids.length, keysRemaining: ids.length - sent.length });
  });
});
