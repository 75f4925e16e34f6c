/**
 * IAM wildcard matching (`*` any run of characters, `?` one character) in linear-looking time.
 *
 * Policies are untrusted input: turning a pattern into a backtracking regular expression lets a pattern
 * such as `*?*?*?…Q` take seconds per match. This matcher backtracks only to the last `*`, so it is
 * O(pattern × text) at worst.
 */
export function globMatch(pattern: string, text: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const t = ignoreCase ? text.toLowerCase() : text;
  if (!p.includes('*') && !p.includes('?')) return p === t;
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    const c = p.charCodeAt(pi);
    if (pi < p.length && (c === 63 /* ? */ || c === t.charCodeAt(ti))) {
      pi++;
      ti++;
    } else if (pi < p.length && c === 42 /* * */) {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p.charCodeAt(pi) === 42) pi++;
  return pi === p.length;
}

/** Whether a pattern is made of wildcards only (it matches anything of its length or longer). */
export function onlyWildcards(pattern: string): boolean {
  return pattern.length > 0 && /^[*?]+$/.test(pattern);
}
