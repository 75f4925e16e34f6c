/**
 * Memoise a pure function of one key. Policies repeat the same principals, actions and operators over and
 * over, so their classification is computed once; the cache is emptied when it reaches `limit` entries, so
 * a stream of distinct values cannot grow memory without bound.
 */
export function memoize<K, V>(fn: (key: K) => V, limit: number): (key: K) => V {
  const cache = new Map<K, V>();
  return (key: K): V => {
    let value = cache.get(key);
    if (value === undefined) {
      value = fn(key);
      if (cache.size >= limit) cache.clear();
      cache.set(key, value);
    }
    return value;
  };
}
