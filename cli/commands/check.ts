/** `check`: analyse key-policy files, directories of them, or stdin. */
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { analyzePolicy, type AnalysisOptions } from '../../engine';
import { statementsOf } from '../access';
import { parseText, readInputs, unwrapPolicyText, WalkTally, type InputFs, type ParsedText } from '../inputs';
import type { CliIo } from '../io';
import { effectiveAccessOf, iamDetailsNotes, type IamDetails } from '../iam-details';
import type { Report, ResultEntry, SkippedInput } from '../report';
import { isRecord } from '../../templates/own-keys';

export interface CheckCommandOptions {
  analysis: AnalysisOptions;
  paths: string[];
  /** Also read symbolic links that lead outside a folder being walked. @default false */
  followSymlinks?: boolean;
  /** @default the real file system */
  fs?: InputFs;
  /** --iam-details: each entry gains who in the account can use and administer the key. */
  iam?: IamDetails;
}

export const ACCOUNT_UNKNOWN_NOTE =
  "no --account-id given: the key's own account and other accounts cannot be told apart, so every account principal was judged as the key's own account (account-wide checks apply) and no cross-account finding was made. Pass --account-id to judge cross-account access.";

/**
 * Why a file found in a walk is not a key policy, or undefined when it is judged. A key policy has a
 * top-level `Statement` or `Version` (or is get-key-policy's `{"Policy": "…"}`); `Statement` in any letter
 * case counts, so a misspelt policy is judged and named rather than passed over. A file that is not JSON
 * but is JSON with comments or trailing commas (tsconfig.json, .vscode settings…) is looked at the same
 * way; a file that is not even that cannot be told apart from a broken policy, so it is judged (and is an
 * INVALID_POLICY that exits 2).
 */
function notAKeyPolicy(text: string, parsed: ParsedText): string | undefined {
  let doc: unknown;
  let withComments = false;
  if (parsed.ok) doc = parsed.value;
  else {
    const errors: ParseError[] = [];
    try {
      doc = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
    } catch {
      // jsonc-parser recurses once per nesting level; too deep to look at is judged (and reported).
      return undefined;
    }
    if (errors.length > 0) return undefined;
    withComments = true;
  }
  const what = withComments ? 'JSON with comments or trailing commas' : 'JSON';
  if (!isRecord(doc)) return `not a key policy: ${what} whose top level is ${Array.isArray(doc) ? 'an array' : doc === null ? 'null' : `a ${typeof doc}`}, not an object`;
  const keys = Object.keys(doc);
  if (keys.some((k) => k === 'Version' || k === 'Policy' || k.toLowerCase() === 'statement')) return undefined;
  if ('Resources' in doc || 'AWSTemplateFormatVersion' in doc) return 'not a key policy: a CloudFormation template (check-template judges the key policies in it)';
  if ('planned_values' in doc || 'resource_changes' in doc) return 'not a key policy: a Terraform plan (check-template judges the key policies in it)';
  return `not a key policy: ${what} with no top-level Statement or Version`;
}

export async function runCheck(opts: CheckCommandOptions, io: CliIo, tool: Report['tool']): Promise<Report> {
  const inputs = await readInputs(opts.paths, io, ['.json'], { followSymlinks: opts.followSymlinks === true, ...(opts.fs ? { fs: opts.fs } : {}) });
  const results: ResultEntry[] = [];
  const skipped: SkippedInput[] = [];
  const folders = new WalkTally();
  for (const input of inputs) {
    if (input.root !== undefined) folders.found(input.root);
    if ('error' in input) {
      results.push({ subject: input.file, findings: [], warnings: [], error: input.error });
      continue;
    }
    // Only files found in a walk may be passed over: a file named on the command line is always judged.
    const parsed = parseText(input.text);
    const reason = input.root !== undefined ? notAKeyPolicy(input.text, parsed) : undefined;
    if (input.root !== undefined && reason !== undefined) {
      skipped.push({ file: input.file, reason });
      folders.passedOver(input.root);
      continue;
    }
    const { text, unwrapped } = unwrapPolicyText(input.text, parsed);
    const r = analyzePolicy(text, opts.analysis);
    const effective = opts.iam ? { effectiveAccess: effectiveAccessOf(opts.iam, r) } : {};
    results.push({
      ...effective,
      subject: input.file,
      findings: r.findings,
      warnings: r.warnings,
      statements: statementsOf(text),
      // Paths in an unwrapped {"Policy": "..."} document point into the inner string: no line to show.
      ...(unwrapped ? {} : { sourceText: input.text }),
    });
  }
  results.push(...folders.judgedNothing('key policy', (n) => `the ${n} .json file${n === 1 ? ' found is' : 's found are'} not key policies (listed as skipped)`));
  const notes = opts.analysis.accountId === undefined ? [ACCOUNT_UNKNOWN_NOTE] : [];
  if (opts.iam) notes.push(...iamDetailsNotes(opts.iam));
  return { tool, results, skipped, notes };
}
