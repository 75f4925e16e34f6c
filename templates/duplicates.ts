/**
 * Keys written more than once in one object. `JSON.parse` and the YAML conversion keep the last value, so a
 * policy that says `"Effect": "Deny", "Effect": "Allow"` would be judged as an Allow without a word, while
 * what IAM or CloudFormation makes of it is not documented. The engine reports each duplicate as
 * INVALID_POLICY when told where it is; this module finds them and says where, relative to the key policy.
 */
import { duplicateKeyPaths, keyPath, pathSegments } from '../engine';

export type Segments = (string | number)[];

/**
 * Paths of the keys of a JSON text that repeat a key of the same object, as segments; `parsed` is what
 * JSON.parse made of `text`. The engine's scan (the one the Config rule and `check` use) finds them; the
 * YAML reader finds YAML's own (cfn-yaml.ts).
 */
export function duplicateKeysInJson(text: string, parsed: unknown): Segments[] {
  return duplicateKeyPaths(text, parsed).map((path) => {
    const segments = pathSegments(path);
    if (segments === undefined) throw new Error(`the engine gave a duplicate-key path it cannot read back: ${path}`);
    return segments;
  });
}

/** The engine's path syntax (`$.Statement[0].Condition.StringEquals["kms:ViaService"]`), built by the engine's own `keyPath`. */
function enginePath(segments: readonly (string | number)[]): string {
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
