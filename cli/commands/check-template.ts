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
import { analyzePolicy, duplicateKeyPaths, severityRank, type AnalysisOptions, type AnalysisResult, type Finding } from '../../engine';
import { accessDetails, statementsOf } from '../access';
import { joinablePath, readInputs, WalkTally, type InputFile } from '../inputs';
import type { CliIo } from '../io';
import type { Report, ReportWarning, ResultEntry } from '../report';
import { duplicateAncestor, policyDuplicatePaths } from '../../templates/duplicates';
import { concretePolicy } from '../../templates/key-policy';
import { enumerableValues, resolveKeyPolicy, resolveValue, Unresolved, type TemplateContext } from '../../templates/resolve';
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

export interface CheckTemplateOptions {
  paths: string[];
  /** The account stacks deploy to (AWS::AccountId). */
  accountId?: string;
  /** The Region stacks deploy to (AWS::Region). @default the CDK stack's Region, else unknown (UNRESOLVED_VALUE) */
  region?: string;
  analysis: Pick<AnalysisOptions, 'trustedAccountIds' | 'trustedOrgIds' | 'disabledChecks'>;
}

/** Stands for the key's own account when neither --account-id nor the CDK manifest names it. */
export const PLACEHOLDER_ACCOUNT = '000000000000';
const TEMPLATE_EXTENSIONS = ['.json', '.yaml', '.yml', '.template'];

const PLACEHOLDER_NOTE = `no --account-id given: AWS::AccountId was taken as the placeholder account ${PLACEHOLDER_ACCOUNT} (the key's own account). Account ids written literally in a template are judged as other accounts, and a condition over AWS::AccountId is judged both ways; pass --account-id to judge them as the stack's own.`;

function defaultKeyPolicy(partition: string, account: string): unknown {
  return {
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
  };
}

/** `['Resources', 'Key', 'Properties', 'KeyPolicy']` → `Resources.Key.Properties.KeyPolicy`. */
function displayPath(segments: readonly (string | number)[]): string {
  return segments
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `${i === 0 ? '' : '.'}${s}` : `[${JSON.stringify(s)}]`))
    .join('');
}

/** The engine's entry point; tests pass a wrapper to see what the command asks of it. */
export type AnalyzeFn = typeof analyzePolicy;

/** How a template's text is parsed; tests pass a wrapper to count the work. */
export type ParseFn = typeof parseDocument;

export interface CheckTemplateDeps {
  analyze?: AnalyzeFn;
  parse?: ParseFn;
}

/**
 * The most variants of one key policy judged one by one (allowed values of the parameters it depends on, times
 * the branches of the conditions its `Fn::If`s take). Past it the parameters and conditions are judged as
 * unknown values, conservatively, with an UNRESOLVED_VALUE warning.
 */
const VARIANT_BOUND = 64;

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

interface Variant {
  parameters: Record<string, string>;
  /** The conditions the policy's `Fn::If`s asked for, with the value each took in this variant. */
  conditions: Record<string, boolean>;
  /** The conditions no parameter value decides, given a value here (both values are judged). */
  chosen: string[];
}

/** `Env=prod` or `Env=prod, IsProd=true`: the parameter values, and the conditions chosen rather than decided. */
function variantLabel(v: Variant): string {
  return [...Object.entries(v.parameters).map(([k, x]) => `${k}=${x}`), ...v.chosen.map((k) => `${k}=${String(v.conditions[k])}`)].join(', ');
}

/** The parameters a value refers to (Ref, Fn::Sub variables), through the conditions its Fn::If and Condition name. */
function referencedParameters(value: unknown, ctx: TemplateContext): Set<string> {
  const names = new Set<string>();
  const conditions = new Set<string>();
  const condition = (name: unknown) => {
    if (typeof name !== 'string' || conditions.has(name)) return;
    conditions.add(name);
    walk(ctx.conditions[name], 0);
  };
  const walk = (v: unknown, depth: number): void => {
    if (depth > 100) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    if (!isRecord(v)) return;
    for (const [k, x] of Object.entries(v)) {
      if (k === 'Ref' && typeof x === 'string') names.add(x);
      else if (k === 'Condition') condition(x);
      else if (k === 'Fn::If' && Array.isArray(x)) condition(x[0]);
      else if (k === 'Fn::Sub') {
        const template = Array.isArray(x) ? x[0] : x;
        if (typeof template === 'string') for (const m of template.matchAll(/\$\{([^}!.]*)\}/g)) names.add((m[1] ?? '').trim());
      }
      walk(x, depth + 1);
    }
  };
  walk(value, 0);
  return names;
}

/** A variant of a policy, the policy resolved in it, and the template index of each statement left (see resolveKeyPolicy). */
interface Enumerated {
  variant: Variant;
  resolved: unknown;
  kept: number[] | undefined;
}

type Enumeration = { variants: Enumerated[] } | { overflow: true };

/** Renumbers the statements a path or an engine message names, from the judged policy's to the template's. */
function templateStatements(kept: readonly number[] | undefined) {
  const index = (i: number) => kept?.[i] ?? i;
  return {
    index,
    path: (path: string) => (kept === undefined ? path : path.replace(/^\$\.Statement\[(\d+)\]/, (_m, i: string) => `$.Statement[${index(Number(i))}]`)),
    message: (text: string) =>
      kept === undefined ? text : text.replace(/\bstatements? (\d+(?:, \d+)*)/g, (m, list: string) => m.replace(list, list.split(', ').map((i) => String(index(Number(i)))).join(', '))),
    /** A path of the template's policy as a path of the judged one, or undefined when its statement is removed. */
    fromTemplate: (path: string) => {
      if (kept === undefined) return path;
      const m = /^\$\.Statement\[(\d+)\]/.exec(path);
      if (m === null) return path;
      const judged = kept.indexOf(Number(m[1]));
      return judged < 0 ? undefined : path.replace(/^\$\.Statement\[\d+\]/, `$.Statement[${judged}]`);
    },
  };
}

/**
 * Every variant of a key policy that a deployment can produce from the template: each combination of the
 * AllowedValues of the parameters the policy depends on, and, for each `Fn::If` whose condition stays
 * undecided (it depends on a parameter the deployer may set freely), both branches. Conditions are branched
 * one by one, so combinations that no parameter values could produce may be judged too (more access, never less).
 */
function enumerateVariants(policy: unknown, ctx: TemplateContext): Enumeration {
  const enumerable = [...referencedParameters(policy, ctx)]
    // A nested stack's parameters are what its parent passes, or their Default: nothing to enumerate.
    .filter(() => ctx.passedParameters === undefined)
    .map((n) => [n, enumerableValues(ctx.parameters[n])] as const)
    .filter((e): e is readonly [string, string[]] => e[1] !== undefined);
  let count = 1;
  for (const [, values] of enumerable) count *= values.length;
  if (count > VARIANT_BOUND) return { overflow: true };
  let combos: Record<string, string>[] = [{}];
  for (const [name, values] of enumerable) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  const pending: Omit<Variant, 'chosen'>[] = combos.map((parameters) => ({ parameters, conditions: {} }));
  const done: Enumerated[] = [];
  while (pending.length > 0) {
    const v = pending.shift() as Omit<Variant, 'chosen'>;
    const used = new Map<string, boolean | undefined>();
    const variantCtx = { ...ctx, variant: v, conditionsUsed: used };
    const { resolved, kept } = resolveKeyPolicy(policy, variantCtx);
    const undecided = [...used].find(([, holds]) => holds === undefined)?.[0];
    if (undecided !== undefined) {
      if (done.length + pending.length + 2 > VARIANT_BOUND) return { overflow: true };
      pending.unshift({ ...v, conditions: { ...v.conditions, [undecided]: true } }, { ...v, conditions: { ...v.conditions, [undecided]: false } });
      continue;
    }
    // The label names the conditions the policy's Fn::Ifs took, whether chosen here or decided by the parameters.
    const conditions = Object.fromEntries([...used].filter((e): e is [string, boolean] => e[1] !== undefined));
    done.push({ variant: { parameters: v.parameters, conditions, chosen: Object.keys(v.conditions) }, resolved, kept });
  }
  return { variants: done };
}

interface VariantRun {
  variant: Variant;
  label: string;
  policy: unknown;
  analysis: AnalysisResult;
  warnings: ReportWarning[];
}

function worstOf(runs: readonly VariantRun[]): VariantRun {
  const score = (r: VariantRun) => [Math.max(0, ...r.analysis.findings.map((f) => severityRank(f.severity))), r.analysis.findings.length] as const;
  return runs.reduce((worst, r) => {
    const [a, b] = score(r);
    const [c, d] = score(worst);
    return a > c || (a === c && b > d) ? r : worst;
  });
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

/** Why a CloudFormation key cannot be judged before its policy is looked at, or undefined. */
function duplicatedKeyError(doc: SourceDocument, key: TemplateKey): string | undefined {
  // Which of two copies of a key CloudFormation deploys is not documented: neither is judged as the key.
  const ancestor = duplicateAncestor(doc.duplicates, ['Resources', key.logicalId, 'Properties', 'KeyPolicy']);
  if (ancestor === undefined) return undefined;
  return `${key.logicalId}: ${displayPath(ancestor)} is written more than once in the template, and which one CloudFormation uses is not documented; write it once. The key was not judged`;
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

/** The one run of a policy that has no variants (the default key policy, a Terraform policy). */
function singleRun(policy: unknown, analysis: AnalysisResult): VariantRun {
  return { variant: { parameters: {}, conditions: {}, chosen: [] }, label: '', policy, analysis, warnings: [] };
}

/** Judges one variant of a CloudFormation key policy, naming the template's statements; an error when it cannot be made concrete. */
function judgeVariant(
  key: TemplateKey,
  { variant, resolved, kept }: Enumerated,
  several: boolean,
  templateDuplicates: readonly string[],
  analysisOptions: AnalysisOptions,
  analyze: AnalyzeFn,
): VariantRun | { error: string } {
  const prefix = displayPath(key.policyPath);
  const renumber = templateStatements(kept);
  const label = variantLabel(variant);
  const concrete = concretePolicy(resolved, 'aws');
  if (!concrete.ok) return { error: `${key.logicalId}: ${concrete.reason}${several ? ` (in the variant ${label})` : ''}; the key was not judged` };
  // A KeyPolicy given as a JSON string is parsed by concretePolicy; its duplicates are found in that string.
  const duplicateKeyPaths =
    typeof resolved === 'string' ? duplicatesInPolicyText(resolved) : templateDuplicates.map(renumber.fromTemplate).filter((p): p is string => p !== undefined);
  const warnings: ReportWarning[] = concrete.substitutions.map((s) => {
    const [first, second, ...rest] = s.path;
    const templatePath = first === 'Statement' && typeof second === 'number' ? [first, renumber.index(second), ...rest] : s.path;
    const path = prefix + displayPath(templatePath).replace(/^(?=[A-Za-z_])/, '.');
    return { code: 'UNRESOLVED_VALUE', path, message: `${key.logicalId} at ${path}: ${s.reason}. Judged as ${s.judgedAs}.` };
  });
  const judged = analyze(concrete.policy, { ...analysisOptions, ...(duplicateKeyPaths.length > 0 ? { duplicateKeyPaths } : {}) });
  // Findings and warnings name the template's statements, whatever the variant removed.
  const analysis: AnalysisResult = {
    ...judged,
    findings: judged.findings.map((f) => ({ ...f, path: renumber.path(f.path), message: renumber.message(f.message), statementIndexes: f.statementIndexes.map(renumber.index) })),
    warnings: judged.warnings.map((w) => ({ ...w, path: renumber.path(w.path), message: renumber.message(w.message) })),
  };
  return { variant, label, policy: concrete.policy, analysis, warnings };
}

/**
 * Judges every variant of a written CloudFormation key policy (one, judged with unknown values, past
 * VARIANT_BOUND: said in `warnings`); an error when a variant cannot be judged.
 */
function judgeVariants(doc: SourceDocument, key: TemplateKey, written: unknown, ctx: TemplateContext, analysisOptions: AnalysisOptions, analyze: AnalyzeFn, warnings: ReportWarning[]): VariantRun[] | { error: string } {
  let enumeration = enumerateVariants(written, ctx);
  if ('overflow' in enumeration) {
    const reason = `the policy has more than ${VARIANT_BOUND} variants of parameter values and conditions`;
    warnings.push({
      code: 'UNRESOLVED_VALUE',
      path: displayPath(key.policyPath),
      message: `${key.logicalId}: ${reason}; its parameters with AllowedValues and its undecided conditions were judged as unknown values rather than one variant at a time.`,
    });
    enumeration = { variants: [{ variant: { parameters: {}, conditions: {}, chosen: [] }, ...resolveKeyPolicy(written, { ...ctx, notEnumerated: reason }) }] };
  }
  const templateDuplicates = typeof written === 'string' ? [] : policyDuplicatePaths(doc.duplicates, key.policyPath);
  const several = enumeration.variants.length > 1;
  const runs: VariantRun[] = [];
  for (const enumerated of enumeration.variants) {
    const run = judgeVariant(key, enumerated, several, templateDuplicates, analysisOptions, analyze);
    if ('error' in run) return run;
    runs.push(run);
  }
  return runs;
}

/**
 * A finding in any deployable variant is a finding of the template: the union, each finding once, naming the
 * variants that produce it when not all do; and the variants' warnings, each once.
 */
function mergeRuns(runs: readonly VariantRun[], rebase: (path: string) => string): { findings: Finding[]; warnings: ReportWarning[] } {
  const findings = new Map<string, { finding: Finding; labels: string[] }>();
  const warnings = new Map<string, ReportWarning>();
  for (const run of runs) {
    for (const f of run.analysis.findings) {
      // The same grant seen in several variants may be worded differently (which statements grant it): the
      // first variant's wording is kept, and the variants are named.
      const id = JSON.stringify([f.checkId, f.severity, f.path, f.principals, f.actions]);
      const seen = findings.get(id);
      if (seen !== undefined) seen.labels.push(run.label);
      else findings.set(id, { finding: f, labels: [run.label] });
    }
    for (const w of [...run.warnings, ...run.analysis.warnings.filter((x) => x.code !== 'ACCOUNT_UNKNOWN').map((x) => ({ ...x, path: rebase(x.path) }))]) {
      warnings.set(JSON.stringify([w.code, w.path, w.message]), w);
    }
  }
  const several = runs.length > 1;
  return {
    findings: [...findings.values()].map(({ finding, labels }) => {
      const only = several && labels.length < runs.length ? ` (in the variant${labels.length > 1 ? 's' : ''} ${labels.join('; ')})` : '';
      return Object.assign({}, finding, { path: rebase(finding.path), message: finding.message + only }, several ? { variants: labels } : {});
    }),
    warnings: [...warnings.values()],
  };
}

/** What `extra` says of the variants when there are several: each one's checks, and the worst. */
function variantFacts(runs: readonly VariantRun[], worst: VariantRun): Record<string, unknown> {
  if (runs.length <= 1) return {};
  return {
    variants: runs.map((r) => ({ parameters: r.variant.parameters, conditions: r.variant.conditions, checks: [...new Set(r.analysis.findings.map((f) => f.checkId))] })),
    worstVariant: { parameters: worst.variant.parameters, conditions: worst.variant.conditions },
  };
}

function analyseTemplateKey(doc: SourceDocument, key: TemplateKey, ctx: TemplateContext | undefined, account: string | undefined, opts: CheckTemplateOptions, analyze: AnalyzeFn): ResultEntry {
  const isCfn = ctx !== undefined;
  const prefix = displayPath(key.policyPath);
  if (key.policy.kind === 'unknown') return keyNotJudged(doc, key, `${key.logicalId}: ${key.policy.reason}`);
  const analysisOptions = { ...opts.analysis, ...(account !== undefined ? { accountId: account } : {}) };

  const warnings: ReportWarning[] = [];
  if (isCfn) {
    const duplicated = duplicatedKeyError(doc, key);
    if (duplicated !== undefined) return keyNotJudged(doc, key, duplicated);
    warnings.push(...transformWarnings(doc, key));
  }

  let runs: VariantRun[];
  if (key.policy.kind === 'default') {
    const policy = defaultKeyPolicy('aws', account ?? PLACEHOLDER_ACCOUNT);
    warnings.push({
      code: 'DEFAULT_KEY_POLICY',
      path: prefix,
      message: `${key.logicalId} sets no key policy, so KMS attaches its default key policy (the account may use and manage the key through IAM policies, kms:*); that policy was judged${isCfn ? '' : ' (an aws_kms_key_policy for this key replaces it once applied)'}.`,
    });
    runs = [singleRun(policy, analyze(policy, analysisOptions))];
  } else if (isCfn) {
    const judged = judgeVariants(doc, key, key.policy.value, ctx, analysisOptions, analyze, warnings);
    if ('error' in judged) return keyNotJudged(doc, key, judged.error);
    runs = judged;
  } else {
    runs = [singleRun(key.policy.value, analyze(key.policy.value, analysisOptions))];
  }

  // CloudFormation paths name the template's own elements (Resources.Key.Properties.KeyPolicy.Statement[0]…);
  // a Terraform policy is a JSON string inside the plan, so its paths stay relative to that string.
  const rebase = (path: string) => (isCfn && key.policy.kind === 'written' && typeof key.policy.value !== 'string' ? prefix + path.replace(/^\$/, '') : path);
  const merged = mergeRuns(runs, rebase);
  const worst = worstOf(runs);
  return {
    subject: doc.file,
    findings: merged.findings,
    warnings: [...warnings, ...merged.warnings],
    // As written in the template, which the findings' statement indexes name (fingerprints are made of them).
    statements: statementsOf(key.policy.kind === 'written' ? key.policy.value : worst.policy),
    sourceText: doc.text,
    sourceLocator: doc.locate,
    // Rebased paths already start at the document root; the others are located at the policy itself.
    sourcePathPrefix: rebase('$') === '$' ? key.policyPath : [],
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

function judgeDocument(doc: SourceDocument, opts: CheckTemplateOptions, analyze: AnalyzeFn, passedParameters: PassedParameters): Judged[] {
  const value = doc.value as Record<string, unknown>;
  if (documentKind(value) === 'terraform-plan') {
    const account = opts.accountId ?? terraformAccount(value);
    return terraformKeys(value).map((key) => ({ entry: analyseTemplateKey(doc, key, undefined, account, opts, analyze), usedPlaceholder: false, accountUnknown: account === undefined }));
  }
  const account = opts.accountId ?? doc.environment?.account;
  const passed = passedParameters(doc, account);
  const ctx: TemplateContext = { ...cfnContext(doc, opts, account), ...(passed !== undefined ? { passedParameters: passed } : {}) };
  return cloudFormationKeys(value).map((key) => ({ entry: analyseTemplateKey(doc, key, ctx, ctx.accountId, opts, analyze), usedPlaceholder: account === undefined, accountUnknown: false }));
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
  const judged = docs.flatMap((d) => judgeDocument(d, opts, analyze, passedParameters));
  return { tool, results: [...errors, ...judged.map((j) => j.entry)], notes: runNotes(docs, judged, skipped) };
}

/** Duplicate keys of a KeyPolicy given as a JSON string; a string that is not JSON is the engine's to report. */
function duplicatesInPolicyText(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  return duplicateKeyPaths(text, parsed);
}
