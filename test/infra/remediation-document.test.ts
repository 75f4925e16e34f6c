/**
 * The remediation's Automation document hands the function a key and DryRun, nothing else: the principals
 * it writes are fixed in the function's environment, and the function's own role is among the
 * administrators there (KMS accepts a new key policy only if its sender can still change it).
 *
 * The document also declares `AutomationAssumeRole`, because Config's automatic remediation only runs a
 * document whose `assumeRole` is `{{ AutomationAssumeRole }}` and passes that parameter
 * (https://docs.aws.amazon.com/config/latest/APIReference/API_PutRemediationConfigurations.html). Its
 * allowedValues hold the deployed automation role and nothing else: SSM refuses StartAutomationExecution with
 * any other value, so a caller still cannot run the document with a role of their choosing.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { REQUEST_FIELDS } from '../../remediation/parameters';
import { synthesize } from './app-fixture';

interface DocumentParameter {
  type: string;
  default?: unknown;
  allowedValues?: unknown[];
  allowedPattern?: string;
}
interface DocumentContent {
  assumeRole: unknown;
  mainSteps: { inputs?: { Payload?: unknown } }[];
  parameters: Record<string, DocumentParameter>;
}

const synth = synthesize();

function documentOf(template: Template): DocumentContent {
  const documents = Object.values(template.findResources('AWS::SSM::Document')) as { Properties: { Content: DocumentContent } }[];
  expect(documents).toHaveLength(1);
  const content = documents[0]?.Properties.Content;
  if (content === undefined) throw new Error('no document content');
  return content;
}

function automationRoleArn(template: Template): unknown {
  const roles = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => id.startsWith('RemediationAutomationRole'));
  expect(roles).toHaveLength(1);
  return { 'Fn::GetAtt': [roles[0], 'Arn'] };
}

describe.each([
  ['rule stack', synth.templates.rule],
  ['conformance pack stack', synth.templates.pack],
])('the Automation document of the %s', (_stack, template) => {
  const content = documentOf(template);

  it('sends only the fields the function accepts, and no principal or role, in the Lambda payload', () => {
    const payload = JSON.parse(String(content.mainSteps[0]?.inputs?.Payload)) as Record<string, unknown>;
    expect(Object.keys(payload)).toEqual([...REQUEST_FIELDS]);
    expect(JSON.stringify(content)).not.toMatch(/PrincipalArns/);
  });

  it('takes KeyId, DryRun and an AutomationAssumeRole that can only be the deployed automation role', () => {
    expect(Object.keys(content.parameters).sort()).toEqual([...REQUEST_FIELDS, 'AutomationAssumeRole'].sort());
    expect(content.assumeRole).toBe('{{ AutomationAssumeRole }}');
    const role = content.parameters.AutomationAssumeRole;
    expect(role?.type).toBe('String');
    expect(role?.allowedValues).toEqual([automationRoleArn(template)]);
    expect(role?.default).toEqual(automationRoleArn(template));
  });

  // SSM checks a parameter against allowedValues when the execution starts (StartAutomationExecution fails
  // with InvalidAutomationExecutionParametersException), before any step runs.
  it.each([
    ['another role of the account', 'arn:aws:iam::123456789012:role/OtherAutomationRole'],
    ['a role of another account', 'arn:aws:iam::444455556666:role/KmsPolicyGuard-RemediationAutomationRole'],
    ['an admin role', 'arn:aws:iam::123456789012:role/Admin'],
    ['an empty value', ''],
    ['a wildcard', 'arn:aws:iam::123456789012:role/*'],
  ])('refuses %s as AutomationAssumeRole (only the deployed role is allowed)', (_label, hostile) => {
    const allowed = content.parameters.AutomationAssumeRole?.allowedValues ?? [];
    expect(allowed).toHaveLength(1);
    expect(allowed).not.toContainEqual(hostile);
    expect(JSON.stringify(allowed)).not.toMatch(/\*/);
  });
});
