import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const ACCOUNT = '111122223333';
export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY_ID}`;
export const ADMIN = `arn:aws:iam::${ACCOUNT}:role/KeyAdmin`;
export const USER = `arn:aws:iam::${ACCOUNT}:role/KeyUser`;

/** Real key policies: the seed article's two, the AWS console default, the CDK default, a same-account-via-service grant. */
export const FIXTURES = [
  'seed-bad-policy',
  'seed-less-bad-policy',
  'console-default-policy',
  'cdk-default-policy',
  'same-account-via-service-policy',
] as const;
export type FixtureName = (typeof FIXTURES)[number];

export function fixtureText(name: FixtureName): string {
  return readFileSync(path.join(__dirname, 'fixtures', `${name}.json`), 'utf8');
}

export function fixture(name: FixtureName): { Statement: Record<string, unknown>[] } & Record<string, unknown> {
  return JSON.parse(fixtureText(name)) as { Statement: Record<string, unknown>[] } & Record<string, unknown>;
}
