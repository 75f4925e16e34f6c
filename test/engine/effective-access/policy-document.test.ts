import { documentValue } from '../../../engine/effective-access/policy-document';

describe('policy documents as IAM and the AWS CLI give them', () => {
  const d = { Version: '2012-10-17', Statement: [{ Sid: 'a+b', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] };
  const text = JSON.stringify(d, null, 1);

  it.each([
    ['an object', d],
    ['JSON text', text],
    ['URL-encoded JSON', encodeURIComponent(text)],
    ["form-encoded JSON ('+' for a space, %2B for a '+')", encodeURIComponent(text).replace(/%20/g, '+')],
  ])('reads %s', (_, raw) => {
    expect(documentValue(raw)).toEqual({ ok: true, value: d });
  });

  it('still reports JSON that is broken whatever the reading', () => {
    expect(documentValue(encodeURIComponent('{"Version": +}'))).toMatchObject({ ok: false, problem: expect.stringContaining('not valid JSON') });
  });
});
