import { ConfigServiceClient, PutEvaluationsCommand, type Evaluation } from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import { EvaluationSender, type RuleEvaluation } from '../../rule/evaluations';
import { CapturingLogger, VirtualClock } from './support';

const configMock = mockClient(ConfigServiceClient);
const at = new Date('2026-11-21T03:00:12.443Z');
const evaluations = (n: number): RuleEvaluation[] =>
  Array.from({ length: n }, (_, i) => ({ resourceType: 'AWS::KMS::Key', resourceId: `key-${i}`, compliance: 'COMPLIANT', orderingTimestamp: at }));

function sender(clock = new VirtualClock(), testMode = false): EvaluationSender {
  return new EvaluationSender({
    config: new ConfigServiceClient({ region: 'us-east-2' }),
    resultToken: testMode ? 'TESTMODE' : 'token-1',
    testMode,
    clock,
    logger: new CapturingLogger().asLogger(),
    random: () => 1,
  });
}

const sentEvaluations = (): Evaluation[][] => configMock.commandCalls(PutEvaluationsCommand).map((c) => c.args[0].input.Evaluations ?? []);

beforeEach(() => configMock.reset());

describe('EvaluationSender', () => {
  it('sends in batches of at most 100, with the result token', async () => {
    configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
    const s = sender();
    for (const e of evaluations(250)) s.add(e);
    const report = await s.close();
    expect(sentEvaluations().map((b) => b.length)).toEqual([100, 100, 50]);
    expect(report.delivered).toHaveLength(250);
    expect(configMock.commandCalls(PutEvaluationsCommand)[0]?.args[0].input).toMatchObject({ ResultToken: 'token-1', TestMode: false });
  });

  it('sets TestMode for the TESTMODE token', async () => {
    configMock.on(PutEvaluationsCommand).resolves({});
    const s = sender(new VirtualClock(), true);
    s.add(evaluations(1)[0] as RuleEvaluation);
    await s.close();
    expect(configMock.commandCalls(PutEvaluationsCommand)[0]?.args[0].input.TestMode).toBe(true);
  });

  it('resends only the FailedEvaluations, after a wait', async () => {
    const clock = new VirtualClock(0);
    configMock
      .on(PutEvaluationsCommand)
      .resolvesOnce({
        FailedEvaluations: [{ ComplianceResourceType: 'AWS::KMS::Key', ComplianceResourceId: 'key-3', ComplianceType: 'COMPLIANT', OrderingTimestamp: at }],
      })
      .resolves({ FailedEvaluations: [] });
    const s = sender(clock);
    for (const e of evaluations(5)) s.add(e);
    const report = await s.close();
    expect(sentEvaluations().map((b) => b.map((e) => e.ComplianceResourceId))).toEqual([
      ['key-0', 'key-1', 'key-2', 'key-3', 'key-4'],
      ['key-3'],
    ]);
    expect(report.delivered).toHaveLength(5);
    expect(clock.slept).toBeGreaterThan(0);
  });

  it('retries throttling with backoff', async () => {
    const clock = new VirtualClock(0);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    configMock.on(PutEvaluationsCommand).rejectsOnce(throttled).rejectsOnce(throttled).resolves({});
    const s = sender(clock);
    for (const e of evaluations(3)) s.add(e);
    const report = await s.close();
    expect(report.delivered).toHaveLength(3);
    expect(configMock.commandCalls(PutEvaluationsCommand)).toHaveLength(3);
    expect(clock.slept).toBe(200 + 400);
  });

  it('retries server errors (5xx) like throttling', async () => {
    const clock = new VirtualClock(0);
    const unavailable = Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } });
    configMock.on(PutEvaluationsCommand).rejectsOnce(unavailable).resolves({});
    const s = sender(clock);
    for (const e of evaluations(3)) s.add(e);
    const report = await s.close();
    expect(report.delivered).toHaveLength(3);
    expect(configMock.commandCalls(PutEvaluationsCommand)).toHaveLength(2);
  });

  it.each(['InvalidParameterValueException', 'ValidationException'])(
    'resends a batch rejected with %s one evaluation at a time; only the bad one stays undelivered',
    async (errorName) => {
      const invalid = Object.assign(new Error('invalid evaluation'), { name: errorName, $metadata: { httpStatusCode: 400 } });
      configMock.on(PutEvaluationsCommand).callsFake(async (input: { Evaluations?: Evaluation[] }) => {
        if ((input.Evaluations ?? []).some((e) => e.ComplianceResourceId === 'key-3')) throw invalid;
        return { FailedEvaluations: [] };
      });
      const s = sender();
      for (const e of evaluations(5)) s.add(e);
      const report = await s.close();
      expect(report.delivered.map((e) => e.resourceId).sort()).toEqual(['key-0', 'key-1', 'key-2', 'key-4']);
      expect(report.undelivered.map((e) => e.resourceId)).toEqual(['key-3']);
      expect(report.lastError).toBe(invalid);
      // The batch once, then each of its evaluations alone; the bad one is not retried.
      expect(sentEvaluations().map((b) => b.length)).toEqual([5, 1, 1, 1, 1, 1]);
    },
  );

  it('reports what it could not deliver instead of throwing', async () => {
    configMock.on(PutEvaluationsCommand).rejects(Object.assign(new Error('bad token'), { name: 'InvalidResultTokenException' }));
    const s = sender();
    for (const e of evaluations(120)) s.add(e);
    const report = await s.close();
    expect(report.delivered).toHaveLength(0);
    expect(report.undelivered).toHaveLength(120);
    // Not retried: a bad token does not get better.
    expect(configMock.commandCalls(PutEvaluationsCommand)).toHaveLength(2);
  });

  it('stops retrying at its deadline and reports what it could not send, passing the deadline signal to each call', async () => {
    configMock.on(PutEvaluationsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const clock = new VirtualClock(0);
    const controller = new AbortController();
    const s = new EvaluationSender({
      config: new ConfigServiceClient({ region: 'us-east-2' }),
      resultToken: 'token-1',
      testMode: false,
      clock,
      logger: new CapturingLogger().asLogger(),
      random: () => 1,
      baseDelayMs: 200,
      deadline: { at: 1000, signal: controller.signal },
    });
    s.add(evaluations(1)[0] as RuleEvaluation);
    const report = await s.close();
    // Attempts at 0, 200 and 600 ms; the next wait (800 ms) would end past 1 s.
    expect(configMock.commandCalls(PutEvaluationsCommand)).toHaveLength(3);
    expect(configMock.commandCalls(PutEvaluationsCommand).map((c) => ((c.args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal)).toEqual([
      controller.signal,
      controller.signal,
      controller.signal,
    ]);
    expect(clock.now()).toBe(600);
    expect(report.undelivered).toHaveLength(1);
  });
});
