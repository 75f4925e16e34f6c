/**
 * The CloudFormation template the organisation StackSet deploys to every member account: one IAM role the
 * central rule function assumes to read that account's keys and report to its Config rule.
 *
 * IAM is global, so the StackSet deploys it to one region only; the permissions therefore cover keys and
 * Config rules of every region (`kms:*:<account>:key/*`), still limited to the member account itself.
 */
import { RULE_PERMISSIONS, resourcesOf, type ArnParts, type PermissionSpec } from './permissions';

export const DEFAULT_EXECUTION_ROLE_NAME = 'KmsPolicyGuardExecutionRole';

type TemplateValue = string | { 'Fn::Sub': string };

function sub(value: string): TemplateValue {
  return value.includes('${') ? { 'Fn::Sub': value } : value;
}

function resourceOf(spec: PermissionSpec, parts: ArnParts): TemplateValue | TemplateValue[] {
  const resources = resourcesOf(spec, parts).map(sub);
  return resources.length === 1 ? (resources[0] as TemplateValue) : resources;
}

/**
 * A role name as the rule takes it ("audit/KmsPolicyGuardAudit", the path's slashes already normalised by the
 * rule's parser) as the role's properties: IAM role names may not contain "/", the path is a property of its
 * own that begins and ends with "/" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html).
 * The role's ARN is then arn:<partition>:iam::<account>:role/audit/KmsPolicyGuardAudit, the one the rule assumes.
 */
function roleNameAndPath(roleName: string): { RoleName: string; Path?: string } {
  const slash = roleName.lastIndexOf('/');
  if (slash < 0) return { RoleName: roleName };
  return { RoleName: roleName.slice(slash + 1), Path: `/${roleName.slice(0, slash + 1)}` };
}

export function executionRoleTemplate(roleName: string): Record<string, unknown> {
  const parts: ArnParts = {
    partition: '${AWS::Partition}',
    region: '*',
    account: '${AWS::AccountId}',
    configRuleArn: 'arn:${AWS::Partition}:config:*:${AWS::AccountId}:config-rule/*',
  };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'kms-policy-guard: role the central Config rule function assumes to evaluate KMS key policies in this account',
    Parameters: {
      CentralFunctionRoleArn: {
        Type: 'String',
        Description: 'ARN of the central rule function role (delegated administrator account)',
        AllowedPattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/.+$',
      },
    },
    Resources: {
      ExecutionRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          ...roleNameAndPath(roleName),
          Description: 'kms-policy-guard: read KMS key policies and report Config evaluations for the central rule function',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { AWS: { Ref: 'CentralFunctionRoleArn' } }, Action: 'sts:AssumeRole' }],
          },
          Policies: [
            {
              PolicyName: 'kms-policy-guard-evaluate',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: RULE_PERMISSIONS.map((spec) => ({
                  Sid: spec.sid,
                  Effect: 'Allow',
                  Action: [...spec.actions],
                  Resource: resourceOf(spec, parts),
                })),
              },
            },
          ],
        },
      },
    },
    Outputs: {
      ExecutionRoleArn: { Value: { 'Fn::GetAtt': ['ExecutionRole', 'Arn'] } },
    },
  };
}
