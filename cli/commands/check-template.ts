/**
 * `check-template`: judge the key policies of infrastructure code before it is deployed.
 *
 * CloudFormation (JSON, YAML with short-form tags, a cdk.out directory): every AWS::KMS::Key and
 * AWS::KMS::ReplicaKey. Intrinsics are resolved as far as the template allows (templates/resolve.ts);
 * what stays unknown is judged conservatively (templates/key-policy.ts) and reported as a warning with
 * the logical id and JSON path. `AWS::AccountId` is the key's own account: --account-id, else the account of
 * an environment-specific CDK stack, else a placeholder (said in the notes).
 *
 * Terraform plan JSON: aws_kms_key, aws_kms_replica_key and aws_kms_key_policy `policy` values.
 *
 * A key without a policy gets the one KMS attaches by default (the account root may do kms:*):
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */
import { dirname } from 'node:path';
import { analyzePolicy, type AnalysisOptions, type CheckId, type Finding, type Severity } from '../../engine';
import { accessDetails, statementsOf } from '../access';
import { joinablePath, readInputs, WalkTally, type InputFile } from '../inputs';
import type { CliIo } from '../io';
import { type Report, type ReportWarning, type ResultEntry } from '../report';
import { displayPath, judgeTemplateKey, PLACEHOLDER_ACCOUNT, type AnalyzeFn, type VariantRun } from '../../templates/judge-key';
import { resolveValue, Unresolved, type TemplateContext } from '../../templates/resolve';
import {
  assemblyTemplates,
  brokenTemplate,
  cloudFormationKeys,
  documentKind,
  isCloudAssembly,
  nestedStacks,
  parseDocument,
  terraformAccount,
  terraformKeys,
  type NestedStack,
  type NestedStackReference,
  type SourceDocument,
  type TemplateKey,
} from '../templates/sources';
import { ACCOUNT_UNKNOWN_NOTE } from './check';
import { isRecord } from '../../templates/own-keys';
import {
  applyInlineSuppressions,
  countsAtMinimum,
  decideExemptionTag,
  DEFAULT_NON_SUPPRESSIBLE_CHECKS,
  isSuppressed,
  METADATA_KEY,
  readInlineSuppressions,
  utcDay,
  type MarkedFinding,
  type SuppressionPolicy,
} from '../../suppress';
import { templateTagValues } from '../../templates/tags';

export interface CheckTemplateOptions {
  paths: string[];
  /** The account stacks deploy to (AWS::AccountId). */
  accountId?: string;
  /** The Region stacks deploy to (AWS::Region). @default the CDK stack's Region, else unknown (UNRESOLVED_VALUE) */
  region?: string;
  analysis: Pick<AnalysisOptions, 'trustedAccountIds' | 'trustedOrgIds' | 'disabledChecks'>;
  /**
   * Checks that a key resource's inline suppression (Metadata kms-policy-guard.suppress) may not accept.
   * @default DEFAULT_NON_SUPPRESSIBLE_CHECKS (PUBLIC_ACCESS)
   */
  nonSuppressibleChecks?: readonly CheckId[];
  /**
   * The rule's ExemptionTagKey: a CloudFormation key resource whose `Tags` give this tag a non-empty value has its
   * findings (those no inline suppression accepted) accepted, as the hook and the rule decide it.
   * @default - the exemption tag is not read
   */
  exemptionTagKey?: string;
  /** --min-severity: findings below it do not count, so they neither need nor refuse the exemption tag. @default info: every finding counts */
  minimumSeverity?: Severity;
}

const TEMPLATE_EXTENSIONS = ['.json', '.yaml', '.yml', '.template'];

const PLACEHOLDER_NOTE = `no --account-id given: AWS::AccountId was taken as the placeholder account ${PLACEHOLDER_ACCOUNT} (the key's own account). Account ids written literally in a template are judged as other accounts, and a condition over AWS::AccountId is judged both ways; pass --account-id to judge them as the stack's own.`;

/** How a template's text is parsed; tests pass a wrapper to count the work. */
export type ParseFn = typeof parseDocument;

export interface CheckTemplateDeps {
  analyze?: AnalyzeFn;
  parse?: ParseFn;
  /** The clock inline suppressions' expiry dates are read against. @default the system clock */
  now?: () => Date;
}

/** How deep nested stacks are followed (CloudFormation itself allows nesting without a documented limit). */
const NESTING_LIMIT = 10;

/**
 * The most nested stacks followed in one run: a template nested by several stacks is judged once per stack, so
 * a few templates that each nest another many times would otherwise multiply without end.
 */
const NESTED_STACK_BOUND = 256;

type NestedStackDecision = { follow: string } | { notJudged: { subject: string; error: string } } | { silent: true };

function notJudged(subject: string, error: string): NestedStackDecision {
  return { notJudged: { subject, error } };
}

type ParseOutcome = { ok: true; parsed: ReturnType<ParseFn> } | { ok: false; error: string };

/**
 * Reads the paths given into the documents to judge (templates, plans, and the nested templates they
 * follow), the error entries of what cannot be judged, and how many files found in folders were passed over.
 */
class DocumentReader {
  docs: SourceDocument[] = [];
  readonly errors: ResultEntry[] = [];
  skipped = 0;
  // A template nested by several stacks is read once and parsed once; each nested stack shares the parsed
  // value, which nothing changes.
  private readonly nestedReads = new Map<string, InputFile | undefined>();
  private readonly parses = new Map<string, { text: string; outcome: ParseOutcome }>();
  private nestedCount = 0;

  constructor(
    private readonly io: CliIo,
    private readonly parse: ParseFn,
  ) {}

  async read(paths: readonly string[]): Promise<void> {
    for (const path of paths) {
      const folder = path === '-' ? path : await joinablePath(path);
      if (path !== '-' && (await isCloudAssembly(folder))) await this.readAssembly(path, folder);
      else await this.readPath(path);
    }
  }

  private fail(subject: string, error: string): void {
    this.errors.push({ subject, findings: [], warnings: [], error });
  }

  private async readAssembly(path: string, folder: string): Promise<void> {
    let templates;
    try {
      templates = await assemblyTemplates(folder);
    } catch (e) {
      this.fail(path, `cannot read the cdk.out manifest: ${(e as Error).message}`);
      return;
    }
    if (templates.length === 0) this.fail(path, 'the cloud assembly lists no stack templates');
    for (const t of templates) {
      const [input] = await readInputs([t.file], this.io);
      if (input === undefined) continue;
      if ('error' in input) this.fail(input.file, input.error);
      else {
        const doc = this.add(input.file, input.text, false, t.environment);
        if (doc !== undefined) await this.addNested(doc, t.assets, 1);
      }
    }
  }

  /** A file, a folder of templates, or stdin. */
  private async readPath(path: string): Promise<void> {
    const walked = new WalkTally();
    for (const input of await readInputs([path], this.io, TEMPLATE_EXTENSIONS)) {
      if (input.root !== undefined) walked.found(input.root);
      if ('error' in input) this.fail(input.file, input.error);
      else {
        const before = this.skipped;
        const doc = this.add(input.file, input.text, input.file !== path);
        if (this.skipped > before && input.root !== undefined) walked.passedOver(input.root);
        if (doc !== undefined) await this.addNested(doc, undefined, 1);
      }
    }
    this.errors.push(
      ...walked.judgedNothing('template', (n) =>
        n === 1 ? 'the 1 file found is neither a CloudFormation template nor a Terraform plan (passed over)' : `the ${n} files found are neither CloudFormation templates nor Terraform plans (passed over)`,
      ),
    );
  }

  private parseOnce(file: string, text: string): ParseOutcome {
    const cached = this.parses.get(file);
    if (cached !== undefined && cached.text === text) return cached.outcome;
    let outcome: ParseOutcome;
    try {
      outcome = { ok: true, parsed: this.parse(file, text) };
    } catch (e) {
      outcome = { ok: false, error: (e as Error).message };
    }
    this.parses.set(file, { text, outcome });
    return outcome;
  }

  /** The document to judge, or undefined when it was reported or passed over. */
  private add(file: string, text: string, fromDirectory: boolean, environment?: SourceDocument['environment'], nestedIn?: NestedStackReference): SourceDocument | undefined {
    // A nested template also given (or found in a directory) on its own is judged as the nested stack(s) only:
    // there its parameters have the values each parent passes.
    if (nestedIn === undefined && this.docs.some((d) => d.file === file)) return undefined;
    if (nestedIn !== undefined) {
      const standalone = this.docs.filter((d) => d.file === file && d.nestedIn === undefined);
      if (standalone.length > 0) this.docs = this.docs.filter((d) => !standalone.some((s) => d === s || descendsFrom(d, s)));
    }
    const outcome = this.parseOnce(file, text);
    if (!outcome.ok) {
      // A file that does not parse is reported even when found in a directory: it may be a broken template.
      this.fail(file, outcome.error);
      return undefined;
    }
    const { parsed } = outcome;
    const broken = brokenTemplate(parsed.value);
    if (broken !== undefined) {
      this.fail(file, broken);
      return undefined;
    }
    if (documentKind(parsed.value) === 'other') {
      // Files found in a directory that are neither templates nor plans (package.json, tsconfig.json…) are passed over.
      if (fromDirectory) this.skipped++;
      else this.fail(file, 'not a CloudFormation template (no Resources) or a Terraform plan (no planned_values)');
      return undefined;
    }
    const doc: SourceDocument = { file, text, ...parsed, ...(environment ? { environment } : {}), ...(nestedIn ? { nestedIn } : {}) };
    this.docs.push(doc);
    return doc;
  }

  /**
   * A nested stack's keys are as deployable as its parent's: its template is read and judged under the nested
   * stack's construct path, once per nested stack that uses it. One that cannot be read is reported as not
   * judged, never passed over.
   */
  private async addNested(parent: SourceDocument, assets: Map<string, string> | undefined, depth: number): Promise<void> {
    if (documentKind(parent.value) !== 'cloudformation') return;
    const parentStack = parent.environment?.stack ?? parent.file;
    const fromStdin = parent.file === '-';
    for (const nested of nestedStacks(parent.value as Record<string, unknown>, fromStdin ? '' : dirname(parent.file), parentStack, assets)) {
      const report = (subject: string, error: string) =>
        this.errors.push({
          subject,
          findings: [],
          warnings: [],
          extra: { template: parent.file, logicalId: nested.logicalId, resourceType: 'AWS::CloudFormation::Stack', stack: nested.stack },
          error: `nested stack ${nested.logicalId} (${nested.stack}) of ${parent.file}: ${error}`,
        });
      const decision = this.followOrNot(parent, nested, assets !== undefined, depth);
      if ('notJudged' in decision) report(decision.notJudged.subject, decision.notJudged.error);
      if (!('follow' in decision)) continue;
      const file = decision.follow;
      const input = await this.readNested(file);
      if (input === undefined || 'error' in input) {
        report(file, `its template ${file} cannot be read (${input?.error ?? 'not found'}); the keys it may hold were not judged`);
        continue;
      }
      const environment = { ...parent.environment, stack: nested.stack };
      const doc = this.add(input.file, input.text, false, environment, { parent, logicalId: nested.logicalId, parameters: nested.parameters });
      if (doc !== undefined) await this.addNested(doc, assets, depth + 1);
    }
  }

  /**
   * Whether a nested stack is followed (the file of its template), or why not (what to report, against which
   * file; nothing more once NESTED_STACK_BOUND has been said). Counts the nested stacks.
   */
  private followOrNot(parent: SourceDocument, nested: NestedStack, inAssembly: boolean, depth: number): NestedStackDecision {
    if ('remote' in nested.template) {
      return notJudged(
        parent.file,
        inAssembly
          ? `its template (${nested.template.remote}) is not in the cloud assembly; the keys it may hold were not judged`
          : `its template is at ${nested.template.remote}, which check-template does not fetch, so the keys it may hold were not judged; save that template locally and set TemplateURL to its path (as before aws cloudformation package), or pass it on its own`,
      );
    }
    if (parent.file === '-') {
      return notJudged(
        parent.file,
        `its TemplateURL ${nested.template.file} is a path relative to the template, which cannot be resolved for a template read from standard input, so the keys it may hold were not judged; pass the template as a file`,
      );
    }
    const file = nested.template.file;
    if (depth >= NESTING_LIMIT) return notJudged(file, `nested more than ${NESTING_LIMIT} levels deep; the keys its template may hold were not judged`);
    // A template that nests itself, directly or through others, would nest without end.
    let loop = parent.file === file;
    for (let ref = parent.nestedIn; ref !== undefined && !loop; ref = ref.parent.nestedIn) loop = ref.parent.file === file;
    if (loop) return notJudged(parent.file, `its template ${file} is already a parent of this stack (a loop of nested stacks); not followed`);
    if (++this.nestedCount > NESTED_STACK_BOUND) {
      if (this.nestedCount > NESTED_STACK_BOUND + 1) return { silent: true };
      return notJudged(file, `the inputs have more than ${NESTED_STACK_BOUND} nested stacks (each template judged once per stack that nests it); this one and the others were not judged`);
    }
    return { follow: file };
  }

  private async readNested(file: string): Promise<InputFile | undefined> {
    if (!this.nestedReads.has(file)) this.nestedReads.set(file, (await readInputs([file], this.io))[0]);
    return this.nestedReads.get(file);
  }
}

/** Whether `d` is nested, at any depth, below `ancestor`. */
function descendsFrom(d: SourceDocument, ancestor: SourceDocument): boolean {
  for (let ref = d.nestedIn; ref !== undefined; ref = ref.parent.nestedIn) if (ref.parent === ancestor) return true;
  return false;
}

interface Judged {
  entry: ResultEntry;
  usedPlaceholder: boolean;
  accountUnknown: boolean;
}

function transformNames(template: Record<string, unknown>): string[] {
  const t = template.Transform;
  const names = (Array.isArray(t) ? t : t === undefined ? [] : [t]).map((x) => (typeof x === 'string' ? x : isRecord(x) && typeof x.Name === 'string' ? x.Name : JSON.stringify(x)));
  return names;
}

/** What a key's entry carries in `extra`, whatever becomes of its policy. */
function keyFacts(doc: SourceDocument, key: TemplateKey): Record<string, unknown> {
  return {
    template: doc.file,
    logicalId: key.logicalId,
    resourceType: key.resourceType,
    policyPath: displayPath(key.policyPath),
    ...(key.cdkPath !== undefined ? { cdkPath: key.cdkPath } : {}),
    ...(doc.environment ? { stack: doc.environment.stack } : {}),
  };
}

/** The entry of a key whose policy was not judged, located at the policy. */
function keyNotJudged(doc: SourceDocument, key: TemplateKey, error: string): ResultEntry {
  return { subject: doc.file, findings: [], warnings: [], error, extra: keyFacts(doc, key), sourceText: doc.text, sourceLocator: doc.locate, sourcePathPrefix: key.policyPath };
}

function transformWarnings(doc: SourceDocument, key: TemplateKey): ReportWarning[] {
  const transforms = transformNames(doc.value as Record<string, unknown>);
  if (transforms.length === 0) return [];
  return [
    {
      code: 'UNRESOLVED_VALUE',
      path: 'Transform',
      message: `${key.logicalId}: the template declares Transform ${transforms.join(', ')}; a macro may add, remove or rewrite resources and their policies before deployment, and check-template expands none, so the key was judged as written.`,
    },
  ];
}

/** What `extra` says of the variants when there are several: each one's checks, and the worst. */
function variantFacts(runs: readonly VariantRun[], worst: VariantRun): Record<string, unknown> {
  if (runs.length <= 1) return {};
  return {
    variants: runs.map((r) => ({ parameters: r.variant.parameters, conditions: r.variant.conditions, checks: [...new Set(r.analysis.findings.map((f) => f.checkId))] })),
    worstVariant: { parameters: worst.variant.parameters, conditions: worst.variant.conditions },
  };
}

/**
 * A CloudFormation key's findings with those its inline suppressions accept marked (never dropped), and a warning
 * for each suppression entry that does nothing, naming the file, the logical id and where the entry is.
 */
function suppressInline(doc: SourceDocument, key: TemplateKey, findings: Finding[], policy: SuppressionPolicy): { findings: Finding[]; warnings: ReportWarning[] } {
  const resource = resourceOf(doc, key);
  const read = readInlineSuppressions(isRecord(resource) ? resource.Metadata : undefined);
  const applied = applyInlineSuppressions(findings, read.suppressions, policy);
  const path = `Resources.${key.logicalId}.Metadata.${METADATA_KEY}`;
  const warnings = [...read.problems, ...applied.problems].map((problem): ReportWarning => ({ code: 'INLINE_SUPPRESSION', path, message: `${doc.file}: ${key.logicalId}: ${problem}` }));
  return { findings: applied.findings, warnings };
}

function resourceOf(doc: SourceDocument, key: TemplateKey): Record<string, unknown> | undefined {
  const resources = (doc.value as Record<string, unknown>).Resources;
  const resource = isRecord(resources) ? resources[key.logicalId] : undefined;
  return isRecord(resource) ? resource : undefined;
}

/**
 * A CloudFormation key's findings with those its exemption tag accepts marked, after inline suppressions (the tag
 * accepts what they left open), decided as the hook decides it; a warning when the tag is there but accepts nothing.
 */
function exemptByTag(
  doc: SourceDocument,
  key: TemplateKey,
  ctx: TemplateContext,
  findings: MarkedFinding[],
  opts: CheckTemplateOptions & { exemptionTagKey: string },
  policy: SuppressionPolicy,
): { findings: MarkedFinding[]; warnings: ReportWarning[] } {
  const tagKey = opts.exemptionTagKey;
  const counts = (f: Finding) => countsAtMinimum(f, opts.minimumSeverity ?? 'info');
  const properties = resourceOf(doc, key)?.Properties;
  const path = `Resources.${key.logicalId}.Properties.Tags`;
  const warn = (why: string): ReportWarning => ({ code: 'EXEMPTION_NOT_APPLIED', path, message: `${key.logicalId}: exemption tag ${tagKey}: ${why}` });
  const read = templateTagValues(isRecord(properties) ? properties.Tags : undefined, tagKey, ctx);
  if (!read.known) return { findings, warnings: findings.some((f) => !isSuppressed(f) && counts(f)) ? [warn(`${read.reason}; it accepts nothing, the findings count (give the tag literally)`)] : [] };
  const decision = decideExemptionTag({ values: read.values, findings, counts, nonSuppressible: policy.nonSuppressible, nonSuppressibleSetting: '--non-suppressible-checks' });
  switch (decision.kind) {
    case 'absent':
      return { findings, warnings: [] };
    case 'refused':
      return { findings, warnings: [warn(decision.why)] };
    case 'accepted':
      return { findings: decision.findings, warnings: [] };
  }
}

function analyseTemplateKey(
  doc: SourceDocument,
  key: TemplateKey,
  ctx: TemplateContext | undefined,
  account: string | undefined,
  opts: CheckTemplateOptions,
  analyze: AnalyzeFn,
  suppression: SuppressionPolicy,
): ResultEntry {
  const judgement = judgeTemplateKey({ key, template: ctx === undefined ? undefined : { ctx, duplicates: doc.duplicates }, account, analysis: opts.analysis, analyze });
  if (!judgement.judged) return keyNotJudged(doc, key, judgement.error);
  const { worst, runs } = judgement;
  // Only a CloudFormation resource has Metadata; a Terraform plan's keys have no inline suppressions, and their tags
  // are not read (the hook, whose exemption tag this is, judges CloudFormation only).
  const suppressed = ctx !== undefined ? suppressInline(doc, key, judgement.findings, suppression) : { findings: judgement.findings, warnings: [] };
  const tagged =
    ctx !== undefined && opts.exemptionTagKey !== undefined ? exemptByTag(doc, key, ctx, suppressed.findings, { ...opts, exemptionTagKey: opts.exemptionTagKey }, suppression) : { findings: suppressed.findings, warnings: [] };
  return {
    subject: doc.file,
    findings: tagged.findings,
    warnings: [...(ctx !== undefined ? transformWarnings(doc, key) : []), ...judgement.warnings, ...suppressed.warnings, ...tagged.warnings],
    // As written in the template, which the findings' statement indexes name (fingerprints are made of them).
    statements: statementsOf(key.policy.kind === 'written' ? key.policy.value : worst.policy),
    sourceText: doc.text,
    sourceLocator: doc.locate,
    // Paths from the document root are located as they are; the others are located at the policy itself.
    sourcePathPrefix: judgement.pathsFromDocumentRoot ? [] : key.policyPath,
    extra: { ...keyFacts(doc, key), ...variantFacts(runs, worst) },
    access: accessDetails(worst.analysis, worst.policy),
  };
}

function cfnContext(doc: SourceDocument, opts: CheckTemplateOptions, account: string | undefined): TemplateContext {
  const value = doc.value as Record<string, unknown>;
  const record = (k: string): Record<string, unknown> => {
    const v = value[k];
    return isRecord(v) ? v : {};
  };
  return {
    accountId: account ?? PLACEHOLDER_ACCOUNT,
    ...(account === undefined ? { accountIsPlaceholder: true } : {}),
    partition: 'aws',
    // Without --region (or a CDK stack's Region) the Region is unknown: no default decides a condition over it.
    region: opts.region ?? doc.environment?.region,
    urlSuffix: 'amazonaws.com',
    parameters: record('Parameters'),
    resources: record('Resources'),
    mappings: record('Mappings'),
    conditions: record('Conditions'),
  };
}

/** The values a parent stack passes to a nested template's parameters (undefined for a stack that is not nested). */
type PassedParameters = (doc: SourceDocument, account: string | undefined) => Record<string, unknown> | undefined;

/**
 * The values a parent stack passes to a nested template's parameters, resolved in the parent (its parameters
 * with AllowedValues are not enumerated there: a value taken from one is unknown, judged conservatively).
 * Each nested stack's values are resolved once and reused by its descendants. A nested stack inherits its
 * parent's environment, so the account is the same all along a chain of nested stacks.
 */
function passedParametersOnce(opts: CheckTemplateOptions): PassedParameters {
  const resolved = new Map<SourceDocument, Record<string, unknown> | undefined>();
  const passed = (doc: SourceDocument, account: string | undefined, depth: number): Record<string, unknown> | undefined => {
    if (resolved.has(doc)) return resolved.get(doc);
    const ref = doc.nestedIn;
    if (ref === undefined || depth > NESTING_LIMIT) return undefined;
    const parent = ref.parent;
    const grand = passed(parent, account, depth + 1);
    const parentCtx = { ...cfnContext(parent, opts, account), ...(grand !== undefined ? { passedParameters: grand } : {}) };
    const values = Object.fromEntries(
      Object.entries(ref.parameters).map(([name, v]) => {
        const r = resolveValue(v, parentCtx);
        return [name, r instanceof Unresolved ? new Unresolved(`passed by ${ref.logicalId} of the parent stack: ${r.reason}`, r.partial) : r];
      }),
    );
    resolved.set(doc, values);
    return values;
  };
  return (doc, account) => passed(doc, account, 0);
}

function judgeDocument(doc: SourceDocument, opts: CheckTemplateOptions, analyze: AnalyzeFn, passedParameters: PassedParameters, suppression: SuppressionPolicy): Judged[] {
  const value = doc.value as Record<string, unknown>;
  if (documentKind(value) === 'terraform-plan') {
    const account = opts.accountId ?? terraformAccount(value);
    return terraformKeys(value).map((key) => ({ entry: analyseTemplateKey(doc, key, undefined, account, opts, analyze, suppression), usedPlaceholder: false, accountUnknown: account === undefined }));
  }
  const account = opts.accountId ?? doc.environment?.account;
  const passed = passedParameters(doc, account);
  const ctx: TemplateContext = { ...cfnContext(doc, opts, account), ...(passed !== undefined ? { passedParameters: passed } : {}) };
  return cloudFormationKeys(value).map((key) => ({ entry: analyseTemplateKey(doc, key, ctx, ctx.accountId, opts, analyze, suppression), usedPlaceholder: account === undefined, accountUnknown: false }));
}

/** How the run judged: the account assumed, what was not found, passed over or left to a macro. */
function runNotes(docs: readonly SourceDocument[], judged: readonly Judged[], skipped: number): string[] {
  const notes: string[] = [];
  if (judged.some((j) => j.usedPlaceholder)) notes.push(PLACEHOLDER_NOTE);
  if (judged.some((j) => j.accountUnknown)) notes.push(`Terraform plan: ${ACCOUNT_UNKNOWN_NOTE}`);
  if (docs.length > 0 && judged.length === 0) notes.push('no AWS::KMS::Key, AWS::KMS::ReplicaKey, aws_kms_key or aws_kms_key_policy was found in the inputs');
  for (const d of docs) {
    const transforms = documentKind(d.value) === 'cloudformation' ? transformNames(d.value as Record<string, unknown>) : [];
    if (transforms.length > 0 && cloudFormationKeys(d.value as Record<string, unknown>).length === 0) {
      notes.push(`${d.file} declares Transform ${transforms.join(', ')}: a macro may add keys before deployment, and check-template expands none, so such keys were not judged`);
    }
  }
  if (skipped > 0) notes.push(`${skipped} file${skipped === 1 ? '' : 's'} in the given directories were neither CloudFormation templates nor Terraform plans and were passed over`);
  return notes;
}

export async function runCheckTemplate(opts: CheckTemplateOptions, io: CliIo, tool: Report['tool'], deps: CheckTemplateDeps = {}): Promise<Report> {
  const analyze = deps.analyze ?? analyzePolicy;
  const reader = new DocumentReader(io, deps.parse ?? parseDocument);
  await reader.read(opts.paths);
  const { docs, errors, skipped } = reader;
  const passedParameters = passedParametersOnce(opts);
  const suppression: SuppressionPolicy = { nonSuppressible: opts.nonSuppressibleChecks ?? DEFAULT_NON_SUPPRESSIBLE_CHECKS, today: utcDay((deps.now ?? (() => new Date()))()) };
  const judged = docs.flatMap((d) => judgeDocument(d, opts, analyze, passedParameters, suppression));
  return { tool, results: [...errors, ...judged.map((j) => j.entry)], notes: runNotes(docs, judged, skipped) };
}
