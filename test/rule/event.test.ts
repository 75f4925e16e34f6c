import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidEventError, UnknownMessageTypeError } from '../../rule/errors';
import { parseRuleEvent } from '../../rule/event';
import { fixtureEvent } from './support';

describe('parseRuleEvent', () => {
  it('parses a change notification with its configuration item', () => {
    const event = parseRuleEvent(fixtureEvent('change-root-full-access.json'));
    expect(event).toMatchObject({
      accountId: '111122223333',
      configRuleName: 'kms-key-policy-guard',
      partition: 'aws',
      region: 'us-east-2',
      testMode: false,
      eventLeftScope: false,
      ruleParameters: {},
    });
    if (event.invokingEvent.messageType !== 'ConfigurationItemChangeNotification') throw new Error('wrong type');
    expect(event.invokingEvent.configurationItem).toMatchObject({
      resourceType: 'AWS::KMS::Key',
      resourceId: '1234abcd-12ab-34cd-56ef-1234567890ab',
      configurationItemStatus: 'OK',
      configurationItemCaptureTime: '2026-11-20T14:05:31.871Z',
    });
  });

  it('parses an oversized notification summary', () => {
    const event = parseRuleEvent(fixtureEvent('oversized.json'));
    expect(event.invokingEvent).toEqual({
      messageType: 'OversizedConfigurationItemChangeNotification',
      configurationItemSummary: {
        resourceType: 'AWS::KMS::Key',
        resourceId: '1234abcd-12ab-34cd-56ef-1234567890ab',
        configurationItemCaptureTime: '2026-11-20T14:10:02.377Z',
        configurationItemStatus: 'OK',
      },
    });
  });

  it('parses a scheduled notification and recognises TESTMODE', () => {
    const event = parseRuleEvent(fixtureEvent('scheduled-testmode.json'));
    expect(event.invokingEvent).toEqual({ messageType: 'ScheduledNotification', notificationCreationTime: '2026-11-21T03:00:12.443Z' });
    expect(event.testMode).toBe(true);
  });

  it('accepts empty or absent ruleParameters', () => {
    expect(parseRuleEvent(fixtureEvent('empty-rule-parameters.json')).ruleParameters).toEqual({});
    const event = fixtureEvent('scheduled.json');
    delete event.ruleParameters;
    expect(parseRuleEvent(event).ruleParameters).toEqual({});
  });

  it('takes the partition and Region from the rule ARN', () => {
    const event = parseRuleEvent(
      fixtureEvent('scheduled.json', { configRuleArn: 'arn:aws-cn:config:cn-north-1:111122223333:config-rule/config-rule-x' }),
    );
    expect(event).toMatchObject({ partition: 'aws-cn', region: 'cn-north-1' });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['invokingEvent that is not JSON', fixtureEvent('malformed-event.json'), /invokingEvent is not valid JSON/],
    ['missing invokingEvent', { ...fixtureEvent('scheduled.json'), invokingEvent: undefined }, /invokingEvent is missing/],
    ['invokingEvent as an object', fixtureEvent('scheduled.json', { invokingEvent: {} }), /invokingEvent must be a JSON string/],
    ['ruleParameters that is not JSON', fixtureEvent('scheduled.json', { ruleParameters: '{' }), /ruleParameters is not valid JSON/],
    ['ruleParameters that is an array', fixtureEvent('scheduled.json', { ruleParameters: '[]' }), /ruleParameters must encode a JSON object/],
    ['missing resultToken', fixtureEvent('scheduled.json', { resultToken: undefined }), /resultToken is missing/],
    ['bad accountId', fixtureEvent('scheduled.json', { accountId: '1234' }), /accountId must be a 12-digit/],
    ['non-boolean eventLeftScope', fixtureEvent('scheduled.json', { eventLeftScope: 'false' }), /eventLeftScope must be a boolean/],
    ['missing configRuleName', fixtureEvent('scheduled.json', { configRuleName: '' }), /configRuleName/],
    [
      'item without resourceId',
      fixtureEvent('scheduled.json', {
        invokingEvent: JSON.stringify({
          messageType: 'ConfigurationItemChangeNotification',
          configurationItem: { resourceType: 'AWS::KMS::Key', configurationItemCaptureTime: '2026-11-20T14:05:31.871Z', configurationItemStatus: 'OK' },
        }),
      }),
      /invokingEvent\.configurationItem\.resourceId is missing/,
    ],
    [
      'item with an unknown status',
      fixtureEvent('scheduled.json', {
        invokingEvent: JSON.stringify({
          messageType: 'ConfigurationItemChangeNotification',
          configurationItem: { resourceType: 'AWS::KMS::Key', resourceId: 'k', configurationItemCaptureTime: '2026-11-20T14:05:31.871Z', configurationItemStatus: 'Gone' },
        }),
      }),
      /configurationItemStatus must be one of/,
    ],
    [
      'scheduled notification without time',
      fixtureEvent('scheduled.json', { invokingEvent: JSON.stringify({ messageType: 'ScheduledNotification' }) }),
      /invokingEvent\.notificationCreationTime is missing/,
    ],
  ])('rejects %s with an error naming the field', (_name, event, message) => {
    expect(() => parseRuleEvent(event)).toThrow(InvalidEventError);
    expect(() => parseRuleEvent(event)).toThrow(message);
  });

  it('rejects an unknown message type clearly', () => {
    expect(() => parseRuleEvent(fixtureEvent('unknown-message-type.json'))).toThrow(UnknownMessageTypeError);
    expect(() => parseRuleEvent(fixtureEvent('unknown-message-type.json'))).toThrow(/ConfigurationSnapshotDeliveryCompleted/);
  });

  it('rejects something that is not an event', () => {
    expect(() => parseRuleEvent('hello')).toThrow(/event must be an object/);
  });

  const valid = readdirSync(join(__dirname, '..', 'fixtures', 'config-events')).filter(
    (f) => !f.startsWith('api-') && !['malformed-event.json', 'unknown-message-type.json'].includes(f),
  );
  it.each(valid)('parses fixture %s', (name) => {
    expect(() => parseRuleEvent(fixtureEvent(name))).not.toThrow();
  });
});
