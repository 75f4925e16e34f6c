/**
 * A scan report as an auditor receives it: 52 keys listed by ARN, as scan lists them, with the three critical
 * keys at positions 12, 38 and 42, a few high and medium keys, one key whose policy could not be read, one
 * judged in part (its grants could not be read), one whose findings were all accepted, and the rest clean.
 */
import { CHECK, type CheckId, type Severity } from '../../engine';
import type { Report, ReportFinding, ResultEntry, RunInfo } from '../../cli/report';

export const ACCOUNT = '111122223333';
export const keyArn = (n: number): string => `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`;

export function finding(checkId: CheckId, severity: Severity, title: string, message: string, statementIndexes: number[] = [0]): ReportFinding {
  return {
    checkId,
    severity,
    title,
    message,
    statementIndexes,
    sids: statementIndexes.map(() => undefined),
    path: statementIndexes.length > 0 ? `$.Statement[${statementIndexes[0]}].Principal` : '$',
    principals: [],
    actions: [],
  };
}

const PUBLIC = finding(CHECK.PUBLIC_ACCESS, 'critical', 'Anyone may act on the key', 'Statement 0 allows "*" to call kms:Decrypt and 3 more actions, with no condition that narrows who may call.');
const CROSS = finding(CHECK.UNTRUSTED_CROSS_ACCOUNT, 'high', 'Principals of an untrusted account or organisation may act on the key', 'Account 444455556666 is not trusted and may call kms:Decrypt (statement 1).', [1]);
const USAGE = finding(CHECK.ACCOUNT_WIDE_USAGE, 'medium', 'Every principal of the account may use the key', 'Every principal of account 111122223333 whose IAM policy allows it may call kms:Decrypt (statement 0).');
const SERVICE = finding(CHECK.UNSCOPED_SERVICE_PRINCIPAL, 'medium', 'A service principal may use, manage grants of, or administer the key for any caller', 'logs.amazonaws.com may call kms:Decrypt for any caller: no aws:SourceAccount or aws:SourceArn condition (statement 1).', [1]);

/** The 1-based positions of the notable keys in the ARN-ordered input. */
export const POSITIONS = { critical: [12, 38, 42], high: [3, 27], medium: [9, 33, 47], unreadable: 50, partial: 5, accepted: 20 } as const;

function keyEntry(n: number, findings: ReportFinding[], extra: Partial<ResultEntry> = {}): ResultEntry {
  return {
    subject: keyArn(n),
    findings,
    warnings: [],
    extra: { keyArn: keyArn(n), account: ACCOUNT, region: 'eu-west-1', aliases: [] },
    ...extra,
  };
}

export const SCAN_RUN: RunInfo = {
  command: 'scan',
  arguments: ['scan', '--regions', 'eu-west-1,us-east-1', '--trusted-accounts', '444455556666', '--disable-checks', 'NO_SEPARATION_OF_DUTIES', '--format', 'html', '--output', 'kms report.html'],
  startedAt: '2031-06-01T11:59:48.000Z',
  finishedAt: '2031-06-01T12:00:01.000Z',
  accounts: [ACCOUNT],
  regions: ['eu-west-1', 'us-east-1'],
  settings: {
    trustedAccountIds: ['444455556666'],
    trustedOrgIds: [],
    disabledChecks: [CHECK.NO_SEPARATION_OF_DUTIES],
    failOn: 'low',
    grants: true,
    effectiveAccess: false,
    includeAwsManaged: false,
  },
};

export function auditReport(): Report {
  const results: ResultEntry[] = [];
  for (let n = 1; n <= 52; n++) {
    if ((POSITIONS.critical as readonly number[]).includes(n)) results.push(keyEntry(n, [USAGE, PUBLIC]));
    else if ((POSITIONS.high as readonly number[]).includes(n)) results.push(keyEntry(n, [CROSS]));
    else if ((POSITIONS.medium as readonly number[]).includes(n)) results.push(keyEntry(n, [SERVICE]));
    else if (n === POSITIONS.unreadable) results.push(keyEntry(n, [], { error: 'unreadable: kms:GetKeyPolicy failed with AccessDeniedException' }));
    else if (n === POSITIONS.partial) results.push(keyEntry(n, [USAGE], { error: 'grants not read: kms:ListGrants failed with AccessDeniedException; the policy was judged' }));
    else if (n === POSITIONS.accepted) results.push(keyEntry(n, [{ ...CROSS, suppression: { kind: 'exemption-tag', reason: 'partner key, reviewed 2031-05' } }]));
    else results.push(keyEntry(n, []));
  }
  return { tool: { name: 'kms-policy-guard', version: '1.4.0' }, run: SCAN_RUN, results, notes: [] };
}
