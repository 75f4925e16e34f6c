/**
 * CloudFormation YAML: the short-form intrinsic tags (`!Ref`, `!Sub`, `!GetAtt`…) become their long JSON
 * forms (`{"Ref": …}`, `{"Fn::Sub": …}`), and a locator maps a JSON path back to a line of the YAML text
 * from the `yaml` package's node ranges (for SARIF regions).
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type CollectionTag, type Document, type Node, type ScalarTag } from 'yaml';

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
}

export class YamlTemplateError extends Error {
  override readonly name = 'YamlTemplateError';
}

function longName(tag: string | undefined): string | undefined {
  return tag !== undefined && tag.startsWith('!') ? INTRINSICS[tag.slice(1)] : undefined;
}

function toValue(node: unknown, doc: Document, depth = 0): unknown {
  if (depth > 200) throw new YamlTemplateError('the YAML nests deeper than 200 levels');
  if (isAlias(node)) return toValue(node.resolve(doc), doc, depth + 1);
  let value: unknown;
  if (isScalar(node)) value = node.value;
  else if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(toValue(pair.key, doc, depth + 1));
      out[key] = toValue(pair.value, doc, depth + 1);
    }
    value = out;
  } else if (isSeq(node)) value = node.items.map((item) => toValue(item, doc, depth + 1));
  else return node ?? null;
  const tag = (node as Node).tag;
  const intrinsic = longName(tag);
  if (intrinsic === undefined) return value;
  // !GetAtt Resource.Attribute is the scalar form of ["Resource", "Attribute"]; the attribute may itself
  // contain dots (Outputs.Name), so only the first dot splits.
  if (intrinsic === 'Fn::GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { [intrinsic]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [intrinsic]: value };
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
  const value = toValue(doc.contents, doc);

  const locate = (segments: (string | number)[]) => {
    let node: unknown = doc.contents;
    let offset: number | undefined = (node as Node | null)?.range?.[0];
    for (const seg of segments) {
      if (isAlias(node)) node = node.resolve(doc);
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
  return { value, locate };
}
