/**
 * The remediation's Automation document hands the function's own role to the remediation as an
 * administrator: KMS accepts a new key policy only if its sender can still change it.
 */
import { synthesize } from './app-fixture';

interface DocumentStep {
  inputs?: { Payload?: unknown };
}

it('adds the remediation function role to AdminPrincipalArns in the Lambda payload', () => {
  const template = synthesize().templates.rule;
  const documents = Object.values(template.findResources('AWS::SSM::Document')) as { Properties: { Content: { mainSteps: DocumentStep[] } } }[];
  expect(documents).toHaveLength(1);
  const payload = JSON.stringify(documents[0]?.Properties.Content.mainSteps[0]?.inputs?.Payload);
  expect(payload).toContain('{{ AdminPrincipalArns }},');
  // The role ARN is a reference to the function's role in the same stack.
  const roles = Object.keys(template.findResources('AWS::IAM::Role'));
  const referenced = roles.filter((id) => payload.includes(`"${id}","Arn"`));
  expect(referenced).toHaveLength(1);
  expect(referenced[0]).toMatch(/Remediation/);
});
