import { InvalidParameterError } from '../../settings/errors';
import { DEFAULT_MAX_REQUESTS_PER_SECOND, RULE_PARAMETER_SPEC } from '../../settings/parameter-spec';
import { DEFAULT_NON_SUPPRESSIBLE_CHECKS } from '../../suppress';
import { parseRuleParameters } from '../../rule/parameters';

describe('parseRuleParameters', () => {
  it('gives the defaults for no parameters', () => {
    expect(parseRuleParameters({})).toEqual({
      trustedAccountIds: [],
      trustedOrgIds: [],
      minimumSeverity: 'low',
      disabledChecks: [],
      includeAwsManagedKeys: false,
      evaluateGrants: true,
      maxRequestsPerSecond: DEFAULT_MAX_REQUESTS_PER_SECOND,
      nonSuppressibleChecks: ['PUBLIC_ACCESS'],
      evaluateEffectiveAccess: true,
    });
  });

  it('parses every parameter as Config passes them (strings, lists comma-separated)', () => {
    const params = parseRuleParameters({
      TrustedAccountIds: '444455556666, 777788889999',
      TrustedOrgIds: 'o-a1b2c3d4e5',
      MinimumSeverity: 'HIGH',
      DisabledChecks: 'allow_with_negation,UNSCOPED_SERVICE_PRINCIPAL',
      IncludeAwsManagedKeys: 'True',
      EvaluateGrants: 'FALSE',
      ExemptionTagKey: 'security:exemption',
      MaxRequestsPerSecond: '12.5',
      ExecutionRoleName: 'audit/KmsPolicyGuardAudit',
      NonSuppressibleChecks: 'public_access, UNTRUSTED_CROSS_ACCOUNT',
      EvaluateEffectiveAccess: 'FALSE',
    });
    expect(params).toEqual({
      trustedAccountIds: ['444455556666', '777788889999'],
      trustedOrgIds: ['o-a1b2c3d4e5'],
      minimumSeverity: 'high',
      disabledChecks: ['ALLOW_WITH_NEGATION', 'UNSCOPED_SERVICE_PRINCIPAL'],
      includeAwsManagedKeys: true,
      evaluateGrants: false,
      exemptionTagKey: 'security:exemption',
      maxRequestsPerSecond: 12.5,
      executionRoleName: 'audit/KmsPolicyGuardAudit',
      nonSuppressibleChecks: ['PUBLIC_ACCESS', 'UNTRUSTED_CROSS_ACCOUNT'],
      evaluateEffectiveAccess: false,
    });
  });

  it('treats empty values as absent', () => {
    expect(parseRuleParameters({ TrustedAccountIds: '', ExemptionTagKey: '' }).exemptionTagKey).toBeUndefined();
  });

  it.each([
    ['TrustedAccountIds', '12345', /TrustedAccountIds.*"12345" is not a 12-digit account id/],
    ['TrustedOrgIds', 'org-1', /TrustedOrgIds/],
    ['MinimumSeverity', 'severe', /MinimumSeverity: must be one of critical, high, medium, low, info/],
    ['DisabledChecks', 'NO_SUCH_CHECK', /DisabledChecks: unknown check "NO_SUCH_CHECK"/],
    ['DisabledChecks', 'INVALID_POLICY', /INVALID_POLICY cannot be disabled/],
    ['IncludeAwsManagedKeys', 'yes', /IncludeAwsManagedKeys: must be true or false/],
    ['EvaluateGrants', 'no', /EvaluateGrants: must be true or false/],
    ['MaxRequestsPerSecond', '0', /MaxRequestsPerSecond/],
    ['MaxRequestsPerSecond', 'fast', /MaxRequestsPerSecond/],
    ['ExecutionRoleName', 'role name with spaces', /ExecutionRoleName/],
    ['ExemptionTagKey', 'x'.repeat(129), /ExemptionTagKey/],
    ['MinimumSeverty', 'high', /MinimumSeverty: is not a parameter of this rule/],
    ['NonSuppressibleChecks', 'PUBLIC_ACESS', /NonSuppressibleChecks: unknown check "PUBLIC_ACESS"/],
    ['NonSuppressibleChecks', 'INVALID_POLICY', /NonSuppressibleChecks: INVALID_POLICY is never suppressible.*leave it out/],
    ['NonSuppressibleChecks', 'NONE,PUBLIC_ACCESS', /NonSuppressibleChecks: NONE stands alone/],
    ['NonSuppressibleChecks', 'publıc_access', /NonSuppressibleChecks: unknown check "publıc_access"/],
  ])('rejects %s=%s naming the parameter', (name, value, message) => {
    const parse = () => parseRuleParameters({ [name]: value });
    expect(parse).toThrow(InvalidParameterError);
    expect(parse).toThrow(message);
  });

  it.each(['0.01', '0.5', '0.999', '1000.5', '1001', '-5', 'Infinity', ' '])(
    'rejects MaxRequestsPerSecond=%s, naming the parameter and the range',
    (value) => {
      const parse = () => parseRuleParameters({ MaxRequestsPerSecond: value });
      expect(parse).toThrow(InvalidParameterError);
      expect(parse).toThrow(/MaxRequestsPerSecond: must be a number of requests per second from 1 to 1000/);
    },
  );

  it.each([
    ['1', 1],
    ['1.5', 1.5],
    ['1000', 1000],
    [' 250 ', 250],
  ])('accepts MaxRequestsPerSecond=%s', (value, rate) => {
    expect(parseRuleParameters({ MaxRequestsPerSecond: value }).maxRequestsPerSecond).toBe(rate);
  });

  it.each([
    ['arn:aws:iam::123456789012:role/audit/KmsPolicyGuardAudit', 'e.g. "audit/KmsPolicyGuardAudit"'],
    ['arn:aws-us-gov:iam::123456789012:role/Audit', 'e.g. "Audit"'],
    ['arn:aws:sts::123456789012:assumed-role/Audit/session', 'e.g. "audit/KmsPolicyGuardAudit"'],
  ])('rejects the ARN %s in ExecutionRoleName, asking for the role name', (value, example) => {
    const parse = () => parseRuleParameters({ ExecutionRoleName: value });
    expect(parse).toThrow(InvalidParameterError);
    expect(parse).toThrow('give the role name (and path), not the ARN');
    expect(parse).toThrow(example);
  });

  it('takes ExecutionRoleName names up to 64 characters and paths up to 512', () => {
    expect(parseRuleParameters({ ExecutionRoleName: 'n'.repeat(64) }).executionRoleName).toBe('n'.repeat(64));
    // IAM counts the path with its leading and trailing "/": "/" + 510 characters + "/" = 512.
    const path512 = `${'p'.repeat(510)}/Audit`;
    expect(parseRuleParameters({ ExecutionRoleName: path512 }).executionRoleName).toBe(path512);
    expect(parseRuleParameters({ ExecutionRoleName: `/${path512}` }).executionRoleName).toBe(path512);
  });

  it.each([
    ['a name over 64 characters', 'n'.repeat(65), /ExecutionRoleName: role name "n+…" is 65 characters long; IAM allows at most 64/],
    ['a path over 512 characters', `${'p'.repeat(511)}/Audit`, /ExecutionRoleName: the role path is 513 characters long; IAM allows at most 512/],
    ['a very long path', `${'x'.repeat(600)}/Audit`, /the role path is 602 characters long/],
  ])('rejects ExecutionRoleName with %s', (_name, value, message) => {
    expect(() => parseRuleParameters({ ExecutionRoleName: value })).toThrow(message);
  });

  it.each(['publıc_access', 'public_acceſs', 'PUBLİC_ACCESS'])(
    'rejects DisabledChecks=%s: only ASCII is upper-cased, so a look-alike letter cannot disable a check',
    (value) => {
      const parse = () => parseRuleParameters({ DisabledChecks: value });
      expect(parse).toThrow(InvalidParameterError);
      expect(parse).toThrow(`DisabledChecks: unknown check "${value}" (check IDs are ASCII letters, digits and _;`);
    },
  );

  it('upper-cases ASCII check ids', () => {
    expect(parseRuleParameters({ DisabledChecks: 'public_access, Allow_With_Negation' }).disabledChecks).toEqual(['PUBLIC_ACCESS', 'ALLOW_WITH_NEGATION']);
  });

  it('rejects values of the wrong JSON type', () => {
    expect(() => parseRuleParameters({ MinimumSeverity: { level: 'high' } })).toThrow(/MinimumSeverity: must be a string/);
  });

  describe('NonSuppressibleChecks', () => {
    it('defaults to the checks inline suppressions refuse by default (the two constants agree)', () => {
      expect(RULE_PARAMETER_SPEC.nonSuppressibleChecks.default).toEqual([...DEFAULT_NON_SUPPRESSIBLE_CHECKS]);
    });

    it('treats an empty value as unset: the default applies', () => {
      expect(parseRuleParameters({ NonSuppressibleChecks: '' }).nonSuppressibleChecks).toEqual(['PUBLIC_ACCESS']);
    });

    it.each(['NONE', 'none', ' None '])('reads %s as "no check is non-suppressible"', (value) => {
      expect(parseRuleParameters({ NonSuppressibleChecks: value }).nonSuppressibleChecks).toEqual([]);
    });

    it('writes no check as NONE, so that the value Config stores is not taken for unset', () => {
      const spec = RULE_PARAMETER_SPEC.nonSuppressibleChecks;
      expect(spec.format([])).toBe('NONE');
      expect(spec.format(['PUBLIC_ACCESS', 'UNTRUSTED_CROSS_ACCOUNT'])).toBe('PUBLIC_ACCESS,UNTRUSTED_CROSS_ACCOUNT');
      expect(parseRuleParameters({ NonSuppressibleChecks: spec.format([]) }).nonSuppressibleChecks).toEqual([]);
    });

    it('gives a fresh default list to every parse', () => {
      parseRuleParameters({}).nonSuppressibleChecks.push('ALLOW_WITH_NEGATION');
      expect(parseRuleParameters({}).nonSuppressibleChecks).toEqual(['PUBLIC_ACCESS']);
    });
  });
});
