/**
 * The Security Hub importer (cli/aws/security-hub.ts) against mocked clients, one per account and Region:
 * batches, throttling, refused findings, a failing account beside a working one, and the fail-closed
 * resolution of findings that disappeared.
 */
import { BatchImportFindingsCommand, GetFindingsCommand, SecurityHubClient, type AwsSecurityFinding, type BatchImportFindingsCommandInput } from '@aws-sdk/client-securityhub';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { CHECK, CHECKS, analyzePolicy, type Severity } from '../../engine';
import {
  GRANT_CHECKS,
  importToSecurityHub,
  securityHubNotes,
  type ArchiveCoverage,
  type FindingIdentity,
  type HubPair,
  type SecurityHubImportOptions,
} from '../../cli/aws/security-hub';
import { AssumeRoleError } from '../../aws/errors';
import { loadPolicyFixtures } from '../support/fixtures';
import { VirtualClock } from '../rule/support';

const A = '111122223333';
const B = '444455556666';
const REGION = 'eu-west-1';
const GENERATOR = 'kms-policy-guard/';
const productArn = (p: { account: string; region: string }) => `arn:aws:securityhub:${p.region}:${p.account}:product/${p.account}/default`;
const keyArn = (account: string, key: string, region = REGION) => `arn:aws:kms:${region}:${account}:key/${key}`;

/** Test findings carry their key, check and severity where the test identity reads them back. */
const identity: FindingIdentity = {
  productArn,
  generatorIdPrefix: GENERATOR,
  subjectOf: (f) => {
    const keyArn = f.Resources?.[0]?.Id;
    const checkId = f.GeneratorId?.slice(GENERATOR.length);
    const severity = f.ProductFields?.severity as Severity | undefined;
    if (checkId === undefined || severity === undefined) return undefined;
    if (f.Resources?.[0]?.Type === 'AwsAccount') return { about: 'pair', checkId, severity };
    return keyArn === undefined ? undefined : { about: { keyArn }, checkId, severity };
  },
};

function finding(id: string, options: { account?: string; region?: string; key?: string; check?: string; severity?: Severity; product?: string; generator?: string } = {}): AwsSecurityFinding {
  const account = options.account ?? A;
  const region = options.region ?? REGION;
  const check = options.check ?? CHECK.PUBLIC_ACCESS;
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: options.product ?? productArn({ account, region }),
    GeneratorId: options.generator ?? `${GENERATOR}${check}`,
    AwsAccountId: account,
    Region: region,
    Types: ['Software and Configuration Checks'],
    CreatedAt: '2026-11-01T00:00:00.000Z',
    UpdatedAt: '2026-11-01T00:00:00.000Z',
    Severity: { Label: 'CRITICAL' },
    Title: check,
    Description: check,
    Resources: [{ Type: 'AwsKmsKey', Id: keyArn(account, options.key ?? 'k1', region) }],
    ProductFields: { severity: options.severity ?? 'critical' },
    Compliance: { Status: 'FAILED' },
    RecordState: 'ACTIVE',
    Workflow: { Status: 'NOTIFIED' },
  };
}

function coverage(over: Partial<ArchiveCoverage> = {}): ArchiveCoverage {
  return {
    listedPairs: [{ account: A, region: REGION }],
    unlistedPairs: [],
    listedKeys: new Set([keyArn(A, 'k1'), keyArn(A, 'k2')]),
    judgedKeys: new Set([keyArn(A, 'k1'), keyArn(A, 'k2')]),
    disabledChecks: [],
    grantsRead: true,
    ...over,
  };
}

interface Hub {
  client: SecurityHubClient;
  mock: AwsClientStub<SecurityHubClient>;
}

/** One mocked client per account/Region; GetFindings answers `stored` in pages of 100 unless set otherwise. */
function hubs(pairs: readonly HubPair[], stored: Record<string, AwsSecurityFinding[]> = {}): Record<string, Hub> {
  const out: Record<string, Hub> = {};
  for (const p of pairs) {
    const client = new SecurityHubClient({ region: p.region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const mock = mockClient(client);
    mock.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => ({ FailedCount: 0, SuccessCount: input.Findings?.length ?? 0, FailedFindings: [] }));
    const all = stored[`${p.account}/${p.region}`] ?? [];
    mock.on(GetFindingsCommand).callsFake((input: { NextToken?: string }) => {
      const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
      const next = start + 100 < all.length ? String(start + 100) : undefined;
      return { Findings: all.slice(start, start + 100), ...(next === undefined ? {} : { NextToken: next }) };
    });
    out[`${p.account}/${p.region}`] = { client, mock };
  }
  return out;
}

function run(findings: AwsSecurityFinding[], cov: ArchiveCoverage, clients: Record<string, Hub>, over: Partial<SecurityHubImportOptions> = {}) {
  return importToSecurityHub({
    findings,
    coverage: cov,
    identity,
    client: async (pair) => {
      const hub = clients[`${pair.account}/${pair.region}`];
      if (hub === undefined) throw new Error(`no client for ${pair.account}/${pair.region}`);
      return hub.client;
    },
    clock: new VirtualClock(),
    concurrency: 4,
    ...over,
  });
}

const sent = (hub: Hub) => hub.mock.commandCalls(BatchImportFindingsCommand).map((c) => c.args[0].input.Findings ?? []);
const archivedIds = (hub: Hub) =>
  sent(hub)
    .flat()
    .filter((f) => f.RecordState === 'ARCHIVED')
    .map((f) => f.Id);

describe('importing', () => {
  it('sends 250 findings in batches of 100, 100 and 50', async () => {
    const h = hubs([{ account: A, region: REGION }]);
    const findings = Array.from({ length: 250 }, (_, i) => finding(`f${i}`));
    const outcome = await run(findings, coverage(), h);
    expect(sent(h[`${A}/${REGION}`] as Hub).map((b) => b.length)).toEqual([100, 100, 50]);
    expect(outcome.pairs[0]).toMatchObject({ imported: 250, failed: [] });
    expect(outcome.complete).toBe(true);
  });

  it('retries a throttled call', async () => {
    const h = hubs([{ account: A, region: REGION }]);
    const hub = h[`${A}/${REGION}`] as Hub;
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'LimitExceededException', $metadata: { httpStatusCode: 429 } });
    hub.mock.on(BatchImportFindingsCommand).rejectsOnce(throttled).resolves({ FailedCount: 0, SuccessCount: 1, FailedFindings: [] });
    const clock = new VirtualClock();
    const outcome = await run([finding('f1')], coverage(), h, { clock });
    expect(hub.mock.commandCalls(BatchImportFindingsCommand)).toHaveLength(2);
    expect(outcome.pairs[0]).toMatchObject({ imported: 1, failed: [] });
  });

  it('sends refused findings again, then reports those still refused with their error, and is incomplete', async () => {
    const h = hubs([{ account: A, region: REGION }]);
    const hub = h[`${A}/${REGION}`] as Hub;
    hub.mock.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => {
      const ids = (input.Findings ?? []).map((f) => f.Id);
      // f2 is refused every time; f3 only the first time.
      const refused = ids.filter((id) => id === 'f2' || (id === 'f3' && hub.mock.commandCalls(BatchImportFindingsCommand).length === 1));
      return { FailedCount: refused.length, SuccessCount: ids.length - refused.length, FailedFindings: refused.map((Id) => ({ Id, ErrorCode: 'InvalidInput', ErrorMessage: `bad ${Id}` })) };
    });
    const outcome = await run([finding('f1'), finding('f2'), finding('f3')], coverage(), h);
    expect(sent(hub).map((b) => b.map((f) => f.Id))).toEqual([['f1', 'f2', 'f3'], ['f2', 'f3'], ['f2']]);
    expect(outcome.pairs[0]).toMatchObject({ imported: 2, failed: [{ id: 'f2', errorCode: 'InvalidInput', errorMessage: 'bad f2' }] });
    expect(outcome.complete).toBe(false);
    expect(securityHubNotes(outcome, coverage())).toEqual(expect.arrayContaining(['Security Hub 111122223333/eu-west-1: finding f2 not imported: InvalidInput: bad f2']));
  });

  it('groups findings by their account and Region; access denied in one account does not stop the other', async () => {
    const pairs = [
      { account: A, region: REGION },
      { account: B, region: REGION, roleName: 'Scanner' },
      { account: B, region: 'us-east-1', roleName: 'Scanner' },
    ];
    const h = hubs(pairs);
    const denied = Object.assign(new Error('not authorized to perform securityhub:BatchImportFindings'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    (h[`${A}/${REGION}`] as Hub).mock.on(BatchImportFindingsCommand).rejects(denied);
    const findings = [finding('a1'), finding('b1', { account: B }), finding('b2', { account: B, region: 'us-east-1' }), finding('a2')];
    const outcome = await run(findings, coverage({ listedPairs: pairs, listedKeys: new Set(), judgedKeys: new Set() }), h);
    expect(sent(h[`${B}/${REGION}`] as Hub).flat().map((f) => f.Id)).toEqual(['b1']);
    expect(sent(h[`${B}/us-east-1`] as Hub).flat().map((f) => f.Id)).toEqual(['b2']);
    const a = outcome.pairs.find((p) => p.account === A);
    expect(a?.error).toMatch(/AccessDeniedException.*grant securityhub:BatchImportFindings and securityhub:GetFindings to the scanning principal/);
    expect(a?.failed.map((f) => f.id)).toEqual(['a1', 'a2']);
    expect(outcome.pairs.filter((p) => p.account === B).map((p) => p.imported)).toEqual([1, 1]);
    expect(outcome.complete).toBe(false);
  });

  it('says to enable Security Hub when it answers InvalidAccessException, and names the member role when it is denied', async () => {
    const pairs = [
      { account: A, region: REGION },
      { account: B, region: REGION, roleName: 'Scanner' },
    ];
    const h = hubs(pairs);
    (h[`${A}/${REGION}`] as Hub).mock.on(BatchImportFindingsCommand).rejects(Object.assign(new Error('Account is not subscribed to AWS Security Hub'), { name: 'InvalidAccessException', $metadata: { httpStatusCode: 401 } }));
    (h[`${B}/${REGION}`] as Hub).mock.on(BatchImportFindingsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }));
    const outcome = await run([finding('a1'), finding('b1', { account: B })], coverage({ listedPairs: pairs }), h);
    expect(outcome.pairs[0]?.error).toMatch(/enable Security Hub in account 111122223333 in eu-west-1/);
    expect(outcome.pairs[1]?.error).toMatch(/to role Scanner of account 444455556666/);
  });

  it('reports an account whose role cannot be assumed, and goes on with the others', async () => {
    const pairs = [
      { account: A, region: REGION },
      { account: B, region: REGION, roleName: 'Scanner' },
    ];
    const h = hubs(pairs);
    const outcome = await run([finding('a1'), finding('b1', { account: B })], coverage({ listedPairs: pairs }), h, {
      client: async (pair) => {
        if (pair.account === B) throw new AssumeRoleError(`arn:aws:iam::${B}:role/Scanner`, { cause: Object.assign(new Error('no'), { name: 'AccessDenied' }) });
        return (h[`${A}/${REGION}`] as Hub).client;
      },
    });
    expect(outcome.pairs[0]).toMatchObject({ imported: 1, failed: [] });
    expect(outcome.pairs[1]?.error).toMatch(/AccessDenied.*no finding was sent to account 444455556666 in eu-west-1/);
    expect(outcome.pairs[1]?.failed.map((f) => f.id)).toEqual(['b1']);
  });
});

describe('resolving findings that disappeared', () => {
  it('archives, PASSED and updated now, only its own ACTIVE findings that were not found again', async () => {
    const stored = [
      finding('still'),
      finding('gone', { key: 'k2' }),
      finding('other-product', { key: 'k2', product: 'arn:aws:securityhub:eu-west-1::product/aws/config' }),
      finding('other-generator', { key: 'k2', generator: 'arn:aws:config:eu-west-1:111122223333:config-rule/x' }),
      finding('other-account', { key: 'k2', account: B }),
      { ...finding('already-archived', { key: 'k2' }), RecordState: 'ARCHIVED' as const },
    ];
    const h = hubs([{ account: A, region: REGION }], { [`${A}/${REGION}`]: stored });
    const clock = new VirtualClock(Date.parse('2026-12-06T02:00:00.000Z'));
    const outcome = await run([finding('still')], coverage(), h, { clock });
    const hub = h[`${A}/${REGION}`] as Hub;
    expect(archivedIds(hub)).toEqual(['gone']);
    const resolved = sent(hub).flat().find((f) => f.Id === 'gone');
    expect(resolved).toMatchObject({ RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' }, UpdatedAt: '2026-12-06T02:00:00.000Z' });
    // A person's workflow status is theirs: never sent back.
    expect(resolved?.Workflow).toBeUndefined();
    expect(outcome.pairs[0]).toMatchObject({ imported: 1, archived: 1, keptActive: [] });
    // The filter asked of Security Hub.
    const filters = hub.mock.commandCalls(GetFindingsCommand)[0]?.args[0].input.Filters;
    expect(filters).toEqual({
      ProductArn: [{ Value: productArn({ account: A, region: REGION }), Comparison: 'EQUALS' }],
      GeneratorId: [{ Value: GENERATOR, Comparison: 'PREFIX' }],
      AwsAccountId: [{ Value: A, Comparison: 'EQUALS' }],
      Region: [{ Value: REGION, Comparison: 'EQUALS' }],
      RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
    });
  });

  it('reads every page of GetFindings', async () => {
    const stored = Array.from({ length: 230 }, (_, i) => finding(`old${i}`, { key: 'k2' }));
    const h = hubs([{ account: A, region: REGION }], { [`${A}/${REGION}`]: stored });
    const outcome = await run([], coverage(), h);
    expect(outcome.pairs[0]?.archived).toBe(230);
    expect((h[`${A}/${REGION}`] as Hub).mock.commandCalls(GetFindingsCommand)).toHaveLength(3);
  });

  it('archives the finding that said the pair could not be listed, once it is', async () => {
    const unlisted = { ...finding('pair', { check: 'NOT_JUDGED' }), Resources: [{ Type: 'AwsAccount', Id: `AWS::::Account:${A}` }] };
    const h = hubs([{ account: A, region: REGION }], { [`${A}/${REGION}`]: [unlisted] });
    await run([], coverage(), h);
    expect(archivedIds(h[`${A}/${REGION}`] as Hub)).toEqual(['pair']);
  });

  it('archives the finding of a key no longer listed (deleted)', async () => {
    const h = hubs([{ account: A, region: REGION }], { [`${A}/${REGION}`]: [finding('deleted-key', { key: 'k9' })] });
    await run([], coverage(), h);
    expect(archivedIds(h[`${A}/${REGION}`] as Hub)).toEqual(['deleted-key']);
  });

  it.each<[string, Partial<ArchiveCoverage>, Parameters<typeof finding>[1], RegExp]>([
    ['a key listed but not fully judged (unreadable, or grants unread)', { judgedKeys: new Set([keyArn(A, 'k1')]) }, { key: 'k2' }, /key .*k2 was not fully judged this run/],
    ['a disabled check', { disabledChecks: [CHECK.PUBLIC_ACCESS] }, {}, /check PUBLIC_ACCESS did not run \(--disable-checks\)/],
    ['a severity below --min-severity', { minimumSeverity: 'high' }, { check: CHECK.ALLOW_WITH_NEGATION, severity: 'low' }, /severity low is below --min-severity high/],
    ['a grant check when grants were not read', { grantsRead: false }, { check: CHECK.UNTRUSTED_GRANTEE, severity: 'high' }, /judges grants, which were not read \(--no-grants\)/],
    ['a key of another account or Region than the finding says', {}, { key: 'k1', region: REGION }, /not of account/],
  ])('keeps ACTIVE, and says why: %s', async (_name, cov, options, reason) => {
    const f = _name.startsWith('a key of another') ? { ...finding('x', options), Resources: [{ Type: 'AwsKmsKey', Id: keyArn(A, 'k1', 'us-east-1') }] } : finding('x', options);
    const h = hubs([{ account: A, region: REGION }], { [`${A}/${REGION}`]: [f] });
    const outcome = await run([], coverage(cov), h);
    expect(archivedIds(h[`${A}/${REGION}`] as Hub)).toEqual([]);
    expect(outcome.pairs[0]?.keptActive).toEqual([{ id: 'x', reason: expect.stringMatching(reason) as string }]);
    expect(securityHubNotes(outcome, coverage(cov)).some((n) => n.includes('finding x kept ACTIVE'))).toBe(true);
  });

  it('does not look at a Region that was not listed, and says so', async () => {
    const h = hubs([{ account: A, region: REGION }, { account: A, region: 'us-east-1' }], { [`${A}/us-east-1`]: [finding('east', { region: 'us-east-1' })] });
    const cov = coverage({ unlistedPairs: [{ account: A, region: 'us-east-1' }] });
    const outcome = await run([], cov, h);
    expect((h[`${A}/us-east-1`] as Hub).mock.calls()).toHaveLength(0);
    expect(outcome.pairs.map((p) => `${p.account}/${p.region}`)).toEqual([`${A}/${REGION}`]);
    expect(securityHubNotes(outcome, cov)).toContain('Security Hub 111122223333/us-east-1: the keys could not be listed, so no finding there was resolved (they stay ACTIVE)');
  });

  it('keeps a finding whose key or check cannot be read from it', async () => {
    const unreadable = { ...finding('odd', { key: 'k2' }), ProductFields: {} };
    const h = hubs([{ account: A, region: REGION }], { [`${A}/${REGION}`]: [unreadable] });
    const outcome = await run([], coverage(), h);
    expect(outcome.pairs[0]?.keptActive[0]?.reason).toMatch(/cannot be read/);
  });

  it('reports a GetFindings that is denied, after importing', async () => {
    const h = hubs([{ account: A, region: REGION }]);
    const hub = h[`${A}/${REGION}`] as Hub;
    hub.mock.on(GetFindingsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }));
    const outcome = await run([finding('f1')], coverage(), h);
    expect(outcome.pairs[0]).toMatchObject({ imported: 1, archived: 0 });
    expect(outcome.pairs[0]?.error).toMatch(/securityhub:GetFindings failed .*grant securityhub:BatchImportFindings and securityhub:GetFindings/);
    expect(outcome.complete).toBe(false);
  });
});

describe('GRANT_CHECKS', () => {
  // The checks whose findings vanish when a key's grants are not given are exactly the grant checks.
  it('holds the checks that judge grants, and only those', () => {
    const withGrants = loadPolicyFixtures().filter((f) => f.options.grants !== undefined && f.options.grants.length > 0);
    const vanishing = new Set<string>();
    for (const f of withGrants) {
      const withThem = analyzePolicy(f.input, f.options).findings.map((x) => x.checkId);
      const { grants: _grants, ...rest } = f.options;
      void _grants;
      const without = new Set(analyzePolicy(f.input, rest).findings.map((x) => x.checkId));
      for (const id of withThem) if (!without.has(id)) vanishing.add(id);
    }
    expect([...vanishing].sort()).toEqual([...GRANT_CHECKS].sort());
    expect(GRANT_CHECKS.every((id) => CHECKS.some((c) => c.meta.id === id))).toBe(true);
  });
});

describe('findings that cannot be placed or confirmed', () => {
  it('reports a finding without an account or Region as not imported, never drops it', async () => {
    const h = hubs([{ account: A, region: REGION }]);
    const unplaced: AwsSecurityFinding = { ...finding('nowhere'), AwsAccountId: undefined };
    const outcome = await run([unplaced, finding('f1')], coverage(), h);
    expect(outcome.complete).toBe(false);
    expect(outcome.pairs.flatMap((p) => p.failed.map((f) => f.id))).toEqual(['nowhere']);
  });

  it('sends a batch again when Security Hub counts failures it does not name, then reports them', async () => {
    const h = hubs([{ account: A, region: REGION }]);
    const hub = h[`${A}/${REGION}`] as Hub;
    hub.mock.on(BatchImportFindingsCommand).resolves({ FailedCount: 1, SuccessCount: 1, FailedFindings: [] });
    const outcome = await run([finding('f1'), finding('f2')], coverage(), h);
    expect(hub.mock.commandCalls(BatchImportFindingsCommand)).toHaveLength(3);
    expect(outcome.pairs[0]?.imported).toBe(0);
    expect(outcome.pairs[0]?.failed.map((f) => f.errorCode)).toEqual(['FailedCountMismatch', 'FailedCountMismatch']);
    expect(outcome.complete).toBe(false);
  });
});
