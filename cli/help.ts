/** What each command's --help shows after its options: examples, and what its exit codes mean. */

export type HelpTopic = 'program' | 'check' | 'check-template' | 'scan';

const EXAMPLES: Record<HelpTopic, readonly string[]> = {
  program: [
    'kms-policy-guard check --account-id 111122223333 policies/',
    'kms-policy-guard check-template --account-id 111122223333 cdk.out',
    'kms-policy-guard scan --regions all --format html --output report.html',
  ],
  check: [
    'kms-policy-guard check --account-id 111122223333 policies/',
    'aws kms get-key-policy --key-id KEY_ID | kms-policy-guard check --account-id 111122223333 -',
    'kms-policy-guard check --format html --output report.html --fail-on high policies/',
  ],
  'check-template': [
    'kms-policy-guard check-template --account-id 111122223333 cdk.out',
    'kms-policy-guard check-template --format sarif --output kms.sarif templates/',
    'terraform show -json plan.out | kms-policy-guard check-template -',
  ],
  scan: [
    'kms-policy-guard scan --profile audit --format html --output report.html',
    'kms-policy-guard scan --regions all --security-hub --format json --fail-on high',
    'kms-policy-guard scan --role-name KmsPolicyGuardAudit --regions eu-west-1,us-east-1 --trusted-org-ids o-a1b2c3d4e5',
  ],
};

/** Why a run exits 2 besides a usage error, per command (report.ts's exitCode and each command's inputs). */
const NOT_JUDGED: Record<HelpTopic, readonly string[]> = {
  program: ['an input (file, template, key, account or Region) that could not be read,', 'or a policy that could not be parsed or was not fully judged'],
  check: [
    'a file or folder that could not be read (a link leading outside a walked',
    'folder included, unless --follow-symlinks), a folder with no key policy,',
    'or a policy that could not be parsed or was not fully judged',
  ],
  'check-template': [
    'a template or plan that could not be read or parsed, a key policy',
    'known only at deployment, a folder with no template,',
    'or a policy that could not be parsed or was not fully judged',
  ],
  scan: [
    'a key, account or Region that could not be read (no answer within',
    '--timeout included), no account or Region to scan, a --security-hub',
    'import that did not fully succeed,',
    'or a policy that could not be parsed or was not fully judged',
  ],
};

/** The text --help prints after the options of `topic`. */
export function helpAfterOptions(topic: HelpTopic): string {
  return [
    '',
    'Examples:',
    ...EXAMPLES[topic].map((e) => `  $ ${e}`),
    '',
    'Exit codes:',
    '  0  nothing at or above --fail-on (default low)',
    '  1  a finding at or above --fail-on (accepted findings never count: baseline, inline, exemption tag)',
    '  2  a usage error; or, whatever --fail-on says, something not judged:',
    ...NOT_JUDGED[topic].map((l) => `     ${l}`),
  ].join('\n');
}
