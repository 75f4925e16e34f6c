/**
 * The judgement of one key of a CloudFormation template (or of a policy taken from a Terraform plan): the one
 * evaluator every adapter that reads templates shares (check-template, the CDK checks). Intrinsics are resolved
 * as far as the template allows (resolve.ts), each deployable variant of the policy is judged (the AllowedValues
 * of the parameters it depends on, both branches of an undecided condition), what stays unknown is judged as the
 * worst it could be (key-policy.ts) and said in a warning with its JSON path. Nothing here reads a file.
 *
 * A key without a policy gets the one KMS attaches by default (the account root may do kms:*):
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */
import { analyzePolicy, duplicateKeyPaths, severityRank, type AnalysisOptions, type AnalysisResult, type Finding, type Warning } from '../engine';
import { duplicateAncestor, policyDuplicatePaths, type Segments } from './duplicates';
import { defaultKeyPolicy } from './default-key-policy';
import { concretePolicy } from './key-policy';
import { isRecord } from './own-keys';
import { enumerableValues, resolveKeyPolicy, type TemplateContext } from './resolve';

/** Stands for the key's own account when the account a template deploys to is not known. */
export const PLACEHOLDER_ACCOUNT = '000000000000';

/** Warnings a template judgement adds to the engine's: values it could not resolve, the default key policy. */
export interface TemplateWarning extends Omit<Warning, 'code'> {
  code: Warning['code'] | 'UNRESOLVED_VALUE' | 'DEFAULT_KEY_POLICY';
}

/** What is known of a key's policy: as written, absent (KMS's default applies), or unknowable before deployment. */
export type KeyPolicySource = { kind: 'written'; value: unknown } | { kind: 'default' } | { kind: 'unknown'; reason: string };

/** A key to judge: where its policy sits in its document, and the policy. */
export interface KeyToJudge {
  /** CloudFormation logical id, or the Terraform resource address. */
  logicalId: string;
  /** Path from the document root to the policy (or to the resource, when it has none). */
  policyPath: readonly (string | number)[];
  policy: KeyPolicySource;
}

/** The engine's entry point; tests pass a wrapper to see what is asked of it. */
export type AnalyzeFn = typeof analyzePolicy;

/** The CloudFormation template a key belongs to. */
export interface KeyTemplate {
  ctx: TemplateContext;
  /** Paths of keys written more than once in the template's text (the parsed value keeps the last). */
  duplicates: readonly Segments[];
}

export interface JudgeKeyRequest {
  key: KeyToJudge;
  /** The key's CloudFormation template; undefined for a policy that holds no intrinsics (a Terraform plan's). */
  template: KeyTemplate | undefined;
  /** The key's own account, when known (for a template, `template.ctx.accountId`). */
  account: string | undefined;
  analysis: Omit<AnalysisOptions, 'accountId' | 'duplicateKeyPaths'>;
  analyze?: AnalyzeFn;
}

export type KeyJudgement =
  | { judged: false; error: string }
  | {
      judged: true;
      /** Each finding once, over every variant, naming the variants that produce it when not all do. */
      findings: Finding[];
      warnings: TemplateWarning[];
      /** Each variant judged, in order (one when the policy has no variants). */
      runs: VariantRun[];
      /** The variant with the worst findings. */
      worst: VariantRun;
      /** Whether findings' and warnings' paths start at the document root (else they are relative to the policy). */
      pathsFromDocumentRoot: boolean;
    };

/**
 * The most variants of one key policy judged one by one (allowed values of the parameters it depends on, times
 * the branches of the conditions its `Fn::If`s take). Past it the parameters and conditions are judged as
 * unknown values, conservatively, with an UNRESOLVED_VALUE warning.
 */
const VARIANT_BOUND = 64;

/** `['Resources', 'Key', 'Properties', 'KeyPolicy']` → `Resources.Key.Properties.KeyPolicy`. */
export function displayPath(segments: readonly (string | number)[]): string {
  return segments
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `${i === 0 ? '' : '.'}${s}` : `[${JSON.stringify(s)}]`))
    .join('');
}

export interface Variant {
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

export interface VariantRun {
  variant: Variant;
  label: string;
  policy: unknown;
  analysis: AnalysisResult;
  warnings: TemplateWarning[];
}

function worstOf(runs: readonly VariantRun[]): VariantRun {
  const score = (r: VariantRun) => [Math.max(0, ...r.analysis.findings.map((f) => severityRank(f.severity))), r.analysis.findings.length] as const;
  return runs.reduce((worst, r) => {
    const [a, b] = score(r);
    const [c, d] = score(worst);
    return a > c || (a === c && b > d) ? r : worst;
  });
}

/** Why a CloudFormation key cannot be judged before its policy is looked at, or undefined. */
function duplicatedKeyError(duplicates: readonly Segments[], key: KeyToJudge): string | undefined {
  // Which of two copies of a key CloudFormation deploys is not documented: neither is judged as the key.
  const ancestor = duplicateAncestor(duplicates, ['Resources', key.logicalId, 'Properties', 'KeyPolicy']);
  if (ancestor === undefined) return undefined;
  return `${key.logicalId}: ${displayPath(ancestor)} is written more than once in the template, and which one CloudFormation uses is not documented; write it once. The key was not judged`;
}

/** The one run of a policy that has no variants (the default key policy, a Terraform policy). */
function singleRun(policy: unknown, analysis: AnalysisResult): VariantRun {
  return { variant: { parameters: {}, conditions: {}, chosen: [] }, label: '', policy, analysis, warnings: [] };
}

/** Judges one variant of a CloudFormation key policy, naming the template's statements; an error when it cannot be made concrete. */
function judgeVariant(
  key: KeyToJudge,
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
  const warnings: TemplateWarning[] = concrete.substitutions.map((s) => {
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
function judgeVariants(
  { ctx, duplicates }: KeyTemplate,
  key: KeyToJudge,
  written: unknown,
  analysisOptions: AnalysisOptions,
  analyze: AnalyzeFn,
  warnings: TemplateWarning[],
): VariantRun[] | { error: string } {
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
  const templateDuplicates = typeof written === 'string' ? [] : policyDuplicatePaths(duplicates, key.policyPath);
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
function mergeRuns(runs: readonly VariantRun[], rebase: (path: string) => string): { findings: Finding[]; warnings: TemplateWarning[] } {
  const findings = new Map<string, { finding: Finding; labels: string[] }>();
  const warnings = new Map<string, TemplateWarning>();
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


/**
 * Judges one key: every variant of a written CloudFormation policy, the default key policy when none is
 * written, a Terraform policy as given. Not judged, with the reason, when the policy is unknown before
 * deployment, when the key or its policy is written twice in the template, or when a variant cannot be made
 * concrete.
 */
export function judgeTemplateKey({ key, template, account, analysis, analyze = analyzePolicy }: JudgeKeyRequest): KeyJudgement {
  const prefix = displayPath(key.policyPath);
  if (key.policy.kind === 'unknown') return { judged: false, error: `${key.logicalId}: ${key.policy.reason}` };
  const analysisOptions: AnalysisOptions = { ...analysis, ...(account !== undefined ? { accountId: account } : {}) };
  if (template !== undefined) {
    const duplicated = duplicatedKeyError(template.duplicates, key);
    if (duplicated !== undefined) return { judged: false, error: duplicated };
  }

  const warnings: TemplateWarning[] = [];
  let runs: VariantRun[];
  if (key.policy.kind === 'default') {
    const policy = defaultKeyPolicy(template?.ctx.partition ?? 'aws', account ?? PLACEHOLDER_ACCOUNT);
    warnings.push({
      code: 'DEFAULT_KEY_POLICY',
      path: prefix,
      message: `${key.logicalId} sets no key policy, so KMS attaches its default key policy (the account may use and manage the key through IAM policies, kms:*); that policy was judged${template !== undefined ? '' : ' (an aws_kms_key_policy for this key replaces it once applied)'}.`,
    });
    runs = [singleRun(policy, analyze(policy, analysisOptions))];
  } else if (template !== undefined) {
    const judged = judgeVariants(template, key, key.policy.value, analysisOptions, analyze, warnings);
    if ('error' in judged) return { judged: false, error: judged.error };
    runs = judged;
  } else {
    runs = [singleRun(key.policy.value, analyze(key.policy.value, analysisOptions))];
  }

  // CloudFormation paths name the template's own elements (Resources.Key.Properties.KeyPolicy.Statement[0]…);
  // a Terraform policy is a JSON string inside the plan, so its paths stay relative to that string.
  const fromRoot = template !== undefined && key.policy.kind === 'written' && typeof key.policy.value !== 'string';
  const rebase = (path: string) => (fromRoot ? prefix + path.replace(/^\$/, '') : path);
  const merged = mergeRuns(runs, rebase);
  return { judged: true, findings: merged.findings, warnings: [...warnings, ...merged.warnings], runs, worst: worstOf(runs), pathsFromDocumentRoot: rebase('$') !== '$' };
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
