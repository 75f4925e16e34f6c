/**
 * Keys written more than once in one object. `JSON.parse` and the YAML conversion keep the last value, so a
 * policy that says `"Effect": "Deny", "Effect": "Allow"` would be judged as an Allow without a word, while
 * what IAM or CloudFormation makes of it is not documented. The engine reports each duplicate as
 * INVALID_POLICY when told where it is; this module finds them and says where, relative to the key policy.
 */
import { createScanner } from 'jsonc-parser';
import { keyPath } from '../../engine';

export type Segments = (string | number)[];

// jsonc-parser's SyntaxKind values (a const enum, which isolated modules cannot import).
const OPEN_BRACE = 1;
const CLOSE_BRACE = 2;
const OPEN_BRACKET = 3;
const CLOSE_BRACKET = 4;
const COMMA = 5;
const COLON = 6;
const STRING = 10;
const EOF = 17;

/**
 * Paths of the keys of a JSON text that repeat a key of the same object (one path per repetition). The text
 * is expected to be valid JSON (JSON.parse read it first). It is read token by token with jsonc-parser's
 * scanner, which decodes escapes (`"a\u0062"` and `"ab"` are the same key), with a stack of our own: the
 * parser's visitor recurses per level and overflows the call stack on a few thousand nested arrays.
 */
// Same scan as the engine's duplicateKeyPaths (engine/json-text.ts), which engine/index.ts does not export yet; YAML duplicates are cfn-yaml.ts's.
export function duplicateKeysInJson(text: string): Segments[] {
  const duplicates: Segments[] = [];
  const stack: ({ kind: 'object'; keys: Set<string>; expectKey: boolean } | { kind: 'array'; next: number })[] = [];
  const path: Segments = [];
  const scanner = createScanner(text, true);
  // A value begins: inside an array, the path gets its index.
  const begin = () => {
    const top = stack[stack.length - 1];
    if (top?.kind === 'array') path.push(top.next++);
  };
  // A value ends: its key or index leaves the path.
  const end = () => {
    if (stack.length > 0) path.pop();
  };
  for (let token = scanner.scan(); token !== EOF; token = scanner.scan()) {
    const top = stack[stack.length - 1];
    switch (token) {
      case OPEN_BRACE:
      case OPEN_BRACKET:
        begin();
        stack.push(token === OPEN_BRACE ? { kind: 'object', keys: new Set(), expectKey: true } : { kind: 'array', next: 0 });
        break;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        stack.pop();
        end();
        break;
      case COMMA:
        if (top?.kind === 'object') top.expectKey = true;
        break;
      case COLON:
        break;
      case STRING:
        if (top?.kind === 'object' && top.expectKey) {
          const key = scanner.getTokenValue();
          if (top.keys.has(key)) duplicates.push([...path, key]);
          top.keys.add(key);
          top.expectKey = false;
          path.push(key);
          break;
        }
        begin();
        end();
        break;
      default:
        begin();
        end();
    }
  }
  return duplicates;
}

/** The engine's path syntax (`$.Statement[0].Condition.StringEquals["kms:ViaService"]`), built by the engine's own `keyPath`. */
export function enginePath(segments: readonly (string | number)[]): string {
  return segments.reduce<string>((path, s) => (typeof s === 'number' ? `${path}[${s}]` : keyPath(path, s)), '$');
}

function isIntrinsic(segment: string | number): boolean {
  // `Condition` inside a key policy is the IAM element; the `Condition` intrinsic appears only inside conditions.
  return typeof segment === 'string' && (segment === 'Ref' || segment.startsWith('Fn::'));
}

/**
 * The duplicates that sit inside the policy at `policyPath`, as engine paths relative to the policy. The value
 * of `Fn::If` is one of its branches, so `Statement[0].Fn::If[1].Effect` is the statement's `Effect`; a
 * duplicate inside the arguments of another intrinsic function (a `Fn::Sub` variable map…) has no place in
 * the resolved policy and is reported at the element the function computes.
 */
export function policyDuplicatePaths(duplicates: readonly Segments[], policyPath: readonly (string | number)[]): string[] {
  const out: string[] = [];
  for (const d of duplicates) {
    if (d.length <= policyPath.length || !policyPath.every((s, i) => d[i] === s)) continue;
    const rest = d.slice(policyPath.length);
    const mapped: Segments = [];
    for (let i = 0; i < rest.length; i++) {
      const s = rest[i] as string | number;
      if (s === 'Fn::If' && typeof rest[i + 1] === 'number') {
        i++;
        continue;
      }
      if (isIntrinsic(s)) break;
      mapped.push(s);
    }
    const path = enginePath(mapped);
    if (!out.includes(path)) out.push(path);
  }
  return out;
}

/**
 * Duplicates on the way to `policyPath` (the resource written twice under one logical id, `Properties` or
 * `KeyPolicy` written twice): which of the two CloudFormation deploys is not documented, so the key cannot
 * be judged. Returns the first such path.
 */
export function duplicateAncestor(duplicates: readonly Segments[], policyPath: readonly (string | number)[]): Segments | undefined {
  return duplicates.find((d) => d.length <= policyPath.length && d.every((s, i) => policyPath[i] === s));
}
