import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  OrganizationsClient,
  type PolicyTypeStatus,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { createOrganizationCache, readOrganizationPolicies, type OrganizationsOperation } from '../../aws/organizations-reader';
import { TokenBucket } from '../../runtime/token-bucket';
import { VirtualClock } from '../rule/support';

const orgsMock = mockClient(OrganizationsClient);
beforeEach(() => orgsMock.reset());

const MANAGEMENT = '111111111111';
const MEMBER = '222222222222';
const OTHER_MEMBER = '333333333333';
const ROOT = 'r-abcd';
const OU = 'ou-abcd-11111111';
const READER = 'arn:aws:iam::222222222222:role/kms-policy-guard';
const FULL_ACCESS = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';
const DENY_KMS = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}';
const RCP_FULL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}';

function options(cache = createOrganizationCache()) {
  const clock = new VirtualClock(0);
  const requests: OrganizationsOperation[] = [];
  return { clock, limiter: new TokenBucket(10, clock), retry: { random: () => 0 }, principal: READER, cache, onRequest: (op: OrganizationsOperation) => requests.push(op), requests };
}

function organization(featureSet: 'ALL' | 'CONSOLIDATED_BILLING' = 'ALL') {
  orgsMock.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-abcd', MasterAccountId: MANAGEMENT, FeatureSet: featureSet } });
}

function root(types: Partial<Record<'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY', PolicyTypeStatus>>) {
  orgsMock.on(ListRootsCommand).resolves({ Roots: [{ Id: ROOT, PolicyTypes: Object.entries(types).map(([Type, Status]) => ({ Type: Type as 'SERVICE_CONTROL_POLICY', Status })) }] });
}

/** MEMBER and OTHER_MEMBER in OU, OU under the root. */
function tree() {
  orgsMock.on(ListParentsCommand, { ChildId: MEMBER }).resolves({ Parents: [{ Id: OU, Type: 'ORGANIZATIONAL_UNIT' }] });
  orgsMock.on(ListParentsCommand, { ChildId: OTHER_MEMBER }).resolves({ Parents: [{ Id: OU, Type: 'ORGANIZATIONAL_UNIT' }] });
  orgsMock.on(ListParentsCommand, { ChildId: OU }).resolves({ Parents: [{ Id: ROOT, Type: 'ROOT' }] });
}

function attached(target: string, type: 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY', ...pages: string[][]) {
  const stub = orgsMock.on(ListPoliciesForTargetCommand, { TargetId: target, Filter: type });
  pages.forEach((ids, i) => {
    const page = { Policies: ids.map((Id) => ({ Id })), ...(i < pages.length - 1 ? { NextToken: `t${i + 1}` } : {}) };
    if (i === pages.length - 1) stub.resolves(page);
    else stub.resolvesOnce(page);
  });
}

function documents() {
  orgsMock.on(DescribePolicyCommand, { PolicyId: 'p-FullAWSAccess' }).resolves({ Policy: { PolicySummary: { Name: 'FullAWSAccess' }, Content: FULL_ACCESS } });
  orgsMock.on(DescribePolicyCommand, { PolicyId: 'p-denykms' }).resolves({ Policy: { PolicySummary: { Name: 'deny-kms-deletion' }, Content: DENY_KMS } });
  orgsMock.on(DescribePolicyCommand, { PolicyId: 'p-RCPFullAWSAccess' }).resolves({ Policy: { PolicySummary: { Name: 'RCPFullAWSAccess' }, Content: RCP_FULL } });
}

const full = { id: 'p-FullAWSAccess', name: 'FullAWSAccess', document: FULL_ACCESS };
const denyKms = { id: 'p-denykms', name: 'deny-kms-deletion', document: DENY_KMS };
const rcpFull = { id: 'p-RCPFullAWSAccess', name: 'RCPFullAWSAccess', document: RCP_FULL };

describe('readOrganizationPolicies', () => {
  it('an account outside any organisation: readable, no SCP or RCP, nothing more asked', async () => {
    orgsMock.on(DescribeOrganizationCommand).rejects(Object.assign(new Error('not in use'), { name: 'AWSOrganizationsNotInUseException' }));
    const o = options();

    const read = await readOrganizationPolicies(new OrganizationsClient({}), MEMBER, o);

    expect(read).toMatchObject({ readable: true, inOrganization: false, isManagementAccount: false, scps: [], rcps: [] });
    expect(o.requests).toEqual(['organizations:DescribeOrganization']);
  });

  it('the management account: SCPs and RCPs do not apply to it, so none are read', async () => {
    organization();
    const o = options();

    const read = await readOrganizationPolicies(new OrganizationsClient({}), MANAGEMENT, o);

    expect(read).toMatchObject({ readable: true, inOrganization: true, isManagementAccount: true, scps: [], rcps: [] });
    expect(read.notes.join()).toMatch(/management account of o-abcd/);
    expect(o.requests).toEqual(['organizations:DescribeOrganization']);
  });

  it('an organisation with consolidated billing only: no authorization policy applies', async () => {
    organization('CONSOLIDATED_BILLING');

    const read = await readOrganizationPolicies(new OrganizationsClient({}), MEMBER, options());

    expect(read).toMatchObject({ readable: true, inOrganization: true, isManagementAccount: false, scps: [], rcps: [] });
  });

  it('a member account: SCPs and RCPs of the root, its OU and itself, in that order, every page, each document read once', async () => {
    organization();
    root({ SERVICE_CONTROL_POLICY: 'ENABLED', RESOURCE_CONTROL_POLICY: 'ENABLED' });
    tree();
    attached(ROOT, 'SERVICE_CONTROL_POLICY', ['p-FullAWSAccess']);
    attached(OU, 'SERVICE_CONTROL_POLICY', ['p-FullAWSAccess'], ['p-denykms']);
    attached(MEMBER, 'SERVICE_CONTROL_POLICY', ['p-FullAWSAccess']);
    for (const target of [ROOT, OU, MEMBER]) attached(target, 'RESOURCE_CONTROL_POLICY', ['p-RCPFullAWSAccess']);
    documents();

    const read = await readOrganizationPolicies(new OrganizationsClient({}), MEMBER, options());

    expect(read).toEqual({
      readable: true,
      inOrganization: true,
      isManagementAccount: false,
      scps: [
        { target: ROOT, policies: [full] },
        { target: OU, policies: [full, denyKms] },
        { target: MEMBER, policies: [full] },
      ],
      rcps: [
        { target: ROOT, policies: [rcpFull] },
        { target: OU, policies: [rcpFull] },
        { target: MEMBER, policies: [rcpFull] },
      ],
      notes: [],
    });
    expect(orgsMock.commandCalls(ListPoliciesForTargetCommand, { TargetId: OU, Filter: 'SERVICE_CONTROL_POLICY' }).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 't1']);
    expect(orgsMock.commandCalls(DescribePolicyCommand).map((c) => c.args[0].input.PolicyId)).toEqual(['p-FullAWSAccess', 'p-denykms', 'p-RCPFullAWSAccess']);
  });

  it('RCPs not enabled: no RCP level at all (an empty level would deny everything), and a note says so', async () => {
    organization();
    root({ SERVICE_CONTROL_POLICY: 'ENABLED' });
    tree();
    for (const target of [ROOT, OU, MEMBER]) attached(target, 'SERVICE_CONTROL_POLICY', ['p-FullAWSAccess']);
    // Organizations may still list the RCP it would attach; a type that is not enabled is not in force.
    for (const target of [ROOT, OU, MEMBER]) attached(target, 'RESOURCE_CONTROL_POLICY', ['p-RCPFullAWSAccess']);
    documents();

    const read = await readOrganizationPolicies(new OrganizationsClient({}), MEMBER, options());

    expect(read).toMatchObject({ readable: true, rcps: [], scps: [{ target: ROOT }, { target: OU }, { target: MEMBER }] });
    expect(read.notes).toEqual(['RCPs are not enabled in organisation o-abcd: none apply']);
    expect(orgsMock.commandCalls(ListPoliciesForTargetCommand, { Filter: 'RESOURCE_CONTROL_POLICY' })).toHaveLength(0);
  });

  it('neither type enabled: the organisation path is not even read', async () => {
    organization();
    root({ SERVICE_CONTROL_POLICY: 'PENDING_ENABLE' });
    const o = options();

    const read = await readOrganizationPolicies(new OrganizationsClient({}), MEMBER, o);

    expect(read).toMatchObject({ readable: true, scps: [], rcps: [] });
    expect(read.notes).toHaveLength(2);
    expect(o.requests).toEqual(['organizations:DescribeOrganization', 'organizations:ListRoots']);
  });

  it('a member account without delegated administration: unreadable, naming the denied call, the principal and the permissions to grant', async () => {
    organization();
    orgsMock.on(ListRootsCommand).rejects(Object.assign(new Error('You don’t have permissions to access this resource.'), { name: 'AccessDeniedException' }));

    const read = await readOrganizationPolicies(new OrganizationsClient({}), MEMBER, options());

    expect(read.readable).toBe(false);
    expect(read.scps).toEqual([]);
    expect(read.reason).toBe(
      `organizations:ListRoots was denied (AccessDeniedException) to ${READER}: the SCPs and RCPs of an account's organisation path can be read only ` +
        `from the management account or a delegated administrator for AWS Organizations; grant ${READER} organizations:DescribeOrganization, ` +
        'organizations:ListRoots, organizations:ListParents, organizations:ListPoliciesForTarget, organizations:DescribePolicy there',
    );
  });

  it('an enabled type with no policy at a level is unreadable, never an empty level', async () => {
    organization();
    root({ SERVICE_CONTROL_POLICY: 'ENABLED' });
    tree();
    attached(ROOT, 'SERVICE_CONTROL_POLICY', ['p-FullAWSAccess']);
    attached(OU, 'SERVICE_CONTROL_POLICY', []);
    documents();

    const read = await readOrganizationPolicies(new OrganizationsClient({}), MEMBER, options());

    expect(read).toMatchObject({ readable: false, scps: [] });
    expect(read.reason).toMatch(new RegExp(`no SCPs for ${OU}`));
  });

  it('retries throttling; gives up with a reason after the attempts', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'TooManyRequestsException' });
    orgsMock.on(DescribeOrganizationCommand).rejectsOnce(throttled).resolves({ Organization: { Id: 'o-abcd', MasterAccountId: MEMBER } });
    expect(await readOrganizationPolicies(new OrganizationsClient({}), MEMBER, options())).toMatchObject({ readable: true, isManagementAccount: true });

    orgsMock.reset();
    orgsMock.on(DescribeOrganizationCommand).rejects(throttled);
    const read = await readOrganizationPolicies(new OrganizationsClient({}), MEMBER, { ...options(), retry: { random: () => 0, attempts: 2 } });
    expect(read).toMatchObject({ readable: false, reason: "organizations:DescribeOrganization failed with TooManyRequestsException (throttling); the SCPs and RCPs of the account's organisation path are unknown" });
  });

  it('with a shared cache, a second account of the same OU reads only what is its own', async () => {
    organization();
    root({ SERVICE_CONTROL_POLICY: 'ENABLED' });
    tree();
    for (const target of [ROOT, OU, MEMBER, OTHER_MEMBER]) attached(target, 'SERVICE_CONTROL_POLICY', ['p-FullAWSAccess']);
    documents();
    const cache = createOrganizationCache();
    await readOrganizationPolicies(new OrganizationsClient({}), MEMBER, options(cache));
    const second = options(cache);

    const read = await readOrganizationPolicies(new OrganizationsClient({}), OTHER_MEMBER, second);

    expect(read.scps.map((l) => l.target)).toEqual([ROOT, OU, OTHER_MEMBER]);
    expect(second.requests).toEqual(['organizations:DescribeOrganization', 'organizations:ListParents', 'organizations:ListPoliciesForTarget']);
  });

  it('forgets a failed read, so the next account asks again', async () => {
    organization();
    orgsMock.on(ListRootsCommand).rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })).resolves({ Roots: [{ Id: ROOT, PolicyTypes: [] }] });
    const cache = createOrganizationCache();

    expect((await readOrganizationPolicies(new OrganizationsClient({}), MEMBER, options(cache))).readable).toBe(false);
    expect((await readOrganizationPolicies(new OrganizationsClient({}), OTHER_MEMBER, options(cache))).readable).toBe(true);
  });
});
