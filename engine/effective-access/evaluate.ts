/**
 * effectiveAccess: which principals of the key's account can use and administer the key.
 */
import type { EffectiveAccessFn } from './types';

export const effectiveAccess: EffectiveAccessFn = () => ({
  complete: false,
  incompleteReasons: ['the evaluation of identity policies is not available in this version'],
  notCovered: ['session policies', 'VPC endpoint policies'],
  principals: [],
});
