// Runs the real controller in-process against the local environment, with its JSON log lines
// captured so tests can assert on what it said.
import { Writable } from 'node:stream';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { Counter, Histogram } from 'prom-client';
import { loadConfig, type Config } from '../../../lib/config/index.ts';
import { buildController, startControllerServers, type BuiltController } from '../../../lib/controller/build.ts';
import { createLogger } from '../../../lib/observe/logger.ts';
import type { RunningServers } from '../../../lib/observe/servers.ts';
import type { SharedEnvironment } from '../../env/environment.ts';
import type { AwsClients } from '../../env/helpers/aws.ts';
import type { TestQueue } from '../../env/helpers/queue.ts';
import { TEST_CREDENTIALS } from '../../env/moto.ts';

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface RunningController extends BuiltController {
  config: Config;
  logs: LogLine[];
  /** The metrics and probe servers, on loopback; a test asks for them with ENABLE_*_SERVER=true. */
  servers: RunningServers;
  stop(): Promise<void>;
}

/** Settings a test gets unless it overrides them: fast heartbeats, no HTTP servers. */
const TEST_DEFAULTS: Record<string, string> = {
  ENABLE_PROMETHEUS_SERVER: 'false',
  ENABLE_PROBES_SERVER: 'false',
  LOG_LEVEL: 'debug',
  JSON_LOGGING: 'true',
  NTH_VISIBILITY_TIMEOUT: '20',
};

export async function startController(env: SharedEnvironment, queue: TestQueue, overrides: Record<string, string> = {}): Promise<RunningController> {
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  const config = loadConfig({
    argv: [],
    env: {
      ...TEST_DEFAULTS,
      QUEUE_URL: queue.queueUrl,
      AWS_REGION: env.region,
      AWS_ENDPOINT: env.awsEndpoint,
      NTH_KUBECONFIG: env.kubeconfig,
      ...overrides,
    },
  });
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const logger = createLogger({ logLevel: config.logLevel, jsonLogging: true }, sink);
  const built = await buildController(config, logger);
  const servers = await startControllerServers(built, config, logger, '127.0.0.1');
  await built.controller.start();
  let stopped: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    await built.controller.stop();
    await servers.close();
  };
  return { ...built, config, logs, servers, stop: () => (stopped ??= stop()) };
}

/** The value of a counter (or histogram count) for the given labels; 0 when never set. */
export async function metricValue(metric: Counter | Histogram, labels: Record<string, string> = {}): Promise<number> {
  const data = await metric.get();
  let total = 0;
  for (const v of data.values) {
    const name = (v as { metricName?: string }).metricName;
    if (name !== undefined && name.endsWith('_bucket')) continue;
    if (name !== undefined && name.endsWith('_sum')) continue;
    if (Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want)) total += v.value;
  }
  return total;
}

/** Messages on the queue, visible and in flight. */
export async function queueDepth(aws: AwsClients, queueUrl: string): Promise<number> {
  const out = await aws.sqs.send(new GetQueueAttributesCommand({
    QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
  }));
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}
