/**
 * Scheduled-sweep benchmark: 10,000 keys behind a KMS that answers every call after 20 ms.
 *
 *   npm run bench:sweep [-- --keys 10000 --latency 20 --baseline-keys 1000 --rate 1000]
 *
 * Phases, all in one process:
 *  1. the rule's sweep (KMS path, concurrency 8), MaxRequestsPerSecond high enough that latency, not the cap,
 *     bounds it;
 *  2. the same sweep run sequentially (concurrency 1) over --baseline-keys keys, scaled to --keys when smaller
 *     (a sequential 10,000-key run takes ~7 minutes; pass --baseline-keys 10000 to measure it in full);
 *  3. the sweep from Config's records (ListDiscoveredResources + BatchGetResourceConfig, same latency);
 *  4. a short sweep at the default cap (50/s) to show the cap holds.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_RULE_NAME } from '../infra/names';
import { createHandler } from '../rule/handler';
import { systemClock } from '../runtime/clock';
import type { RuleLogger, RuleMetrics } from '../rule/operations';
import { ACCOUNT, createFakeAws, mib, MemorySampler, REGION } from './support/fake-aws';

const { values } = parseArgs({
  options: {
    keys: { type: 'string', default: '10000' },
    latency: { type: 'string', default: '20' },
    'baseline-keys': { type: 'string', default: '1000' },
    rate: { type: 'string', default: '1000' },
    'cap-keys': { type: 'string', default: '200' },
  },
});
const KEYS = Number(values.keys);
const LATENCY = Number(values.latency);
const BASELINE_KEYS = Math.min(KEYS, Number(values['baseline-keys']));
const RATE = Number(values.rate);
const CAP_KEYS = Number(values['cap-keys']);

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as RuleLogger;
const noMetrics = { addMetric() {}, publishStoredMetrics() {} } as unknown as RuleMetrics;

function scheduledEvent(params: Record<string, string>): Record<string, unknown> {
  return {
    invokingEvent: JSON.stringify({
      awsAccountId: ACCOUNT,
      notificationCreationTime: '2026-11-21T03:00:12.443Z',
      messageType: 'ScheduledNotification',
      recordVersion: '1.0',
    }),
    ruleParameters: JSON.stringify(params),
    resultToken: 'TESTMODE',
    eventLeftScope: false,
    configRuleArn: `arn:aws:config:${REGION}:${ACCOUNT}:config-rule/config-rule-bench`,
    configRuleName: DEFAULT_RULE_NAME,
    accountId: ACCOUNT,
    version: '1.0',
  };
}

interface Run {
  keys: number;
  wallMs: number;
  kmsCalls: number;
  configCalls: number;
  evaluations: number;
  peakRss: number;
  peakHeapUsed: number;
}

async function sweepOnce(keys: number, concurrency: number, configRecordsKeys: boolean, params: Record<string, string>): Promise<Run> {
  const aws = createFakeAws({ keys, latencyMs: LATENCY, configRecordsKeys });
  const handler = createHandler({
    clients: async () => aws.clients,
    clock: systemClock,
    logger: silentLogger,
    metrics: noMetrics,
    sweepConcurrency: concurrency,
  });
  global.gc?.();
  const memory = new MemorySampler();
  memory.start();
  const started = performance.now();
  const sent = await handler(scheduledEvent(params), { getRemainingTimeInMillis: () => 15 * 60 * 1000 });
  const wallMs = performance.now() - started;
  memory.stop();
  if (sent.length !== keys) throw new Error(`expected ${keys} evaluations, got ${sent.length}`);
  return {
    keys,
    wallMs,
    kmsCalls: aws.kmsCalls(),
    configCalls: aws.configCalls(),
    evaluations: aws.evaluationsReceived(),
    peakRss: memory.peakRss,
    peakHeapUsed: memory.peakHeapUsed,
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  console.log(`sweep benchmark: ${KEYS} keys, ${LATENCY} ms per call, Node ${process.version}`);

  const concurrent = await sweepOnce(KEYS, 8, false, { MaxRequestsPerSecond: String(RATE) });
  console.log(
    `KMS path, concurrency 8, cap ${RATE}/s: ${seconds(concurrent.wallMs)}, ` +
      `${(concurrent.kmsCalls / KEYS).toFixed(3)} KMS calls/key (${concurrent.kmsCalls} calls), ` +
      `${Math.round(concurrent.kmsCalls / (concurrent.wallMs / 1000))} calls/s, ` +
      `peak RSS ${mib(concurrent.peakRss)}, peak heapUsed ${mib(concurrent.peakHeapUsed)}`,
  );

  const sequential = await sweepOnce(BASELINE_KEYS, 1, false, { MaxRequestsPerSecond: String(RATE) });
  const scaledSequentialMs = (sequential.wallMs / BASELINE_KEYS) * KEYS;
  console.log(
    `KMS path, sequential: ${seconds(sequential.wallMs)} for ${BASELINE_KEYS} keys` +
      (BASELINE_KEYS < KEYS ? ` ⇒ ${seconds(scaledSequentialMs)} scaled to ${KEYS} keys` : '') +
      `, ${(sequential.kmsCalls / BASELINE_KEYS).toFixed(3)} KMS calls/key`,
  );
  console.log(`speed-up of the rule's sweep over sequential: ${(scaledSequentialMs / concurrent.wallMs).toFixed(1)}x`);

  const recorded = await sweepOnce(KEYS, 8, true, {});
  console.log(
    `Config records path: ${seconds(recorded.wallMs)}, ${(recorded.kmsCalls / KEYS).toFixed(3)} KMS calls/key, ` +
      `${recorded.configCalls} Config calls (${recorded.evaluations} evaluations delivered), peak RSS ${mib(recorded.peakRss)}, ` +
      `peak heapUsed ${mib(recorded.peakHeapUsed)}`,
  );

  const capped = await sweepOnce(CAP_KEYS, 8, false, {});
  const observedRate = capped.kmsCalls / (capped.wallMs / 1000);
  console.log(
    `default cap (50/s), ${CAP_KEYS} keys: ${seconds(capped.wallMs)}, ${observedRate.toFixed(1)} KMS calls/s observed ` +
      `⇒ a ${KEYS}-key KMS-path sweep at the default cap needs about ${seconds((concurrent.kmsCalls / 50) * 1000)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
