import { InvalidParameterError } from '../../rule/config/errors';
import { parseRuleParameters, DEFAULT_MAX_REQUESTS_PER_SECOND } from '../../rule/config/parameters';

describe('parseRuleParameters', () => {
  it('gives the defaults for no parameters', () => {
    expect(parseRuleParameters({})).toEqual({
      trustedAccountIds: [],
      trustedOrgIds: [],
      minimumSeverity: 'low',
      disabledChecks: [],
      includeAwsManagedKeys: false,
      maxRequestsPerSecond: DEFAULT_MAX_REQUESTS_PER_SECOND,
    });
  });

  it('parses every parameter as Config passes them (strings, lists comma-separated)', () => {
    const params = parseRuleParameters({
      TrustedAccountIds: '444455556666, 777788889999',
      TrustedOrgIds: 'o-a1b2c3d4e5',
      MinimumSeverity: 'HIGH',
      DisabledChecks: 'allow_with_negation,UNSCOPED_SERVICE_PRINCIPAL',
      IncludeAwsManagedKeys: 'True',
      ExemptionTagKey: 'security:exemption',
      MaxRequestsPerSecond: '12.5',
      ExecutionRoleName: 'audit/KmsPolicyGuardAudit',
    });
    expect(params).toEqual({
      trustedAccountIds: ['444455556666', '777788889999'],
      trustedOrgIds: ['o-a1b2c3d4e5'],
      minimumSeverity: 'high',
      disabledChecks: ['ALLOW_WITH_NEGATION', 'UNSCOPED_SERVICE_PRINCIPAL'],
      includeAwsManagedKeys: true,
      exemptionTagKey: 'security:exemption',
      maxRequestsPerSecond: 12.5,
      executionRoleName: 'audit/KmsPolicyGuardAudit',
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
    ['MaxRequestsPerSecond', '0', /MaxRequestsPerSecond/],
    ['MaxRequestsPerSecond', 'fast', /MaxRequestsPerSecond/],
    ['ExecutionRoleName', 'role name with spaces', /ExecutionRoleName/],
    ['ExemptionTagKey', 'x'.repeat(129), /ExemptionTagKey/],
    ['MinimumSeverty', 'high', /MinimumSeverty: is not a parameter of this rule/],
  ])('rejects %s=%s naming the parameter', (name, value, message) => {
    const parse = () => parseRuleParameters({ [name]: value });
    expect(parse).toThrow(InvalidParameterError);
    expect(parse).toThrow(message);
  });

  it('rejects values of the wrong JSON type', () => {
    expect(() => parseRuleParameters({ MinimumSeverity: { level: 'high' } })).toThrow(/MinimumSeverity: must be a string/);
  });
});
