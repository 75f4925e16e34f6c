/**
 * The remediation's Automation document hands the function a key and DryRun, nothing else: the principals
 * it writes are fixed in the function's environment, and the function's own role is among the
 * administrators there (KMS accepts a new key policy only if its sender can still change it).
 */
import { REQUEST_FIELDS } from '../../remediation/parameters';
import { synthesize } from './app-fixture';

interface DocumentStep {
  inputs?: { Payload?: unknown };
}

it('sends only the fields the function accepts, and no principal, in the Lambda payload', () => {
  const template = synthesize().templates.rule;
  const documents = Object.values(template.findResources('AWS::SSM::Document')) as {
    Properties: { Content: { mainSteps: DocumentStep[]; parameters: Record<string, unknown> } };
  }[];
  expect(documents).toHaveLength(1);
  const content = documents[0]?.Properties.Content;
  const payload = JSON.parse(String(content?.mainSteps[0]?.inputs?.Payload)) as Record<string, unknown>;
  expect(Object.keys(payload)).toEqual([...REQUEST_FIELDS]);
  expect(Object.keys(content?.parameters ?? {}).sort()).toEqual([...REQUEST_FIELDS].sort());
  expect(JSON.stringify(content)).not.toMatch(/PrincipalArns|AutomationAssumeRole/);
});
