/**
 * StringNotEqualsIgnoreCase on aws:PrincipalArn in a "Deny unless" matches ARNs in any letter case: the principal
 * it names in another case is spared, so the summary must not carve the access down to the name as written.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
 */
import { analyzePolicy } from '../../engine';
import { OWN, allow, deny, policy } from '../support/policies';

it('a Deny unless StringNotEqualsIgnoreCase aws:PrincipalArn names the role in lower case: the role keeps its access', () => {
  const app = `arn:aws:iam::${OWN}:role/App`;
  const p = policy(allow({ AWS: app }, 'kms:Decrypt'), deny('*', 'kms:*', { Condition: { StringNotEqualsIgnoreCase: { 'aws:PrincipalArn': app.toLowerCase() } } }));
  const entries = analyzePolicy(p, { accountId: OWN }).summary.entries.map((e) => e.principal.id);
  expect(entries).toContain(`principal:${app}`);
});
