/**
 * AWS calls that never answer, through the handler: every call of the invocation carries an abort signal
 * that fires before the Lambda's deadline, so a hung KMS or Config call costs one key, never the evaluations
 * already made. The clients here are fakes that, like the SDK, reject with AbortError once the signal given
 * to `send` fires, and otherwise never settle.
 */
import type { ConfigServiceClient } from '@aws-sdk/client-config-service';
import type { KMSClient } from '@aws-sdk/client-kms';
import { EvaluationDeliveryError } from '../../rule/errors';
import { harness, mockableGlobalClients, RULE_PRINCIPAL } from './handler-harness';
import { ACCOUNT, fixtureEvent, lambdaContext } from './support';

type Handler = (input: Record<string, unknown>) => Promise<unknown> | 'hang';

interface SentCall {
  command: string;
  input: Record<string, unknown>;
  signal?: AbortSignal;
}

/** A client whose `send` answers from `handlers` by command name; 'hang' never answers unless aborted. */
function fakeClient(handlers: Record<string, Handler>, calls: SentCall[]): { send: (command: object, options?: { abortSignal?: AbortSignal }) => Promise<unknown> } {
  return {
    send: (command, options) => {
      const name = command.constructor.name.replace(/Command$/, '');
      const input = (command as { input: Record<string, unknown> }).input;
      calls.push({ command: name, input, ...(options?.abortSignal !== undefined ? { signal: options.abortSignal } : {}) });
      const handler = handlers[name];
      if (handler === undefined) return Promise.reject(Object.assign(new Error(`${name} not faked`), { name: 'UnsupportedOperationException' }));
      const answer = handler(input);
      if (answer !== 'hang') return answer;
      return new Promise((_resolve, reject) => {
        const signal = options?.abortSignal;
        // As @smithy/node-http-handler does when the signal given to send() fires.
        signal?.addEventListener('abort', () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError', cause: signal.reason })), { once: true });
      });
    },
  };
}

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/App` }, Action: 'kms:Decrypt', Resource: '*' }],
});

/** A short real-time deadline: 1.5 s left, keys started until 0.5 s, calls other than PutEvaluations cut at 1 s. */
const TIMING = { remainingMs: 1500, deps: { deadlineMarginMs: 1000, flushReserveMs: 500 } };

function sweepOverKms(kmsHandlers: Record<string, Handler>, configHandlers: Record<string, Handler> = {}) {
  const calls: SentCall[] = [];
  const kms = fakeClient(
    {
      ListKeys: async () => ({ Keys: ['ok-1', 'ok-2', 'hang'].map((KeyId) => ({ KeyId })) }),
      DescribeKey: async () => ({ KeyMetadata: { KeyManager: 'CUSTOMER', KeyState: 'Enabled' } }),
      GetKeyPolicy: (input) => (input.KeyId === 'hang' ? 'hang' : Promise.resolve({ Policy: POLICY })),
      ListGrants: async () => ({ Grants: [], Truncated: false }),
      ...kmsHandlers,
    } as Record<string, Handler>,
    calls,
  );
  const config = fakeClient(
    {
      ListDiscoveredResources: async () => ({}),
      GetComplianceDetailsByConfigRule: async () => ({}),
      PutEvaluations: async () => ({ FailedEvaluations: [] }),
      ...configHandlers,
    },
    calls,
  );
  const { handler, logger } = harness({
    deps: {
      ...TIMING.deps,
      clients: async () => ({ kms: kms as unknown as KMSClient, config: config as unknown as ConfigServiceClient, ...mockableGlobalClients(), principal: async () => RULE_PRINCIPAL, account: async () => ACCOUNT }),
    },
  });
  return { handler, logger, calls };
}

describe('a call that never answers', () => {
  it('is abandoned before the deadline: the key it was for is NON_COMPLIANT saying so, every other evaluation is sent', async () => {
    const { handler, calls } = sweepOverKms({});

    const sent = await handler(fixtureEvent('scheduled.json'), lambdaContext(TIMING.remainingMs));

    expect(Object.fromEntries(sent.map((e) => [e.ComplianceResourceId, e.ComplianceType]))).toEqual({ 'ok-1': 'COMPLIANT', 'ok-2': 'COMPLIANT', hang: 'NON_COMPLIANT' });
    const hung = sent.find((e) => e.ComplianceResourceId === 'hang');
    expect(hung?.Annotation).toMatch(/^Key policy could not be judged: kms:GetKeyPolicy did not answer before the invocation's deadline/);
    expect(hung?.Annotation).not.toMatch(/Grant/);
    // Every call carried a signal; the hung one was aborted by it.
    expect(calls.every((c) => c.signal !== undefined)).toBe(true);
    expect(calls.find((c) => c.command === 'GetKeyPolicy' && c.input.KeyId === 'hang')?.signal?.aborted).toBe(true);
  }, 10_000);

  it('a PutEvaluations that never answers ends the invocation with EvaluationDeliveryError before the deadline', async () => {
    const { handler } = sweepOverKms({}, { PutEvaluations: () => 'hang' });
    await expect(handler(fixtureEvent('scheduled.json'), lambdaContext(TIMING.remainingMs))).rejects.toBeInstanceOf(EvaluationDeliveryError);
  }, 10_000);

  it('a stale clean-up that never answers does not cost the sweep its evaluations', async () => {
    const { handler } = sweepOverKms({ GetKeyPolicy: async () => ({ Policy: POLICY }) }, { GetComplianceDetailsByConfigRule: () => 'hang' });
    const sent = await handler(fixtureEvent('scheduled.json'), lambdaContext(TIMING.remainingMs));
    expect(sent.map((e) => e.ComplianceResourceId).sort()).toEqual(['hang', 'ok-1', 'ok-2']);
  }, 10_000);
});
