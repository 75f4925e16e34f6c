/**
 * The Lambda hook, driven with resource-operation requests shaped as CloudFormation sends them
 * (test/fixtures/hook-events, after the "Lambda Hook resource input syntax" of the Hooks user guide).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzePolicy } from '../../engine';
import { createHandler, type HookHandlerDeps } from '../../hook/handler';
import { MAX_MESSAGE_LENGTH, type HookResponse } from '../../hook/response';

const EVENTS = join(__dirname, '..', 'fixtures', 'hook-events');
type Json = Record<string, unknown>;

function event(name: string): Json {
  return JSON.parse(readFileSync(join(EVENTS, `${name}.json`), 'utf8')) as Json;
}

/** `create-key.json` with its resource properties replaced. */
function createKeyWith(properties: Json | undefined): Json {
  const e = event('create-key');
  const data = e.requestData as Json;
  data.targetModel = properties === undefined ? undefined : { resourceProperties: properties };
  return e;
}

interface LogCall {
  level: string;
  message: string;
  fields: unknown;
}

function recordingLogger(): { logger: HookHandlerDeps['logger']; calls: LogCall[] } {
  const calls: LogCall[] = [];
  const at = (level: string) => (message: unknown, fields?: unknown) => {
    calls.push({ level, message: String(message), fields });
  };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as HookHandlerDeps['logger'], calls };
}

function hook(env: Record<string, string> = {}, deps: Partial<HookHandlerDeps> = {}) {
  const log = recordingLogger();
  return { invoke: createHandler({ logger: log.logger, env, ...deps }), calls: log.calls };
}

const TOKEN = '4b90a7e4-b790-456b-a937-0cfdfa211dfe';
const ADMIN = 'arn:aws:iam::111122223333:role/KeyAdmin';
const APP = 'arn:aws:iam::111122223333:role/App';
const SPLIT_DUTIES = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Admins',
      Effect: 'Allow',
      Principal: { AWS: ADMIN },
      Action: ['kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Disable*', 'kms:Get*', 'kms:Delete*', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'],
      Resource: '*',
    },
    { Sid: 'Use', Effect: 'Allow', Principal: { AWS: APP }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'], Resource: '*' },
  ],
};
const ROOT_FULL = { Version: '2012-10-17', Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] };

function expectWellFormed(response: HookResponse): void {
  expect(response.clientRequestToken).toBe(TOKEN);
  expect(response.message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
  if (response.hookStatus === 'FAILED') expect(['NonCompliant', 'InternalFailure']).toContain(response.errorCode);
  else expect(response.errorCode).toBeUndefined();
}

describe('key policies judged', () => {
  it('a public key policy fails NonCompliant, naming the check, the statement, the fix and how to accept', async () => {
    const { invoke } = hook({ ExemptionTagKey: 'kms-policy-guard:exempt' });
    const response = await invoke(event('create-key'));
    expectWellFormed(response);
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant' });
    expect(response.message).toContain('PaymentsKey (AWS::KMS::Key)');
    expect(response.message).toMatch(/PUBLIC_ACCESS \(critical\): \S[^|]*\(in statement 0 \("EveryoneMayDecrypt"\)\)/);
    expect(response.message).toMatch(/ACCOUNT_WIDE_FULL_ACCESS \(high\): \S[^|]*\(in statement 1 \("Enable IAM User Permissions"\)\)/);
    expect(response.message).toContain('tag the key kms-policy-guard:exempt=<reason');
    expect(response.annotations?.map((a) => [a.annotationName, a.status, a.severityLevel])).toEqual([
      ['PUBLIC_ACCESS', 'FAILED', 'CRITICAL'],
      ['ACCOUNT_WIDE_FULL_ACCESS', 'FAILED', 'HIGH'],
    ]);
    expect(response.annotations?.[0]?.remediationLink).toMatch(/^https:\/\//);
  });

  it('a policy with split duties passes (SUCCESS, no errorCode)', async () => {
    const { invoke } = hook();
    const response = await invoke(createKeyWith({ KeyPolicy: SPLIT_DUTIES }));
    expectWellFormed(response);
    expect(response.hookStatus).toBe('SUCCESS');
    expect(response.message).toContain('passes every check at or above low');
  });

  it('a replica key update whose KeyPolicy is JSON text is judged from the text', async () => {
    const { invoke } = hook();
    const response = await invoke(event('update-replica-key'));
    expect(response).toMatchObject({ hookStatus: 'SUCCESS', clientRequestToken: '9c1f3e8a-5d2b-4c7e-8f10-2a3b4c5d6e7f' });
    expect(response.message).toContain('PaymentsReplica (AWS::KMS::ReplicaKey)');
  });

  it('the request account is the key account: a principal of that account is not foreign', async () => {
    const analyze = jest.fn(analyzePolicy);
    const { invoke } = hook({}, { analyze });
    await invoke(createKeyWith({ KeyPolicy: SPLIT_DUTIES }));
    expect(analyze).toHaveBeenCalledWith(SPLIT_DUTIES, expect.objectContaining({ accountId: '111122223333' }));
  });

  it('a key without KeyPolicy is judged with the default key policy KMS would attach, and says so', async () => {
    const { invoke } = hook();
    const response = await invoke(createKeyWith({ Description: 'no policy' }));
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant' });
    expect(response.message).toContain('default key policy');
    expect(response.message).toContain('ACCOUNT_WIDE_FULL_ACCESS');
  });

  it('a key declared without properties is judged with the default key policy too', async () => {
    const { invoke } = hook();
    const response = await invoke(createKeyWith(undefined));
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant' });
    expect(response.message).toContain('default key policy');
  });

  it('the default key policy names the partition of the stack', async () => {
    const analyze = jest.fn(analyzePolicy);
    const e = createKeyWith({});
    e.stackId = 'arn:aws-cn:cloudformation:cn-north-1:111122223333:stack/payments/1';
    await hook({}, { analyze }).invoke(e);
    expect(JSON.stringify(analyze.mock.calls[0]?.[0])).toContain('arn:aws-cn:iam::111122223333:root');
  });

  it('settings reach the engine: trusted accounts, disabled checks and the minimum severity', async () => {
    const { invoke } = hook({ MinimumSeverity: 'CRITICAL', DisabledChecks: 'public_access', TrustedAccountIds: '444455556666' });
    const response = await invoke(event('create-key'));
    expect(response.hookStatus).toBe('SUCCESS');
    expect(response.message).toContain('1 finding(s) below critical are not counted');
  });
});

describe('accepting findings with the exemption tag', () => {
  const tagged = (policy: unknown, value: string) => createKeyWith({ KeyPolicy: policy, Tags: [{ Key: 'team', Value: 'x' }, { Key: 'kpg-exempt', Value: value }] });

  it('the tag accepts the findings: SUCCESS with the reason in the message and SKIPPED annotations', async () => {
    const { invoke } = hook({ ExemptionTagKey: 'kpg-exempt' });
    const response = await invoke(tagged(ROOT_FULL, ' SEC-1234 key administrators set by SCP '));
    expectWellFormed(response);
    expect(response.hookStatus).toBe('SUCCESS');
    expect(response.message).toContain('would fail ACCOUNT_WIDE_FULL_ACCESS');
    expect(response.message).toContain('accepted by the tag kpg-exempt="SEC-1234 key administrators set by SCP"');
    expect(response.annotations?.map((a) => [a.annotationName, a.status])).toEqual([['ACCOUNT_WIDE_FULL_ACCESS', 'SKIPPED']]);
  });

  it('an empty tag value accepts nothing', async () => {
    const response = await hook({ ExemptionTagKey: 'kpg-exempt' }).invoke(tagged(ROOT_FULL, '   '));
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant' });
  });

  it('without ExemptionTagKey the tag means nothing, and the message says how acceptance would work', async () => {
    const response = await hook().invoke(tagged(ROOT_FULL, 'SEC-1234 accepted'));
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant' });
    expect(response.message).toContain('deployed with an exemption tag key');
  });

  it('a non-suppressible check (PUBLIC_ACCESS by default) is refused, the rest accepted', async () => {
    const e = event('create-key');
    const props = ((e.requestData as Json).targetModel as Json).resourceProperties as Json;
    props.Tags = [{ Key: 'kpg-exempt', Value: 'SEC-1234 reviewed' }];
    const response = await hook({ ExemptionTagKey: 'kpg-exempt' }).invoke(e);
    expectWellFormed(response);
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant' });
    expect(response.message).toContain('fails 1 check(s)');
    expect(response.message).toContain('tag cannot accept PUBLIC_ACCESS: fix the key policy');
    expect(response.annotations?.map((a) => [a.annotationName, a.status])).toEqual([
      ['PUBLIC_ACCESS', 'FAILED'],
      ['ACCOUNT_WIDE_FULL_ACCESS', 'SKIPPED'],
    ]);
  });

  it('NonSuppressibleChecks=none lets the tag accept PUBLIC_ACCESS too; a named list replaces the default', async () => {
    const e = event('create-key');
    const props = ((e.requestData as Json).targetModel as Json).resourceProperties as Json;
    props.Tags = [{ Key: 'kpg-exempt', Value: 'SEC-1234 reviewed' }];
    expect((await hook({ ExemptionTagKey: 'kpg-exempt', NonSuppressibleChecks: 'none' }).invoke(e)).hookStatus).toBe('SUCCESS');
    const named = await hook({ ExemptionTagKey: 'kpg-exempt', NonSuppressibleChecks: 'account_wide_full_access' }).invoke(e);
    expect(named.message).toContain('tag cannot accept ACCOUNT_WIDE_FULL_ACCESS');
  });

  it('no tag accepts a policy that does not parse', async () => {
    const response = await hook({ ExemptionTagKey: 'kpg-exempt' }).invoke(tagged('{"Version": "2012-10-17", "Statement": [', 'SEC-1234 reviewed'));
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'InternalFailure' });
  });

  it('no tag accepts a finding the engine could not judge', async () => {
    const analyze = () => ({ findings: [{ ...analyzePolicy(ROOT_FULL, {}).findings[0]!, notJudged: true as const, message: 'the check threw' }] });
    const response = await hook({ ExemptionTagKey: 'kpg-exempt' }, { analyze }).invoke(tagged(ROOT_FULL, 'SEC-1234 reviewed'));
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'InternalFailure' });
    expect(response.message).toContain('the check threw');
    expect(response.message).toContain("see the hook function's logs");
  });
});

describe('what cannot be judged fails closed (InternalFailure)', () => {
  it.each([
    ['truncated JSON text', '{"Version": "2012-10-17", "Statement": [', /not valid JSON/],
    ['a number', 42, /KeyPolicy is a number, not a policy document/],
    ['an array', [{ Effect: 'Allow' }], /KeyPolicy is an array/],
    ['a policy that breaks the grammar', { Version: '2012-10-17', Statement: [{ Effect: 'allow', Principal: '*', Action: 'kms:*', Resource: '*' }] }, /could not judge PaymentsKey \(AWS::KMS::Key\): its key policy does not parse.*Effect.*fix the KeyPolicy so it parses/],
  ])('KeyPolicy as %s', async (_name, policy, reason) => {
    const response = await hook().invoke(createKeyWith({ KeyPolicy: policy }));
    expectWellFormed(response);
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'InternalFailure' });
    expect(response.message).toMatch(reason);
  });

  it('a replica key without KeyPolicy (required there) is not judged clean', async () => {
    const e = event('update-replica-key');
    delete (((e.requestData as Json).targetModel as Json).resourceProperties as Json).KeyPolicy;
    const response = await hook().invoke(e);
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'InternalFailure' });
    expect(response.message).toContain('has no KeyPolicy, which a replica key requires');
  });

  it('an engine that throws becomes InternalFailure, not an exception', async () => {
    const analyze = () => {
      throw new RangeError('boom');
    };
    const { invoke, calls } = hook({}, { analyze });
    const response = await invoke(event('create-key'));
    expectWellFormed(response);
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'InternalFailure' });
    expect(response.message).toContain('RangeError');
    expect(calls.some((c) => c.level === 'warn')).toBe(true);
  });

  it.each([
    ['not an object', 'hello', /request must be a JSON object/],
    ['no requestData', { clientRequestToken: TOKEN, awsAccountId: '111122223333', actionInvocationPoint: 'CREATE_PRE_PROVISION' }, /requestData must be an object/],
    ['an unknown invocation point', { ...event('create-key'), actionInvocationPoint: 'CREATE_POST_PROVISION' }, /actionInvocationPoint must be one of/],
    ['a bad account id', { ...event('create-key'), awsAccountId: '1234' }, /awsAccountId must be a 12-digit account id/],
    ['no target type', { ...event('create-key'), requestData: { targetLogicalId: 'K' } }, /requestData.targetName must be a non-empty string/],
    ['a target that is not a type name', { ...event('create-key'), requestData: { targetName: 'KMS Key', targetLogicalId: 'K' } }, /must be a resource type/],
    ['resourceProperties as a string', { ...event('create-key'), requestData: { targetName: 'AWS::KMS::Key', targetLogicalId: 'K', targetModel: { resourceProperties: '{}' } } }, /resourceProperties must be an object/],
  ])('a malformed request (%s)', async (_name, raw, reason) => {
    const { invoke, calls } = hook();
    const response = await invoke(raw);
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'InternalFailure' });
    expect(response.message).toMatch(reason);
    expect(response.clientRequestToken).toBe(typeof raw === 'object' ? TOKEN : '');
    expect(calls.map((c) => c.message)).toContain('malformed hook request');
  });
});

describe('nothing to judge', () => {
  it('a deletion succeeds and says why', async () => {
    const response = await hook().invoke({ ...event('create-key'), actionInvocationPoint: 'DELETE_PRE_PROVISION' });
    expectWellFormed(response);
    expect(response.hookStatus).toBe('SUCCESS');
    expect(response.message).toContain('nothing to judge');
  });

  it('another resource type fails InternalFailure: the hook targets keys only, so its filters were changed', async () => {
    const e = event('create-key');
    (e.requestData as Json).targetName = 'AWS::S3::Bucket';
    const response = await hook().invoke(e);
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'InternalFailure' });
    expect(response.message).toContain('judges AWS::KMS::Key and AWS::KMS::ReplicaKey only');
  });

  it.each(['AWS::KMS::KEY', 'aws::kms::key'])('a key type spelled %s is judged as AWS::KMS::Key', async (targetName) => {
    const e = createKeyWith({ KeyPolicy: { Version: '2012-10-17', Statement: [{ Sid: 'Pub', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }] } });
    (e.requestData as Json).targetName = targetName;
    const response = await hook().invoke(e);
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant' });
    expect(response.message).toContain('PUBLIC_ACCESS');
  });
});

describe('what the exemption tag can and cannot accept', () => {
  const FOREIGN = { Version: '2012-10-17', Statement: [{ Sid: 'Partner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'kms:Decrypt', Resource: '*' }] };

  it('a tag key written twice accepts nothing, whichever value comes first', async () => {
    for (const tags of [[{ Key: 'kpg-exempt', Value: 'SEC-1' }, { Key: 'kpg-exempt', Value: '' }], [{ Key: 'kpg-exempt', Value: 'SEC-1' }, { Key: 'kpg-exempt', Value: 'SEC-2' }]]) {
      const response = await hook({ ExemptionTagKey: 'kpg-exempt' }).invoke(createKeyWith({ KeyPolicy: FOREIGN, Tags: tags }));
      expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant' });
    }
    const once = await hook({ ExemptionTagKey: 'kpg-exempt' }).invoke(createKeyWith({ KeyPolicy: FOREIGN, Tags: [{ Key: 'kpg-exempt', Value: 'SEC-1' }] }));
    expect(once.hookStatus).toBe('SUCCESS');
  });

  it('NonSuppressibleChecks from the environment keeps the tag from accepting those checks', async () => {
    const tagged = createKeyWith({ KeyPolicy: FOREIGN, Tags: [{ Key: 'kpg-exempt', Value: 'SEC-1' }] });
    const response = await hook({ ExemptionTagKey: 'kpg-exempt', NonSuppressibleChecks: 'PUBLIC_ACCESS,UNTRUSTED_CROSS_ACCOUNT' }).invoke(tagged);
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant' });
    expect(response.message).toContain('cannot accept UNTRUSTED_CROSS_ACCOUNT');
  });

  it('when every failing check is non-suppressible, the message does not offer the tag', async () => {
    const response = await hook({ ExemptionTagKey: 'kpg-exempt' }).invoke(
      createKeyWith({ KeyPolicy: { Version: '2012-10-17', Statement: [{ Sid: 'Pub', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }] } }),
    );
    expect(response.message).not.toContain('tag the key');
    expect(response.message).toContain('PUBLIC_ACCESS cannot be accepted (NonSuppressibleChecks): fix the key policy.');
  });
});

describe('the fix survives long Sids', () => {
  it('PUBLIC_ACCESS in four statements with 220-character Sids still says how to fix it', async () => {
    const sid = (i: number) => `AllowDecryptForTheWholePaymentsPlatform${'X'.repeat(180)}${i}`;
    const policy = { Version: '2012-10-17', Statement: [0, 1, 2, 3].map((i) => ({ Sid: sid(i), Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' })) };
    const response = await hook().invoke(createKeyWith({ KeyPolicy: policy }));
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'NonCompliant' });
    expect(response.message).toContain('Name the principals');
    expect(response.message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
  });
});

describe('bad settings', () => {
  it.each([
    ['TrustedAccountIds', '1234', /TrustedAccountIds.*"1234" is not a 12-digit account id/],
    ['MinimumSeverity', 'severe', /MinimumSeverity.*must be one of/],
    ['DisabledChecks', 'INVALID_POLICY', /DisabledChecks.*cannot be disabled/],
    ['ExemptionTagKey', ' ', null],
    ['NonSuppressibleChecks', 'PUBLIC', /NonSuppressibleChecks.*unknown check "PUBLIC"/],
  ])('%s=%j', async (variable, value, problem) => {
    const { invoke, calls } = hook({ [variable]: value });
    const response = await invoke(event('create-key'));
    expectWellFormed(response);
    if (problem === null) {
      // Blank is unset, as for the rule's parameters.
      expect(response.errorCode).toBe('NonCompliant');
      return;
    }
    expect(response).toMatchObject({ hookStatus: 'FAILED', errorCode: 'InternalFailure' });
    expect(response.message).toMatch(problem);
    expect(response.message).toContain('redeploy the hook stack');
    expect(calls.map((c) => c.message)).toContain('hook settings are invalid');
  });
});

describe('message length', () => {
  it('200 bad statements fit in 1024 characters, most severe first, the rest counted, the acceptance hint whole', async () => {
    const statements = Array.from({ length: 200 }, (_, i) =>
      i % 2 === 0
        ? { Sid: `Public${i}`, Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }
        : { Sid: `Foreign${i}`, Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${String(100000000000 + i)}:root` }, Action: 'kms:*', Resource: '*' },
    );
    const response = await hook({ ExemptionTagKey: 'kpg-exempt' }).invoke(createKeyWith({ KeyPolicy: { Version: '2012-10-17', Statement: statements } }));
    expectWellFormed(response);
    expect(response.errorCode).toBe('NonCompliant');
    expect(response.message.startsWith('kms-policy-guard: the key policy of PaymentsKey')).toBe(true);
    expect(response.message).toMatch(/^[^|]*PUBLIC_ACCESS \(critical\): [^|]*\(in statement 0 \("Public0"\), statement 2 \("Public2"\)/);
    expect(response.message).toMatch(/\[\+\d+ more statements\]/);
    expect(response.message.endsWith('cannot be accepted this way.')).toBe(true);
    for (const a of response.annotations ?? []) expect(a.statusMessage.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
  });

  it('a very long exemption reason is cut in the message, which stays within the limit', async () => {
    const response = await hook({ ExemptionTagKey: 'kpg-exempt' }).invoke(createKeyWith({ KeyPolicy: ROOT_FULL, Tags: [{ Key: 'kpg-exempt', Value: 'x'.repeat(2000) }] }));
    expect(response.hookStatus).toBe('SUCCESS');
    expect(response.message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(response.message).toContain('…');
  });
});

describe('logs', () => {
  it('log the decision with ids and check ids, never the policy text', async () => {
    const { invoke, calls } = hook();
    await invoke(event('create-key'));
    const text = JSON.stringify(calls);
    expect(text).toContain('PUBLIC_ACCESS');
    expect(text).toContain('PaymentsKey');
    expect(text).not.toContain('EveryoneMayDecrypt');
    expect(text).not.toContain('kms:Decrypt');
  });
});
