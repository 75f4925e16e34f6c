import { parseRuleParameters, type RuleParameters } from '../../rule/parameters';
import { applicability, type KnownResource } from '../../rule/applicability';
import { assessPolicy, countedFindings, decideVerdict, notApplicableVerdict, type PolicyResult, type Verdict } from '../../rule/verdict';
import { finding } from './support';
import type { ReadFailure } from '../../aws/kms-reader';

const defaults = parseRuleParameters({});
const rootFullAccess = finding({
  checkId: 'ACCOUNT_WIDE_FULL_ACCESS',
  severity: 'high',
  principals: ['arn:aws:iam::111122223333:root'],
  sids: ['Enable IAM User Permissions'],
});
const negation = finding({ checkId: 'ALLOW_WITH_NEGATION', severity: 'low' });
const invalid = finding({ checkId: 'INVALID_POLICY', severity: 'critical' });
const publicDecrypt = finding({ checkId: 'PUBLIC_ACCESS', severity: 'critical', principals: ['*'], sids: ['Anyone may decrypt'] });
const crossAccount = finding({ checkId: 'UNTRUSTED_CROSS_ACCOUNT', severity: 'high', principals: ['arn:aws:iam::444455556666:root'] });
// A low-severity check that threw: the engine marks its finding as not judged.
const crashed = { ...finding({ checkId: 'ALLOW_WITH_NEGATION', severity: 'low' }), notJudged: true as const };
/** What the rule knows of a resource by the time it decides: the gate's facts, and for a key its policy and exemption. */
type VerdictSubject = Exclude<KnownResource, { kind: 'key' }> | (Extract<KnownResource, { kind: 'key' }> & { policy: PolicyResult; exemption?: string });

/** The rule's one path to a verdict: the applicability gate, then the policy assessed once and the verdict made once. */
function verdictOf(subject: VerdictSubject, params: RuleParameters): Verdict {
  const gate = applicability(subject, params);
  if (!gate.applicable) return notApplicableVerdict(gate);
  if (subject.kind !== 'key') throw new Error('only a key can be applicable');
  return decideVerdict(assessPolicy(subject.policy, params), subject.exemption, params);
}

const analysed = (...findings: ReturnType<typeof finding>[]): PolicyResult => ({ kind: 'analysed', findings });
const key = (policy: PolicyResult, extra: Partial<Extract<VerdictSubject, { kind: 'key' }>> = {}): VerdictSubject => ({
  kind: 'key',
  keyManager: 'CUSTOMER',
  keyState: 'Enabled',
  policy,
  ...extra,
});
const withParams = (p: Partial<RuleParameters>): RuleParameters => ({ ...defaults, ...p });

describe('the verdict of a key', () => {
  it.each<[string, VerdictSubject, RuleParameters, string, string]>([
    ['no findings', key(analysed()), defaults, 'COMPLIANT', 'no-findings'],
    ['a finding at the default minimum (low)', key(analysed(negation)), defaults, 'NON_COMPLIANT', 'findings'],
    ['a finding below MinimumSeverity', key(analysed(negation)), withParams({ minimumSeverity: 'medium' }), 'COMPLIANT', 'no-findings'],
    ['a finding at MinimumSeverity', key(analysed(rootFullAccess)), withParams({ minimumSeverity: 'high' }), 'NON_COMPLIANT', 'findings'],
    // A disabled check is not run by the engine (test/rule/real-engine.test.ts): its findings never reach the verdict.
    ['INVALID_POLICY even above the minimum', key(analysed(invalid)), withParams({ minimumSeverity: 'critical' }), 'NON_COMPLIANT', 'findings'],
    ['a check that could not run, below MinimumSeverity', key(analysed(crashed)), withParams({ minimumSeverity: 'high' }), 'NON_COMPLIANT', 'findings'],
    ['deleted', { kind: 'deleted' }, defaults, 'NOT_APPLICABLE', 'deleted'],
    ['out of scope', { kind: 'out-of-scope' }, defaults, 'NOT_APPLICABLE', 'out-of-scope'],
    ['another resource type', { kind: 'other-resource-type', resourceType: 'AWS::S3::Bucket' }, defaults, 'NOT_APPLICABLE', 'other-resource-type'],
    ['gone from the account', { kind: 'gone' }, defaults, 'NOT_APPLICABLE', 'gone'],
    ['pending deletion', key(analysed(rootFullAccess), { keyState: 'PendingDeletion' }), defaults, 'NOT_APPLICABLE', 'pending-deletion'],
    ['replica pending deletion', key(analysed(rootFullAccess), { keyState: 'PendingReplicaDeletion' }), defaults, 'NOT_APPLICABLE', 'pending-deletion'],
    ['AWS-managed', key(analysed(rootFullAccess), { keyManager: 'AWS' }), defaults, 'NOT_APPLICABLE', 'aws-managed'],
    ['AWS-managed, included', key(analysed(rootFullAccess), { keyManager: 'AWS' }), withParams({ includeAwsManagedKeys: true }), 'NON_COMPLIANT', 'findings'],
    ['disabled key with findings', key(analysed(rootFullAccess), { keyState: 'Disabled' }), defaults, 'NON_COMPLIANT', 'findings'],
  ])('%s', (_name, subject, params, compliance, reason) => {
    expect(verdictOf(subject, params)).toMatchObject({ compliance, reason });
  });

  it('annotates findings most severe first', () => {
    const verdict = verdictOf(key(analysed(negation, rootFullAccess)), defaults);
    expect(verdict.annotation).toBe(
      'ACCOUNT_WIDE_FULL_ACCESS arn:aws:iam::111122223333:root (Sid "Enable IAM User Permissions"); ALLOW_WITH_NEGATION',
    );
    expect(verdict.checkIds).toEqual(['ACCOUNT_WIDE_FULL_ACCESS', 'ALLOW_WITH_NEGATION']);
  });

  describe('exemption', () => {
    const params = withParams({ exemptionTagKey: 'security:exemption' });
    it('makes a key with findings COMPLIANT and says why', () => {
      const verdict = verdictOf(key(analysed(rootFullAccess), { exemption: 'SEC-1234 legacy batch jobs' }), params);
      expect(verdict.compliance).toBe('COMPLIANT');
      expect(verdict.reason).toBe('exempt');
      expect(verdict.annotation).toMatch(/^exempt: SEC-1234 legacy batch jobs \(tag security:exemption; would fail ACCOUNT_WIDE_FULL_ACCESS\)$/);
    });
    it('needs a non-empty justification', () => {
      expect(verdictOf(key(analysed(rootFullAccess), { exemption: '  ' }), params).compliance).toBe('NON_COMPLIANT');
    });
    it('cuts a long justification without splitting a character outside the BMP', () => {
      const verdict = verdictOf(key(analysed(rootFullAccess), { exemption: `${'a'.repeat(246)}${'\u{2000B}'.repeat(3)}` }), params);
      const annotation = verdict.annotation ?? '';
      expect(annotation.length).toBeLessThanOrEqual(256);
      expect(annotation).toMatch(/a\u{2000B}*…$/u);
      expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(annotation)).toBe(false);
    });
    it('does not cover an unparsable policy', () => {
      expect(verdictOf(key(analysed(invalid), { exemption: 'approved' }), params).compliance).toBe('NON_COMPLIANT');
      expect(verdictOf(key(analysed(crashed), { exemption: 'approved' }), params).compliance).toBe('NON_COMPLIANT');
    });
    describe('and NonSuppressibleChecks (PUBLIC_ACCESS by default)', () => {
      const exempt = { exemption: 'SEC-1234 legacy batch jobs' };
      it('cannot cover a non-suppressible finding: NON_COMPLIANT, saying the tag could not cover it', () => {
        const verdict = verdictOf(key(analysed(rootFullAccess, publicDecrypt), exempt), params);
        expect(verdict).toMatchObject({ compliance: 'NON_COMPLIANT', reason: 'not-exemptible', checkIds: ['PUBLIC_ACCESS', 'ACCOUNT_WIDE_FULL_ACCESS'] });
        expect(verdict.annotation).toBe(
          'tag security:exemption cannot exempt PUBLIC_ACCESS (NonSuppressibleChecks); PUBLIC_ACCESS * (Sid "Anyone may decrypt"); ' +
            'ACCOUNT_WIDE_FULL_ACCESS arn:aws:iam::111122223333:root (Sid "Enable IAM User Permissions")',
        );
      });
      it('covers a key whose counted findings are all suppressible, as before', () => {
        expect(verdictOf(key(analysed(rootFullAccess, crossAccount), exempt), params)).toMatchObject({ compliance: 'COMPLIANT', reason: 'exempt' });
      });
      it('lets a non-suppressible finding below MinimumSeverity not stand in the way', () => {
        const lowPublic = finding({ checkId: 'PUBLIC_ACCESS', severity: 'low' });
        const verdict = verdictOf(key(analysed(rootFullAccess, lowPublic), exempt), withParams({ ...params, minimumSeverity: 'medium' }));
        expect(verdict).toMatchObject({ compliance: 'COMPLIANT', reason: 'exempt' });
      });
      it('follows the parameter: another check named non-suppressible', () => {
        const verdict = verdictOf(key(analysed(rootFullAccess, crossAccount), exempt), withParams({ ...params, nonSuppressibleChecks: ['UNTRUSTED_CROSS_ACCOUNT'] }));
        expect(verdict).toMatchObject({ compliance: 'NON_COMPLIANT', reason: 'not-exemptible' });
        expect(verdict.annotation).toMatch(/^tag security:exemption cannot exempt UNTRUSTED_CROSS_ACCOUNT \(NonSuppressibleChecks\); UNTRUSTED_CROSS_ACCOUNT/);
      });
      it('with NONE, lets the tag cover PUBLIC_ACCESS too (the behaviour before the parameter)', () => {
        const verdict = verdictOf(key(analysed(publicDecrypt), exempt), withParams({ ...params, nonSuppressibleChecks: [] }));
        expect(verdict).toMatchObject({ compliance: 'COMPLIANT', reason: 'exempt' });
        expect(verdict.annotation).toContain('would fail PUBLIC_ACCESS');
      });
      it('without the tag on the key, reports the findings as usual', () => {
        const verdict = verdictOf(key(analysed(publicDecrypt)), params);
        expect(verdict).toMatchObject({ compliance: 'NON_COMPLIANT', reason: 'findings', annotation: 'PUBLIC_ACCESS * (Sid "Anyone may decrypt")' });
      });
      it('keeps the annotation within 256 characters with a 128-character tag key and many findings, naming the refusal first', () => {
        const tagKey = 't'.repeat(128);
        const many = Array.from({ length: 12 }, (_, i) => finding({ checkId: 'PUBLIC_ACCESS', severity: 'critical', principals: ['*'], sids: [`Statement${i}`] }));
        const verdict = verdictOf(key(analysed(...many, crossAccount), exempt), withParams({ exemptionTagKey: tagKey, nonSuppressibleChecks: ['PUBLIC_ACCESS', 'UNTRUSTED_CROSS_ACCOUNT'] }));
        const annotation = verdict.annotation ?? '';
        expect(annotation.length).toBeLessThanOrEqual(256);
        expect(annotation.startsWith(`tag ${tagKey} cannot exempt PUBLIC_ACCESS, UNTRUSTED_CROSS_ACCOUNT (NonSuppressibleChecks)`)).toBe(true);
        expect(annotation).toMatch(/…\[\+\d+ more\]$/);
      });
    });
    it('does not cover an unreadable policy', () => {
      const unreadable: PolicyResult = {
        kind: 'unreadable',
        failure: { kind: 'access-denied', operation: 'kms:GetKeyPolicy', errorName: 'AccessDeniedException', principal: 'arn:aws:iam::111122223333:role/rule' },
      };
      expect(verdictOf(key(unreadable, { exemption: 'approved' }), params).compliance).toBe('NON_COMPLIANT');
    });
  });

  describe('errors are never COMPLIANT', () => {
    const unreadable = (kind: ReadFailure['kind'], errorName: string): VerdictSubject =>
      key({ kind: 'unreadable', failure: { kind, operation: 'kms:GetKeyPolicy', errorName, principal: 'arn:aws:iam::111122223333:role/kms-policy-guard' } });

    it.each([
      ['access-denied', 'AccessDeniedException'],
      ['not-found', 'NotFoundException'],
      ['throttled', 'ThrottlingException'],
    ] as const)('unreadable (%s) is NON_COMPLIANT naming permission and principal', (kind, errorName) => {
      const verdict = verdictOf(unreadable(kind, errorName), defaults);
      expect(verdict.compliance).toBe('NON_COMPLIANT');
      expect(verdict.annotation).toContain(`kms:GetKeyPolicy failed with ${errorName}`);
      expect(verdict.annotation).toContain('arn:aws:iam::111122223333:role/kms-policy-guard');
      expect(verdict.annotation?.length).toBeLessThanOrEqual(256);
    });

    it.each([
      ['error', 'KMSInternalException'],
      ['invalid-state', 'KMSInvalidStateException'],
    ] as const)('unreadable (%s) is NON_COMPLIANT, names the error and does not claim a missing permission', (kind, errorName) => {
      const verdict = verdictOf(unreadable(kind, errorName), defaults);
      expect(verdict.compliance).toBe('NON_COMPLIANT');
      expect(verdict.annotation).toContain(`kms:GetKeyPolicy failed with ${errorName}.`);
      expect(verdict.annotation).toContain('not a missing permission');
      expect(verdict.annotation).toMatch(/retried on the next evaluation/i);
      expect(verdict.annotation).not.toMatch(/Grant|needs|arn:aws:iam/);
      expect(verdict.annotation?.length).toBeLessThanOrEqual(256);
    });
    it('unreadable with unknown key manager is NON_COMPLIANT', () => {
      const verdict = verdictOf(
        { kind: 'key', policy: { kind: 'unreadable', failure: { kind: 'access-denied', operation: 'kms:DescribeKey', errorName: 'AccessDeniedException', principal: 'p' } } },
        defaults,
      );
      expect(verdict.compliance).toBe('NON_COMPLIANT');
    });
    it('an analysis failure is NON_COMPLIANT', () => {
      expect(verdictOf(key({ kind: 'analysis-failed', errorName: 'TypeError' }), defaults)).toMatchObject({
        compliance: 'NON_COMPLIANT',
        reason: 'analysis-failed',
        annotation: "The key policy could not be analysed: TypeError; see the rule's logs.",
      });
    });
  });
});

describe('countedFindings', () => {
  it('keeps INVALID_POLICY whatever the parameters', () => {
    expect(countedFindings([invalid, negation], { minimumSeverity: 'critical' }).map((f) => f.checkId)).toEqual(['INVALID_POLICY']);
  });
});
