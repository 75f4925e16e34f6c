/**
 * CloudFormation YAML: the short-form intrinsic tags (`!Ref`, `!Sub`, `!GetAtt`…) become their long JSON
 * forms (`{"Ref": …}`, `{"Fn::Sub": …}`), and a locator maps a JSON path back to a line of the YAML text
 * from the `yaml` package's node ranges (for SARIF regions).
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type CollectionTag, type Document, type Node, type ScalarTag } from 'yaml';
import { setOwn } from './own-keys';

/** Short tag name → long form key. */
const INTRINSICS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  GetAtt: 'Fn::GetAtt',
  ...Object.fromEntries(
    ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform', 'And', 'Equals', 'If', 'Not', 'Or', 'ToJsonString', 'Length', 'ForEach'].map(
      (n) => [n, `Fn::${n}`],
    ),
  ),
};

// The tags are declared so the parser accepts them; the conversion below reads each node's tag itself.
const TAGS: (ScalarTag | CollectionTag)[] = Object.keys(INTRINSICS).flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => value } satisfies ScalarTag,
  { tag: `!${name}`, collection: 'seq', resolve: (value: unknown) => value } satisfies CollectionTag,
  { tag: `!${name}`, collection: 'map', resolve: (value: unknown) => value } satisfies CollectionTag,
]);

export interface ParsedYaml {
  value: unknown;
  locate: (segments: (string | number)[]) => { startLine: number; startColumn: number } | undefined;
  /** Paths (in the converted value) of map keys written more than once; the last one's value is kept. */
  duplicates: (string | number)[][];
}

class YamlTemplateError extends Error {
  override readonly name = 'YamlTemplateError';
}

/**
 * How many nodes anchors and aliases may add to the document once expanded. A template rarely repeats more
 * than a few statements; an alias bomb ("billion laughs": each anchor a list of aliases of the one before)
 * grows exponentially and is stopped here, while converting, before the value is built. The `yaml` package's
 * own `maxAliasCount` guards only its `toJS()`, which this conversion does not use (it reads the tags itself).
 */
const ALIAS_NODE_BUDGET = 100_000;

function longName(tag: string | undefined): string | undefined {
  return tag !== undefined && tag.startsWith('!') ? INTRINSICS[tag.slice(1)] : undefined;
}

/**
 * The node each alias refers to: the last node with that anchor before the alias, in document order (YAML 1.2
 * §3.2.2.2), found in one walk rather than by `Alias.resolve`, which walks the whole document for each alias.
 */
function aliasTargets(doc: Document): Map<unknown, unknown> {
  const anchors = new Map<string, unknown>();
  const targets = new Map<unknown, unknown>();
  const walk = (node: unknown, depth: number): void => {
    if (depth > 200) return;
    if (isAlias(node)) {
      targets.set(node, anchors.get(node.source));
      return;
    }
    const anchor = (node as Node | null)?.anchor;
    if (typeof anchor === 'string') anchors.set(anchor, node);
    if (isMap(node)) {
      for (const pair of node.items) {
        walk(pair.key, depth + 1);
        walk(pair.value, depth + 1);
      }
    } else if (isSeq(node)) for (const item of node.items) walk(item, depth + 1);
  };
  walk(doc.contents, 0);
  return targets;
}

class Converter {
  readonly duplicates: (string | number)[][] = [];
  private aliased = 0;
  constructor(private readonly targets: Map<unknown, unknown>) {}

  value(node: unknown, path: (string | number)[], depth: number, viaAlias: boolean): unknown {
    if (depth > 200) throw new YamlTemplateError('the YAML nests deeper than 200 levels');
    if (isAlias(node)) {
      const target = this.targets.get(node);
      // An alias must follow its anchor (YAML 1.2 §7.1); one that refers to nothing is not read as null.
      if (target === undefined) throw new YamlTemplateError(`not valid YAML: the alias *${node.source} refers to no anchor &${node.source} before it`);
      return this.value(target, path, depth + 1, true);
    }
    if (viaAlias && ++this.aliased > ALIAS_NODE_BUDGET) {
      throw new YamlTemplateError(
        `YAML aliases expand to more than ${ALIAS_NODE_BUDGET} nodes (anchors repeated through aliases, as in an alias bomb); the template was not read. Write the repeated parts out, or use fewer aliases.`,
      );
    }
    const tag = (node as Node | null)?.tag;
    const intrinsic = longName(tag);
    // Inside a tagged node the path goes through its long form: `!If [...]` is `{"Fn::If": [...]}`.
    const inner = intrinsic === undefined ? path : [...path, intrinsic];
    let value: unknown;
    if (isScalar(node)) value = node.value;
    else if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(this.value(pair.key, inner, depth + 1, viaAlias));
        if (seen.has(key)) this.duplicates.push([...inner, key]);
        seen.add(key);
        setOwn(out, key, this.value(pair.value, [...inner, key], depth + 1, viaAlias));
      }
      value = out;
    } else if (isSeq(node)) value = node.items.map((item, i) => this.value(item, [...inner, i], depth + 1, viaAlias));
    else return node ?? null;
    if (intrinsic === undefined) return value;
    // !GetAtt Resource.Attribute is the scalar form of ["Resource", "Attribute"]; the attribute may itself
    // contain dots (Outputs.Name), so only the first dot splits.
    if (intrinsic === 'Fn::GetAtt' && typeof value === 'string') {
      const dot = value.indexOf('.');
      return { [intrinsic]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
    }
    return { [intrinsic]: value };
  }
}

/** The branch of an `!If [condition, a, b]` node (or `{"Fn::If": …}`) that has `seg`, if `node` is one. */
function ifBranchWith(node: unknown, seg: string | number): Node | undefined {
  let args: unknown = undefined;
  if (longName((node as Node | null)?.tag) === 'Fn::If') args = node;
  else if (isMap(node) && node.items.length === 1) {
    const pair = node.items[0];
    if (isPair(pair) && isScalar(pair.key) && pair.key.value === 'Fn::If') args = pair.value;
  }
  if (!isSeq(args) || seg === 'Fn::If') return undefined;
  for (const candidate of args.items.slice(1)) {
    if (isMap(candidate) && candidate.items.some((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg))) return candidate;
    if (isSeq(candidate) && typeof seg === 'number' && candidate.items[seg] !== undefined) return candidate;
  }
  return undefined;
}

export function parseCfnYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { customTags: TAGS, lineCounter, uniqueKeys: false, prettyErrors: true });
  const error = doc.errors[0];
  if (error !== undefined) {
    const line = error.linePos?.[0].line;
    throw new YamlTemplateError(`not valid YAML${line !== undefined ? ` (line ${line})` : ''}: ${error.message.split(' at line')[0] ?? error.message}`);
  }
  const targets = aliasTargets(doc);
  const converter = new Converter(targets);
  const value = converter.value(doc.contents, [], 0, false);

  const locate = (segments: (string | number)[]) => {
    let node: unknown = doc.contents;
    let offset: number | undefined = (node as Node | null)?.range?.[0];
    for (const seg of segments) {
      if (isAlias(node)) node = targets.get(node);
      // {"Fn::Sub": …} has no node of its own in YAML: the tagged node stands for it.
      if (longName((node as Node | null)?.tag) === seg) continue;
      // A value chosen by !If: the path continues in the branch that has the next element.
      const branch = ifBranchWith(node, seg);
      if (branch !== undefined) {
        offset = branch.range?.[0] ?? offset;
        node = branch;
      }
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (pair === undefined) break;
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (item === undefined) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    if (offset === undefined) return undefined;
    const pos = lineCounter.linePos(offset);
    return { startLine: pos.line, startColumn: pos.col };
  };
  return { value, locate, duplicates: converter.duplicates };
}
