/**
 * Keys written more than once in one object. `JSON.parse` and the YAML conversion keep the last value, so a
 * policy that says `"Effect": "Deny", "Effect": "Allow"` would be judged as an Allow without a word, while
 * what IAM or CloudFormation makes of it is not documented. The engine reports each duplicate as
 * INVALID_POLICY when told where it is; this module finds them and says where, relative to the key policy.
 */
import { visit } from 'jsonc-parser';

export type Segments = (string | number)[];

/**
 * Paths of the keys of a JSON text that repeat a key of the same object (one path per repetition). The text
 * is expected to be valid JSON (JSON.parse read it first); jsonc-parser's visitor keeps every key as written,
 * with escapes decoded, so `"a\u0062"` and `"ab"` are the same key.
 */
export function duplicateKeysInJson(text: string): Segments[] {
  const duplicates: Segments[] = [];
  // One frame per open object or array: the keys seen so far (objects) or the next index (arrays).
  const stack: ({ kind: 'object'; keys: Set<string> } | { kind: 'array'; next: number })[] = [];
  const path: Segments = [];
  // Before a value inside an array, the path gets its index; after it, the index goes.
  const enterValue = () => {
    const top = stack[stack.length - 1];
    if (top?.kind === 'array') path.push(top.next++);
  };
  const leaveValue = () => {
    const top = stack[stack.length - 1];
    path.pop();
    if (top === undefined) path.length = 0;
  };
  visit(text, {
    onObjectBegin: () => {
      enterValue();
      stack.push({ kind: 'object', keys: new Set() });
    },
    onObjectProperty: (property) => {
      const top = stack[stack.length - 1];
      if (top?.kind !== 'object') return;
      if (top.keys.has(property)) duplicates.push([...path, property]);
      top.keys.add(property);
      path.push(property);
    },
    onObjectEnd: () => {
      stack.pop();
      leaveValue();
    },
    onArrayBegin: () => {
      enterValue();
      stack.push({ kind: 'array', next: 0 });
    },
    onArrayEnd: () => {
      stack.pop();
      leaveValue();
    },
    onLiteralValue: () => {
      enterValue();
      leaveValue();
    },
  });
  return duplicates;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The engine's path syntax: `$.Statement[0].Condition.StringEquals["kms:ViaService"]`. */
export function enginePath(segments: readonly (string | number)[]): string {
  return segments.map((s) => (typeof s === 'number' ? `[${s}]` : IDENTIFIER.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join('').replace(/^/, '$');
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
