// The real controller in-process, as test/e2e/pipeline/harness.ts runs it, with two differences
// these tests need: start() is not awaited (without `nodes: list` it never finishes, and that is
// the point), and every AWS call the SDK clients send is recorded.
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../../lib/config/index.ts';
import type { AwsService } from '../../../lib/aws/clients.ts';
import { buildController, type BuiltController } from '../../../lib/controller/build.ts';
import { createLogger } from '../../../lib/observe/logger.ts';
import type { SharedEnvironment } from '../../env/environment.ts';
import type { TestQueue } from '../../env/helpers/queue.ts';
import { TEST_CREDENTIALS } from '../../env/moto.ts';
import type { LogLine } from '../pipeline/harness.ts';

export interface AwsCall {
  service: AwsService;
  operation: string;
}

export interface LaunchedController extends BuiltController {
  config: Config;
  logs: LogLine[];
  awsCalls: AwsCall[];
  /** controller.start(): resolves once the Node index is loaded and the queue is consumed. */
  started: Promise<'started'>;
  stop(): Promise<void>;
}

/** Fast heartbeats and visibility renewals, no HTTP servers, every log line kept. */
const TEST_DEFAULTS: Record<string, string> = {
  ENABLE_PROMETHEUS_SERVER: 'false',
  ENABLE_PROBES_SERVER: 'false',
  LOG_LEVEL: 'debug',
  JSON_LOGGING: 'true',
  NTH_VISIBILITY_TIMEOUT: '20',
};

export async function launchController(env: SharedEnvironment, queue: TestQueue, settings: Record<string, string>): Promise<LaunchedController> {
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  const config = loadConfig({
    argv: [],
    env: { ...TEST_DEFAULTS, QUEUE_URL: queue.queueUrl, AWS_REGION: env.region, AWS_ENDPOINT: env.awsEndpoint, NTH_KUBECONFIG: env.kubeconfig, ...settings },
  });
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const logger = createLogger({ logLevel: config.logLevel, jsonLogging: true }, sink);
  const awsCalls: AwsCall[] = [];
  const built = await buildController(config, logger, undefined, { aws: { onCall: (service, operation) => awsCalls.push({ service, operation }) } });
  const started = built.controller.start().then(() => 'started' as const);
  // A start that never finishes is an expected outcome for some tests; a failed one shows in `started`.
  started.catch(() => undefined);
  return { ...built, config, logs, awsCalls, started, stop: () => built.controller.stop() };
}

/** Resolves 'pending' if `promise` has not settled after `ms`. */
export function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);
}

/** Log lines at warn (40) or above. */
export function warnings(logs: readonly LogLine[]): LogLine[] {
  return logs.filter((line) => (line.level ?? 0) >= 40);
}

/**
 * Warn-or-worse lines that carry the apiserver's RBAC refusal for `verb` on `resource`
 * (`User "system:serviceaccount:…" cannot patch resource "nodes" …`); a watch refusal has no
 * body, only the status, so for `watch` a 403 on the line counts.
 */
export function forbiddenLines(logs: readonly LogLine[], resource: string, verb: string): LogLine[] {
  return warnings(logs).filter((line) => {
    // The apiserver's message arrives quoted once or twice over (Status JSON inside an error
    // message inside this line's JSON): drop the escaping before looking for it.
    const text = JSON.stringify(line).replace(/\\+"/g, '"');
    if (verb === 'watch') return /"statusCode":403/.test(text) || /Forbidden/.test(text);
    return text.includes(`cannot ${verb} resource "${resource}"`);
  });
}

/** Any line at all that mentions an authorization refusal. */
export function anyForbidden(logs: readonly LogLine[]): LogLine[] {
  return logs.filter((line) => /forbidden|"statusCode":403|HTTP-Code: 403/i.test(JSON.stringify(line)));
}
