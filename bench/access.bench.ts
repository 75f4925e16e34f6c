/**
 * npm run bench:access — who can use each key, at scale, all measured in one run:
 * - an account of 5,000 IAM principals (roles and users, groups, managed and inline policies, URL-encoded as the
 *   IAM API returns them) with identity policies mixing `*`, key ARNs, wildcards, NotAction, NotResource,
 *   conditions and permission boundaries, judged against 1,000 keys (default and narrowed key policies, Denies,
 *   grants) under an organisation's SCPs and RCPs;
 * - the same with 10,000 principals, for the ratio (identity policies are compiled once per account, not per key,
 *   so the time should grow about linearly with the principals).
 * Targets: the 5,000 × 1,000 computation (compile + every key) within 20 s, peak memory within 1 GiB, and
 * 10,000 principals at most 2.3× the time of 5,000.
 *
 *   npm run bench:access [-- --principals 5000 --keys 1000]
 */
import { parseArgs } from 'node:util';
import { analyzePolicy, compileAccount, effectiveAccess, type KeyGrant, type KeyToJudge, type OrganizationPolicies } from '../engine';
import { mib } from './support/fake-aws';

const { values } = parseArgs({
  options: {
    principals: { type: 'string', default: '5000' },
    keys: { type: 'string', default: '1000' },
  },
});
const PRINCIPALS = Number(values.principals);
const KEYS = Number(values.keys);
const TIME_TARGET_MS = 20_000;
const MEMORY_TARGET = 1024 * 1024 * 1024;
const RATIO_TARGET = 2.3;

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const keyArn = (i: number): string => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;

let seed = 7;
function rand(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;

const ACTIONS: readonly (string | string[])[] = [
  'kms:*',
  '*',
  'kms:Decrypt',
  ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*'],
  'kms:Describe*',
  ['kms:Create*', 'kms:Put*', 'kms:Schedule*'],
  's3:*',
  ['ec2:Describe*', 'logs:*'],
  'kms:ReEncrypt*',
];
const CONDITIONS: readonly Record<string, unknown>[] = [
  { StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } },
  { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
  { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } },
  { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/team-*` } },
  { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/app' } },
  { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
];

function resource(): string | string[] {
  const r = rand();
  if (r < 0.35) return '*';
  if (r < 0.55) return keyArn(Math.floor(rand() * KEYS));
  if (r < 0.7) return `arn:aws:kms:*:${ACCOUNT}:key/*`;
  if (r < 0.8) return [keyArn(Math.floor(rand() * KEYS)), keyArn(Math.floor(rand() * KEYS))];
  if (r < 0.9) return `arn:aws:kms:${REGION}:${ACCOUNT}:key/0000${Math.floor(rand() * 16).toString(16)}*`;
  return `arn:aws:s3:::bucket-${Math.floor(rand() * 100)}/*`;
}

function statement(): Record<string, unknown> {
  const st: Record<string, unknown> = { Effect: rand() < 0.1 ? 'Deny' : 'Allow' };
  if (rand() < 0.08) st.NotAction = pick(['s3:*', 'iam:*', 'kms:Decrypt']);
  else st.Action = pick(ACTIONS);
  if (rand() < 0.05) st.NotResource = keyArn(Math.floor(rand() * KEYS));
  else st.Resource = resource();
  if (rand() < 0.25) st.Condition = pick(CONDITIONS);
  return st;
}

const policyDocument = (statements: number): string => encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: Array.from({ length: statements }, statement) }));

function details(principals: number): Record<string, unknown[]> {
  seed = 7;
  const managedCount = Math.max(50, Math.floor(principals / 25));
  const Policies = Array.from({ length: managedCount }, (_, i) => ({
    PolicyName: `managed-${i}`,
    Arn: `arn:aws:iam::${ACCOUNT}:policy/managed-${i}`,
    DefaultVersionId: 'v1',
    PolicyVersionList: [{ Document: policyDocument(1 + Math.floor(rand() * 6)), VersionId: 'v1', IsDefaultVersion: true }],
  }));
  const boundaries = Array.from({ length: 10 }, (_, i) => ({
    PolicyName: `boundary-${i}`,
    Arn: `arn:aws:iam::${ACCOUNT}:policy/boundary-${i}`,
    DefaultVersionId: 'v1',
    PolicyVersionList: [{ Document: encodeURIComponent(JSON.stringify({ Statement: [{ Effect: 'Allow', Action: pick(['kms:*', 's3:*', ['kms:Decrypt', 's3:*']]), Resource: '*' }] })), VersionId: 'v1', IsDefaultVersion: true }],
  }));
  const groups = Array.from({ length: 40 }, (_, i) => ({
    GroupName: `group-${i}`,
    Arn: `arn:aws:iam::${ACCOUNT}:group/group-${i}`,
    GroupPolicyList: [{ PolicyName: 'inline', PolicyDocument: policyDocument(2) }],
    AttachedManagedPolicies: [{ PolicyName: 'm', PolicyArn: pick(Policies).Arn }],
  }));
  const attached = () => Array.from({ length: Math.floor(rand() * 4) }, () => ({ PolicyName: 'm', PolicyArn: pick(Policies).Arn }));
  const boundary = () => (rand() < 0.3 ? { PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: pick(boundaries).Arn } } : {});
  const trust = encodeURIComponent(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'sts:AssumeRole' }] }));
  const RoleDetailList: unknown[] = [];
  const UserDetailList: unknown[] = [];
  for (let i = 0; i < principals; i++) {
    const inline = Array.from({ length: Math.floor(rand() * 3) }, (_, k) => ({ PolicyName: `inline-${k}`, PolicyDocument: policyDocument(1 + Math.floor(rand() * 4)) }));
    if (i % 5 === 4) {
      UserDetailList.push({ UserName: `user-${i}`, Arn: `arn:aws:iam::${ACCOUNT}:user/user-${i}`, UserPolicyList: inline, AttachedManagedPolicies: attached(), GroupList: [pick(groups).GroupName], ...boundary() });
    } else {
      const name = rand() < 0.3 ? `team-${i}` : `app-${i}`;
      RoleDetailList.push({ RoleName: name, Path: '/', Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, AssumeRolePolicyDocument: trust, RolePolicyList: inline, AttachedManagedPolicies: attached(), ...boundary() });
    }
  }
  return { RoleDetailList, UserDetailList, GroupDetailList: groups, Policies: [...Policies, ...boundaries] };
}

function keyPolicy(i: number): unknown {
  const root = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' };
  const named = { Sid: 'Use', Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:role/app-${i}`, `arn:aws:iam::${ACCOUNT}:role/team-${i + 1}`] }, Action: ['kms:Decrypt', 'kms:Encrypt'], Resource: '*' };
  switch (i % 4) {
    case 0:
      return { Version: '2012-10-17', Statement: [root] };
    case 1:
      return { Version: '2012-10-17', Statement: [root, named] };
    case 2:
      return { Version: '2012-10-17', Statement: [root, { Sid: 'NoDelete', Effect: 'Deny', Principal: '*', Action: 'kms:ScheduleKeyDeletion', Resource: '*', Condition: { ArnNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/team-*` } } }] };
    default:
      return { Version: '2012-10-17', Statement: [named] };
  }
}

function keys(): KeyToJudge[] {
  return Array.from({ length: KEYS }, (_, i) => {
    const arn = keyArn(i);
    const grants: KeyGrant[] = [
      { grantId: `g-${i}-a`, granteePrincipal: `arn:aws:iam::${ACCOUNT}:role/app-${(i * 7) % PRINCIPALS}`, operations: ['Decrypt'] },
      { grantId: `g-${i}-s`, granteePrincipal: 'ec2.amazonaws.com', operations: ['Decrypt', 'GenerateDataKeyWithoutPlaintext'], constraints: { encryptionContextSubset: { app: 'x' } } },
    ];
    return { arn, analysis: analyzePolicy(keyPolicy(i), { accountId: ACCOUNT, keyArn: arn }), grants };
  });
}

const ORG: OrganizationPolicies = {
  readable: true,
  inOrganization: true,
  isManagementAccount: false,
  organizationId: 'o-abc123def4',
  scps: [
    { target: 'r-ab12', policies: [{ id: 'p-FullAWSAccess', document: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }] },
    { target: 'ou-ab12-prod', policies: [{ id: 'p-FullAWSAccess', document: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }, { id: 'p-noregion', document: JSON.stringify({ Statement: [{ Effect: 'Deny', Action: 'kms:*', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': REGION } } }] }) }] },
    { target: ACCOUNT, policies: [{ id: 'p-FullAWSAccess', document: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }] },
  ],
  rcps: [
    { target: 'r-ab12', policies: [{ id: 'p-RCPFullAWSAccess', document: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }) }, { id: 'p-perimeter', document: JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abc123def4' }, BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' } } }] }) }] },
  ],
};

interface Run {
  principals: number;
  compileMs: number;
  judgeMs: number;
  /** CPU time of the process over the same span (user + system): the machine is shared, so wall time varies. */
  cpuMs: number;
  reported: number;
  incomplete: number;
}

function run(principals: number, judged: readonly KeyToJudge[]): Run {
  const input = details(principals);
  global.gc?.();
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const account = compileAccount(input, { accountId: ACCOUNT, partition: 'aws' });
  const compiled = performance.now();
  let reported = 0;
  let incomplete = 0;
  for (const k of judged) {
    const result = effectiveAccess(account, k, ORG);
    reported += result.principals.length;
    if (!result.complete) incomplete++;
  }
  const done = performance.now();
  const cpu = process.cpuUsage(cpuStart);
  if (account.problems.length > 0) throw new Error(`generated details have problems: ${account.problems.slice(0, 3).join('; ')}`);
  return { principals, compileMs: compiled - started, judgeMs: done - compiled, cpuMs: (cpu.user + cpu.system) / 1000, reported, incomplete };
}

function main(): void {
  const analysisStart = performance.now();
  const judged = keys();
  const analysisMs = performance.now() - analysisStart;
  console.log(`effective access: ${PRINCIPALS.toLocaleString('en-US')} and ${(2 * PRINCIPALS).toLocaleString('en-US')} principals × ${KEYS.toLocaleString('en-US')} keys (key policies analysed once, ${analysisMs.toFixed(0)} ms, not counted below)`);
  const base = run(PRINCIPALS, judged);
  const double = run(2 * PRINCIPALS, judged);
  const total = (r: Run) => r.compileMs + r.judgeMs;
  const maxRss = process.resourceUsage().maxRSS * 1024;
  for (const r of [base, double]) {
    console.log(
      `  ${r.principals.toLocaleString('en-US').padStart(6)} principals: compile ${r.compileMs.toFixed(0)} ms, ${KEYS} keys ${r.judgeMs.toFixed(0)} ms, total ${(total(r) / 1000).toFixed(2)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s); ${r.reported.toLocaleString('en-US')} principal-key answers with access, ${r.incomplete} incomplete`,
    );
  }
  const ratio = total(double) / total(base);
  const heap = process.memoryUsage();
  console.log(`  peak memory (maxRSS over the whole run): ${mib(maxRss)}; heap now ${mib(heap.heapUsed)}`);
  const checks: [string, boolean, string][] = [
    ['time, 5,000 principals', total(base) <= TIME_TARGET_MS, `${(total(base) / 1000).toFixed(2)} s (target ≤ ${TIME_TARGET_MS / 1000} s)`],
    ['peak memory', maxRss <= MEMORY_TARGET, `${mib(maxRss)} (target ≤ 1024 MiB)`],
    ['ratio 10,000 / 5,000 principals', ratio <= RATIO_TARGET, `${ratio.toFixed(2)}× (target ≤ ${RATIO_TARGET}×)`],
  ];
  for (const [name, ok, figure] of checks) console.log(`  ${ok ? 'PASS' : 'FAIL'} ${name}: ${figure}`);
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
}

main();
