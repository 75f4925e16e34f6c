/**
 * The checks, in report order: the one list of checks. `CheckId` and `CHECK_IDS` are derived from it, and
 * the documentation is generated from it (npm run docs:checks).
 */
import { accountWideAdministration } from './account-wide-administration';
import { accountWideFullAccess } from './account-wide-full-access';
import { accountWideUsage } from './account-wide-usage';
import { allowWithNegation } from './allow-with-negation';
import type { Check } from './toolkit';
import { invalidPolicy } from './invalid-policy';
import { noSeparationOfDuties } from './no-separation-of-duties';
import { publicAccess } from './public-access';
import { redelegableGrant } from './redelegable-grant';
import { unconstrainedGrantCreation } from './unconstrained-grant-creation';
import { unscopedServicePrincipal } from './unscoped-service-principal';
import { untrustedCrossAccount } from './untrusted-cross-account';
import { untrustedGrantRetiree } from './untrusted-grant-retiree';
import { untrustedGrantee } from './untrusted-grantee';

export const CHECKS = [
  invalidPolicy,
  publicAccess,
  untrustedCrossAccount,
  untrustedGrantee,
  untrustedGrantRetiree,
  accountWideFullAccess,
  accountWideUsage,
  accountWideAdministration,
  noSeparationOfDuties,
  unconstrainedGrantCreation,
  redelegableGrant,
  unscopedServicePrincipal,
  allowWithNegation,
] as const satisfies readonly Check[];

/** The id of a registered check. */
export type CheckId = (typeof CHECKS)[number]['meta']['id'];

/** Every check id, in report order. */
export const CHECK_IDS: readonly CheckId[] = Object.freeze(CHECKS.map((check) => check.meta.id));

/**
 * Each check id by name (`CHECK.INVALID_POLICY`), for code outside the engine that must name one check: a
 * misspelt id is a compile error here, where a string literal would silently match nothing.
 */
export const CHECK = Object.freeze(Object.fromEntries(CHECK_IDS.map((id) => [id, id]))) as { readonly [Id in CheckId]: Id };

export function isCheckId(value: unknown): value is CheckId {
  return typeof value === 'string' && (CHECK_IDS as readonly string[]).includes(value);
}
