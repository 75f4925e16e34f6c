/**
 * Does a statement's Resource (or NotResource) apply to this key?
 *
 * In a key policy, "Resource": "*" means "this key"; a policy can only ever govern the key it is attached
 * to, so a statement whose Resource names something else (an S3 bucket, another service) has no effect.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
 *
 * The answer is three-valued because, without the key's ARN, a key ARN in Resource may or may not be
 * this key. Allow statements are applied when they *may* match (fail closed: assume access); Deny
 * statements only when they *surely* match (never assume a Deny protects us).
 */
import { globMatch } from './glob';

type Match = 'yes' | 'no' | 'unknown';

function matchOne(pattern: string, keyArn: string | undefined): Match {
  if (pattern === '*' || /^\*+$/.test(pattern)) return 'yes';
  const m = /^arn:([^:]*):([^:]*):/.exec(pattern);
  if (!m) return 'unknown';
  const service = m[2] ?? '';
  if (!globMatch(service, 'kms')) return 'no';
  if (keyArn) return globMatch(pattern, keyArn) ? 'yes' : 'no';
  return 'unknown';
}

/** Whether the statement's resource element covers the key. */
export function resourceApplies(values: readonly string[], negated: boolean, keyArn: string | undefined): Match {
  if (values.length === 1 && values[0] === '*') return negated ? 'no' : 'yes';
  let any: Match = 'no';
  for (const v of values) {
    const r = matchOne(v, keyArn);
    if (r === 'yes') {
      any = 'yes';
      break;
    }
    if (r === 'unknown') any = 'unknown';
  }
  if (!negated) return any;
  // NotResource: the statement applies to everything *not* listed.
  if (any === 'yes') return 'no';
  if (any === 'no') return 'yes';
  return 'unknown';
}
