/**
 * Helpers to read IAM statements out of synthesized templates: inline role policies and AWS::IAM::Policy, for
 * targeted assertions. Whether a role grants exactly what the code needs (Effect, Resource, Condition, managed
 * policies) is test/infra/role-grants.ts.
 */
import type { Template } from 'aws-cdk-lib/assertions';

export interface FoundStatement {
  /** Logical id of the role or policy that holds the statement. */
  holder: string;
  effect: string;
  actions: string[];
  resources: unknown[];
  sid?: string;
}

type Json = Record<string, unknown>;

/** An IAM element that may be one value or a list (Action, Resource, Statement), as a list. */
export function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function statementsOf(holder: string, document: unknown): FoundStatement[] {
  const statements = asArray((document as Json | undefined)?.Statement);
  return statements.map((raw) => {
    const s = raw as Json;
    return {
      holder,
      effect: String(s.Effect),
      actions: asArray(s.Action).map(String),
      resources: asArray(s.Resource),
      ...(typeof s.Sid === 'string' ? { sid: s.Sid } : {}),
    };
  });
}

/** Every identity-policy statement of the template (roles' inline policies, AWS::IAM::Policy and AWS::IAM::ManagedPolicy). */
export function identityStatements(template: Template): FoundStatement[] {
  const found: FoundStatement[] = [];
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [id, resource] of Object.entries(template.findResources(type))) {
      found.push(...statementsOf(id, (resource.Properties as Json).PolicyDocument));
    }
  }
  for (const [id, resource] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const policy of asArray((resource.Properties as Json).Policies)) {
      found.push(...statementsOf(id, (policy as Json).PolicyDocument));
    }
  }
  return found;
}

/**
 * Statements attached to a role: its inline policies plus every AWS::IAM::Policy that names it. Throws when a
 * managed policy is attached to the role, whose statements these would leave out.
 */
export function roleStatements(template: Template, roleLogicalId: string): FoundStatement[] {
  const managed = [
    ...asArray((template.findResources('AWS::IAM::Role')[roleLogicalId]?.Properties as Json | undefined)?.ManagedPolicyArns),
    ...Object.entries(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter(([, r]) => (asArray((r.Properties as Json).Roles) as Json[]).some((role) => role.Ref === roleLogicalId))
      .map(([id]) => id),
  ];
  if (managed.length > 0) throw new Error(`${roleLogicalId} has managed policies attached (${JSON.stringify(managed)}); its statements are not all in the template`);
  const found: FoundStatement[] = [];
  for (const [id, resource] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    const roles = asArray((resource.Properties as Json).Roles) as Json[];
    if (roles.some((r) => r.Ref === roleLogicalId)) found.push(...statementsOf(id, (resource.Properties as Json).PolicyDocument));
  }
  const role = template.findResources('AWS::IAM::Role')[roleLogicalId];
  for (const policy of asArray((role?.Properties as Json | undefined)?.Policies)) {
    found.push(...statementsOf(roleLogicalId, (policy as Json).PolicyDocument));
  }
  return found;
}

/** Logical id of the role of the Lambda function whose Description contains `text`. */
export function functionRoleId(template: Template, text: string): string {
  const entry = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, r]) =>
    String((r.Properties as Json).Description).includes(text),
  );
  if (entry === undefined) throw new Error(`no function described as ${text}`);
  const role = (entry[1].Properties as Json).Role as { 'Fn::GetAtt'?: [string, string] };
  const id = role['Fn::GetAtt']?.[0];
  if (id === undefined) throw new Error(`function ${entry[0]} has no role reference`);
  return id;
}
