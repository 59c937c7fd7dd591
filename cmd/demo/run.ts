// The demo: local environment → demo cluster → controller (in this process, logging to a file) →
// scenario with a live view → summary → wait for Ctrl-C → tear down. Whatever happens, the
// controller is stopped and the environment removed before this returns.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { LoadedConfig } from '../../lib/config/index.ts';
import type { Config } from '../../lib/config/index.ts';
import { buildController, type BuiltController } from '../../lib/controller/build.ts';
import { createLogger, silentLogger } from '../../lib/observe/logger.ts';
import { sleep } from '../../test/env/helpers/wait.ts';
import { startLocalEnvironment, type LocalEnvironment } from '../local.ts';
import type { ScenarioStep } from './args.ts';
import { planScenario, playStep, type PlannedStep } from './scenario.ts';
import { LiveScreen } from './screen.ts';
import { DemoTracker, type DemoModel } from './tracker.ts';
import { renderFrame, renderSummary, stateText, type Header } from './view.ts';
import { createWorkloads, DAEMONSET, DEPLOYMENTS } from './workloads.ts';

export const DEMO_NODES = 6;
/** After this, the summary says which nodes did not get where they should. */
const SCENARIO_TIMEOUT_MS = 90_000;
const FRAME_MS = 500;

interface StopSignal {
  readonly promise: Promise<void>;
  readonly stopped: boolean;
  dispose(): void;
}

/** First Ctrl-C: tear down in order. Second: leave now (the environment's reaper cleans up). */
function stopSignal(out: NodeJS.WritableStream): StopSignal {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  let count = 0;
  const on = (): void => {
    count++;
    if (count > 1) {
      out.write('\nsecond signal: exiting now; the environment\'s reaper removes what is left\n');
      process.exit(130);
    }
    resolve();
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, on);
  return {
    promise,
    get stopped() {
      return count > 0;
    },
    dispose: () => {
      for (const s of signals) process.off(s, on);
    },
  };
}

/** The user's settings, pointed at the local environment; heartbeats made visible unless set. */
function demoConfig(loaded: LoadedConfig, local: LocalEnvironment): Config {
  const heartbeatInterval = loaded.sources.heartbeatInterval === 'default' ? 2 : loaded.config.heartbeatInterval;
  return {
    ...loaded.config,
    queueUrl: local.queueUrl,
    awsEndpoint: local.awsEndpoint,
    awsRegion: local.region,
    kubeconfig: local.kubeconfig,
    heartbeatInterval,
  };
}

function changes(model: DemoModel): string[] {
  const feed = model.feed.map((f) => `+${((f.at - model.startedAt) / 1000).toFixed(1)}s  ${f.text}`);
  const states = model.rows.filter((r) => r.planned !== undefined && r.sentAt !== undefined)
    .map((r) => `node ${r.nodeName} (${r.planned?.title ?? ''}): ${stateText(r)}`);
  return [...feed, ...states];
}

export async function runDemo(loaded: LoadedConfig, steps: readonly ScenarioStep[]): Promise<number> {
  const out = process.stdout;
  out.write('Starting the local environment: Kubernetes (KWOK nodes) and moto. The first run builds Kubernetes (about 8 minutes).\n');
  const local = await startLocalEnvironment(silentLogger(), { nodes: DEMO_NODES, announce: false });
  const stop = stopSignal(out);
  let built: BuiltController | undefined;
  const logFile = join(local.dir, 'controller.log');
  const logStream = createWriteStream(logFile);
  try {
    out.write(`Creating the demo cluster: ${DEMO_NODES} nodes; Deployments ${DEPLOYMENTS.map((d) => `${d.name} (${d.replicas} pods)`).join(', ')}, ` +
      `each with a PodDisruptionBudget; DaemonSet ${DAEMONSET}.\n`);
    await createWorkloads(local.kube, DEMO_NODES);
    const config = demoConfig(loaded, local);
    built = await buildController(config, createLogger({ logLevel: config.logLevel, jsonLogging: true }, logStream));
    await built.controller.start();
    const plan = planScenario(steps, local.fleet.instances, config);
    const header: Header = {
      k8sVersion: local.k8sVersion, awsEndpoint: local.awsEndpoint, logFile, queueName: local.queueUrl.split('/').pop() ?? '',
    };
    const screen = new LiveScreen(out, out.isTTY === true);
    const tracker = new DemoTracker(local, plan, Date.now());
    const timedOut = await play(local, plan, tracker, screen, header, stop);
    screen.frame(renderFrame(tracker.model, header, Date.now()), changes(tracker.model));
    screen.close();
    // Ctrl-C before the end: of a scenario, an interruption; of the view alone, the way to leave.
    if (stop.stopped) return plan.length === 0 ? 0 : 130;
    screen.print([...renderSummary(tracker.model, Date.now(), timedOut), '', ...instructions(local)]);
    await stop.promise;
    return timedOut ? 1 : 0;
  } finally {
    out.write('\nStopping the controller and tearing the environment down…\n');
    await built?.controller.stop();
    await new Promise<void>((resolve) => logStream.end(resolve));
    await local.stop();
    out.write('Done: the environment is gone (processes stopped, files removed).\n');
    stop.dispose();
  }
}

/** Plays the steps on time and redraws until every node is where it should be; true on timeout. */
async function play(local: LocalEnvironment, plan: readonly PlannedStep[], tracker: DemoTracker, screen: LiveScreen, header: Header, stop: StopSignal): Promise<boolean> {
  const pending = [...plan];
  const startedAt = tracker.model.startedAt;
  tracker.note(`controller started; scenario: ${plan.map((p) => p.title).join(', ') || 'none'}`);
  while (!stop.stopped) {
    for (let next = pending[0]; next !== undefined && Date.now() - startedAt >= next.at; next = pending[0]) {
      pending.shift();
      // The clock starts before the put: the controller may act before PutEvents returns.
      const sentAt = Date.now();
      tracker.markSent(next, await playStep(local, next), sentAt);
    }
    try {
      await tracker.poll();
    } catch (error) {
      // A server busy for a moment; the next poll catches up. Say so if it lasts.
      tracker.note(`(view: a poll failed: ${error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)})`);
    }
    screen.frame(renderFrame(tracker.model, header, Date.now()), changes(tracker.model));
    // With no scenario the view runs until Ctrl-C, showing what send-test-event brings.
    if (plan.length > 0 && pending.length === 0 && tracker.finished()) return false;
    if (plan.length > 0 && Date.now() - startedAt > SCENARIO_TIMEOUT_MS) return true;
    await Promise.race([sleep(FRAME_MS), stop.promise]);
  }
  return false;
}

function instructions(local: LocalEnvironment): string[] {
  const spare = local.fleet.instances[DEMO_NODES - 1];
  const env = `QUEUE_URL=${local.queueUrl} AWS_ENDPOINT=${local.awsEndpoint} AWS_REGION=${local.region} ` +
    `AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing KUBECONFIG=${local.kubeconfig}`;
  return [
    'The environment stays up until Ctrl-C, with the controller still running. From another terminal:',
    `  export ${env}`,
    '  node_modules/.bin/node cmd/main.ts doctor          # every check of a real setup, against this one',
    `  node_modules/.bin/node cmd/main.ts send-test-event --via eventbridge --kind spot --instance ${spare?.instanceId ?? 'i-…'}`,
    '  kubectl get nodes                                   # with KUBECONFIG as above',
    'Press Ctrl-C to stop the controller and tear everything down.',
  ];
}
