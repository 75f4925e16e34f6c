/**
 * The checks, in report order. Documentation is generated from this list (npm run docs:checks).
 */
import { accountWideAdministration } from './account-wide-administration';
import { accountWideFullAccess } from './account-wide-full-access';
import { accountWideUsage } from './account-wide-usage';
import { allowWithNegation } from './allow-with-negation';
import type { Check } from './toolkit';
import { invalidPolicy } from './invalid-policy';
import { noSeparationOfDuties } from './no-separation-of-duties';
import { publicAccess } from './public-access';
import { unconstrainedGrantCreation } from './unconstrained-grant-creation';
import { unscopedServicePrincipal } from './unscoped-service-principal';
import { untrustedCrossAccount } from './untrusted-cross-account';

export const CHECKS: readonly Check[] = [
  invalidPolicy,
  publicAccess,
  untrustedCrossAccount,
  accountWideFullAccess,
  accountWideUsage,
  accountWideAdministration,
  noSeparationOfDuties,
  unconstrainedGrantCreation,
  unscopedServicePrincipal,
  allowWithNegation,
];
