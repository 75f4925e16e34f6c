import type { BaseConfigurationItem, ConfigurationItem } from '@aws-sdk/client-config-service';
import { apiItemToNotificationItem, keyFactsFromItem, policyFromSupplementary } from '../../rule/configuration-item';
import { parseRuleEvent } from '../../rule/event';
import { fixtureEvent, fixtureJson } from './support';

/** The SDK turns timestamps into Dates; fixtures hold them as the wire's ISO strings. */
function withDates<T extends { configurationItemCaptureTime?: unknown; resourceCreationTime?: unknown }>(item: T): T {
  return {
    ...item,
    configurationItemCaptureTime: new Date(String(item.configurationItemCaptureTime)),
    resourceCreationTime: new Date(String(item.resourceCreationTime)),
  };
}

describe('configuration items', () => {
  it('converts a GetResourceConfigHistory item to notification shape', () => {
    const history = fixtureJson<{ configurationItems: ConfigurationItem[] }>('api-get-resource-config-history.json');
    const item = apiItemToNotificationItem(withDates(history.configurationItems[0] as ConfigurationItem), 'configurationItems[0]');
    expect(item).toMatchObject({
      resourceType: 'AWS::KMS::Key',
      resourceId: '1234abcd-12ab-34cd-56ef-1234567890ab',
      configurationItemCaptureTime: '2026-11-20T14:10:02.377Z',
      configurationItemStatus: 'OK',
      tags: { team: 'orders' },
      configuration: { keyManager: 'CUSTOMER', keyState: 'Enabled' },
      supplementaryConfiguration: { KeyRotationStatus: 'true' },
    });
    const facts = keyFactsFromItem(item);
    expect(facts.keyManager).toBe('CUSTOMER');
    expect(typeof facts.policy).toBe('string');
    expect(JSON.parse(facts.policy as string)).toMatchObject({ Id: 'key-default-1' });
  });

  it('converts a BatchGetResourceConfig item, which has no tags', () => {
    const batch = fixtureJson<{ baseConfigurationItems: BaseConfigurationItem[] }>('api-batch-get-resource-config.json');
    const item = apiItemToNotificationItem(withDates(batch.baseConfigurationItems[0] as BaseConfigurationItem), 'baseConfigurationItem');
    expect(item.tags).toBeUndefined();
    expect(keyFactsFromItem(item)).toMatchObject({ keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', keyState: 'Enabled' });
  });

  it('keeps a configuration that is not JSON as null (facts then come from KMS)', () => {
    const item = apiItemToNotificationItem(
      { resourceType: 'AWS::KMS::Key', resourceId: 'k1', configurationItemStatus: 'OK', configurationItemCaptureTime: new Date(0), configuration: '{oops' },
      'item',
    );
    expect(item.configuration).toBeNull();
    expect(keyFactsFromItem(item)).toEqual({ keyId: 'k1' });
  });

  it('reads the policy from a change notification', () => {
    const event = parseRuleEvent(fixtureEvent('change-root-full-access.json'));
    if (event.invokingEvent.messageType !== 'ConfigurationItemChangeNotification') throw new Error('wrong type');
    const facts = keyFactsFromItem(event.invokingEvent.configurationItem);
    expect(facts).toMatchObject({
      keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
      arn: 'arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      keyManager: 'CUSTOMER',
      keyState: 'Enabled',
      tags: {},
    });
    expect(JSON.parse(facts.policy as string).Statement[0].Sid).toBe('Enable IAM User Permissions');
  });

  it.each<[string, unknown, unknown]>([
    ['policy text', '{"Version":"2012-10-17"}', '{"Version":"2012-10-17"}'],
    ['policy text encoded once more', JSON.stringify('{"Version":"2012-10-17"}'), '{"Version":"2012-10-17"}'],
    ['a parsed document', { Version: '2012-10-17' }, { Version: '2012-10-17' }],
    ['text that is not JSON, kept for the engine to reject', '{"Version":', '{"Version":'],
    ['nothing', undefined, undefined],
  ])('policyFromSupplementary: %s', (_name, value, expected) => {
    expect(policyFromSupplementary(value === undefined ? {} : { Policy: value })).toEqual(expected);
  });
});
