/**
 * `check-template`: judge the key policies of infrastructure code before it is deployed.
 *
 * CloudFormation (JSON, YAML with short-form tags, a cdk.out directory): every AWS::KMS::Key and
 * AWS::KMS::ReplicaKey. Intrinsics are resolved as far as the template allows (cli/templates/resolve.ts);
 * what stays unknown is judged conservatively (cli/templates/key-policy.ts) and reported as a warning with
 * the logical id and JSON path. `AWS::AccountId` is the key's own account: --account-id, else the account of
 * an environment-specific CDK stack, else a placeholder (said in the notes).
 *
 * Terraform plan JSON: aws_kms_key, aws_kms_replica_key and aws_kms_key_policy `policy` values.
 *
 * A key without a policy gets the one KMS attaches by default (the account root may do kms:*):
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */
import { analyzePolicy, type AnalysisOptions } from '../../rule/engine';
import { accessDetails } from '../access';
import { readInputs } from '../inputs';
import type { CliIo } from '../io';
import type { Report, ReportWarning, ResultEntry } from '../report';
import { concretePolicy } from '../templates/key-policy';
import { resolveValue, type TemplateContext } from '../templates/resolve';
import {
  assemblyTemplates,
  cloudFormationKeys,
  documentKind,
  isCloudAssembly,
  parseDocument,
  terraformAccount,
  terraformKeys,
  type SourceDocument,
  type TemplateKey,
} from '../templates/sources';
import { ACCOUNT_UNKNOWN_NOTE } from './check';

export interface CheckTemplateOptions {
  paths: string[];
  /** The account stacks deploy to (AWS::AccountId). */
  accountId?: string;
  /** The Region stacks deploy to (AWS::Region). @default the CDK stack's Region, else us-east-1 */
  region?: string;
  analysis: Pick<AnalysisOptions, 'trustedAccountIds' | 'trustedOrgIds' | 'disabledChecks'>;
}

/** Stands for the key's own account when neither --account-id nor the CDK manifest names it. */
export const PLACEHOLDER_ACCOUNT = '000000000000';
const DEFAULT_REGION = 'us-east-1';
const TEMPLATE_EXTENSIONS = ['.json', '.yaml', '.yml', '.template'];

const PLACEHOLDER_NOTE = `no --account-id given: AWS::AccountId was taken as the placeholder account ${PLACEHOLDER_ACCOUNT} (the key's own account). Account ids written literally in a template are judged as other accounts; pass --account-id to judge them as the stack's own.`;

function defaultKeyPolicy(partition: string, account: string): unknown {
  return {
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
  };
}

/** `['Resources', 'Key', 'Properties', 'KeyPolicy']` → `Resources.Key.Properties.KeyPolicy`. */
export function displayPath(segments: readonly (string | number)[]): string {
  return segments
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `${i === 0 ? '' : '.'}${s}` : `[${JSON.stringify(s)}]`))
    .join('');
}

async function readDocuments(paths: readonly string[], io: CliIo): Promise<{ docs: SourceDocument[]; errors: ResultEntry[]; skipped: number }> {
  const docs: SourceDocument[] = [];
  const errors: ResultEntry[] = [];
  let skipped = 0;
  const add = (file: string, text: string, fromDirectory: boolean, environment?: SourceDocument['environment']) => {
    let parsed;
    try {
      parsed = parseDocument(file, text);
    } catch (e) {
      // A file that does not parse is reported even when found in a directory: it may be a broken template.
      errors.push({ file, findings: [], warnings: [], error: (e as Error).message });
      return;
    }
    if (documentKind(parsed.value) === 'other') {
      // Files found in a directory that are neither templates nor plans (package.json, tsconfig.json…) are passed over.
      if (fromDirectory) skipped++;
      else errors.push({ file, findings: [], warnings: [], error: 'not a CloudFormation template (no Resources) or a Terraform plan (no planned_values)' });
      return;
    }
    docs.push({ file, text, ...parsed, ...(environment ? { environment } : {}) });
  };
  for (const path of paths) {
    if (path !== '-' && (await isCloudAssembly(path))) {
      let templates;
      try {
        templates = await assemblyTemplates(path);
      } catch (e) {
        errors.push({ file: path, findings: [], warnings: [], error: `cannot read the cdk.out manifest: ${(e as Error).message}` });
        continue;
      }
      if (templates.length === 0) errors.push({ file: path, findings: [], warnings: [], error: 'the cloud assembly lists no stack templates' });
      for (const t of templates) {
        const [input] = await readInputs([t.file], io);
        if (input === undefined) continue;
        if ('error' in input) errors.push({ file: input.file, findings: [], warnings: [], error: input.error });
        else add(input.file, input.text, false, t.environment);
      }
      continue;
    }
    for (const input of await readInputs([path], io, TEMPLATE_EXTENSIONS)) {
      if ('error' in input) errors.push({ file: input.file, findings: [], warnings: [], error: input.error });
      else add(input.file, input.text, input.file !== path);
    }
  }
  return { docs, errors, skipped };
}

interface Judged {
  entry: ResultEntry;
  usedPlaceholder: boolean;
  accountUnknown: boolean;
}

function judgeKey(doc: SourceDocument, key: TemplateKey, ctx: TemplateContext | undefined, account: string | undefined, opts: CheckTemplateOptions): ResultEntry {
  const isCfn = ctx !== undefined;
  const prefix = displayPath(key.policyPath);
  const extra: Record<string, unknown> = {
    template: doc.file,
    logicalId: key.logicalId,
    resourceType: key.resourceType,
    policyPath: prefix,
    ...(key.cdkPath !== undefined ? { cdkPath: key.cdkPath } : {}),
    ...(doc.environment ? { stack: doc.environment.stack } : {}),
  };
  const located = { sourceText: doc.text, sourceLocator: doc.locate };
  const partition = 'aws';
  if (key.policy.kind === 'unknown') {
    return { file: doc.file, findings: [], warnings: [], error: `${key.logicalId}: ${key.policy.reason}`, extra, ...located, sourcePathPrefix: key.policyPath };
  }

  const warnings: ReportWarning[] = [];
  let policy: unknown;
  if (key.policy.kind === 'default') {
    policy = defaultKeyPolicy(partition, account ?? PLACEHOLDER_ACCOUNT);
    warnings.push({
      code: 'DEFAULT_KEY_POLICY',
      path: prefix,
      message: `${key.logicalId} sets no key policy, so KMS attaches its default key policy (the account may use and manage the key through IAM policies, kms:*); that policy was judged${isCfn ? '' : ' (an aws_kms_key_policy for this key replaces it once applied)'}.`,
    });
  } else if (isCfn) {
    const concrete = concretePolicy(resolveValue(key.policy.value, ctx), partition);
    if (!concrete.ok) {
      return { file: doc.file, findings: [], warnings: [], error: `${key.logicalId}: ${concrete.reason}; the key was not judged`, extra, ...located, sourcePathPrefix: key.policyPath };
    }
    policy = concrete.policy;
    for (const s of concrete.substitutions) {
      const path = prefix + displayPath(s.path).replace(/^(?=[A-Za-z_])/, '.');
      warnings.push({ code: 'UNRESOLVED_VALUE', path, message: `${key.logicalId} at ${path}: ${s.reason}. Judged as ${s.judgedAs}.` });
    }
  } else {
    policy = key.policy.value;
  }

  const analysis = analyzePolicy(policy, { ...opts.analysis, ...(account !== undefined ? { accountId: account } : {}) });
  // CloudFormation paths name the template's own elements (Resources.Key.Properties.KeyPolicy.Statement[0]…);
  // a Terraform policy is a JSON string inside the plan, so its paths stay relative to that string.
  const rebase = (path: string) => (isCfn && key.policy.kind === 'written' && typeof key.policy.value !== 'string' ? prefix + path.replace(/^\$/, '') : path);
  return {
    file: doc.file,
    findings: analysis.findings.map((f) => ({ ...f, path: rebase(f.path) })),
    warnings: [...warnings, ...analysis.warnings.filter((w) => w.code !== 'ACCOUNT_UNKNOWN').map((w) => ({ ...w, path: rebase(w.path) }))],
    ...located,
    // Rebased paths already start at the document root; the others are located at the policy itself.
    sourcePathPrefix: rebase('$') === '$' ? key.policyPath : [],
    extra,
    access: accessDetails(analysis, policy),
  };
}

function judgeDocument(doc: SourceDocument, opts: CheckTemplateOptions): Judged[] {
  const value = doc.value as Record<string, unknown>;
  if (documentKind(value) === 'terraform-plan') {
    const account = opts.accountId ?? terraformAccount(value);
    return terraformKeys(value).map((key) => ({ entry: judgeKey(doc, key, undefined, account, opts), usedPlaceholder: false, accountUnknown: account === undefined }));
  }
  const account = opts.accountId ?? doc.environment?.account;
  const record = (k: string): Record<string, unknown> => {
    const v = value[k];
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  };
  const ctx: TemplateContext = {
    accountId: account ?? PLACEHOLDER_ACCOUNT,
    partition: 'aws',
    region: opts.region ?? doc.environment?.region ?? DEFAULT_REGION,
    urlSuffix: 'amazonaws.com',
    parameters: record('Parameters'),
    resources: record('Resources'),
    mappings: record('Mappings'),
    conditions: record('Conditions'),
  };
  return cloudFormationKeys(value).map((key) => ({ entry: judgeKey(doc, key, ctx, ctx.accountId, opts), usedPlaceholder: account === undefined, accountUnknown: false }));
}

export async function runCheckTemplate(opts: CheckTemplateOptions, io: CliIo, tool: Report['tool']): Promise<Report> {
  const { docs, errors, skipped } = await readDocuments(opts.paths, io);
  const judged = docs.flatMap((d) => judgeDocument(d, opts));
  const notes: string[] = [];
  if (judged.some((j) => j.usedPlaceholder)) notes.push(PLACEHOLDER_NOTE);
  if (judged.some((j) => j.accountUnknown)) notes.push(`Terraform plan: ${ACCOUNT_UNKNOWN_NOTE}`);
  if (docs.length > 0 && judged.length === 0) notes.push('no AWS::KMS::Key, AWS::KMS::ReplicaKey, aws_kms_key or aws_kms_key_policy was found in the inputs');
  if (skipped > 0) notes.push(`${skipped} file${skipped === 1 ? '' : 's'} in the given directories were neither CloudFormation templates nor Terraform plans and were passed over`);
  return { tool, results: [...errors, ...judged.map((j) => j.entry)], notes };
}
