/** How `scan` names an AWS error in its entries and notes: the code AWS answered, and every message on the way. */
import { awsErrorName } from '../../aws/errors';

/** The error and the errors it wraps (`cause`), outermost first. */
function causeChain(e: unknown): unknown[] {
  const chain = [e];
  let current = e;
  while (chain.length < 8 && typeof current === 'object' && current !== null && 'cause' in current) {
    const cause = (current as { cause?: unknown }).cause;
    if (cause === undefined || cause === null || chain.includes(cause)) break;
    chain.push(cause);
    current = cause;
  }
  return chain;
}

/** The service's error code (`AccessDenied`, `RegionDisabledException`…), or a system error's code. */
export function errorCode(e: unknown): string {
  const name = awsErrorName(e);
  if (name !== 'Error' || typeof e !== 'object' || e === null) return name;
  const { code, Code } = e as { code?: unknown; Code?: unknown };
  const found = typeof Code === 'string' ? Code : code;
  return typeof found === 'string' && found !== '' ? found : name;
}

/** The innermost error of a `cause` chain: the one AWS returned, under any wrappers. */
export function rootCause(e: unknown): unknown {
  const chain = causeChain(e);
  return chain[chain.length - 1];
}

/**
 * `<code>: <message>[: <message of the cause>…]`, where the code is the innermost error's: a wrapper such as
 * AssumeRoleError says what was attempted, its cause what STS answered.
 */
export function describeError(e: unknown): string {
  const chain = causeChain(e);
  const code = errorCode(chain[chain.length - 1]);
  const messages: string[] = [];
  for (const x of chain) {
    const message = (x instanceof Error ? x.message : typeof x === 'string' ? x : '').trim();
    if (message !== '' && message !== code && !messages.includes(message)) messages.push(message);
  }
  return messages.length > 0 ? `${code}: ${messages.join(': ')}` : code;
}
