// The command line: `run` (the default) runs the controller; `config` prints the effective
// configuration with where each value came from. With no QUEUE_URL, `run` first starts the local
// environment (Kubernetes + moto) and points the controller at it, so one command shows it work.
import { ConfigError, describeConfig, formatConfigTable, formatOptionsHelp, loadConfigWithSources, type Config } from '../lib/config/index.ts';
import { buildController, startControllerServers } from '../lib/controller/build.ts';
import { createLogger, type Logger } from '../lib/observe/logger.ts';
import { UsageError } from './args.ts';
import { runSubcommand, startDemo, SUBCOMMAND_USAGE, SUBCOMMANDS } from './commands.ts';
import { takeScenario, type Scenario } from './demo/args.ts';

const USAGE = `usage: node-termination-handler [run|config|demo|doctor|send-test-event] [--option value ...]

  run      run the controller (default). With no QUEUE_URL / --queue-url it starts the local
           environment (a Kubernetes control plane with fake nodes and moto for AWS) first and
           plays the demo scenario (see demo --help); --scenario none runs just the controller.
  config   print the effective configuration and the source of each value
${SUBCOMMAND_USAGE}  --help   this text and every option

Options (flag, environment variable, default):
`;

const COMMANDS = new Set(['run', 'config']);

async function main(argv: string[]): Promise<number> {
  const subcommand = await runSubcommand(argv);
  if (subcommand !== undefined) return subcommand;
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}${formatOptionsHelp()}\n`);
    return 0;
  }
  const command = argv[0] && !argv[0].startsWith('-') ? argv[0] : 'run';
  if (!COMMANDS.has(command)) {
    process.stderr.write(`error: unknown command "${command}"; commands: ${[...COMMANDS, ...SUBCOMMANDS].join(', ')} (see --help)\n`);
    return 2;
  }
  const rest = argv[0] === command ? argv.slice(1) : argv;
  let loaded;
  let scenario: Scenario = 'none';
  try {
    const taken = command === 'run' ? takeScenario(rest) : { scenario, rest };
    scenario = taken.scenario;
    loaded = loadConfigWithSources({ argv: taken.rest, env: process.env });
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (command === 'config') {
    process.stdout.write(`${formatConfigTable(describeConfig(loaded))}\n`);
    return 0;
  }
  if (!loaded.config.queueUrl && scenario !== 'none') return await startDemo(loaded, scenario);
  const logger = createLogger(loaded.config);
  if (!loaded.config.queueUrl) return await runLocal(loaded.config, logger);
  return await runController(loaded.config, logger);
}

/** Runs until SIGINT/SIGTERM; stopping lets another replica take over the messages in flight. */
async function runController(config: Config, logger: Logger, onStop?: () => Promise<void>): Promise<number> {
  const built = await buildController(config, logger);
  const { controller, serverVersion } = built;
  logger.info({ kubernetesVersion: serverVersion.gitVersion, queueUrl: config.queueUrl, dryRun: config.dryRun }, 'starting');
  // Before the controller: liveness answers (and readiness says "not yet") while the Node index loads.
  const servers = await startControllerServers(built, config, logger);
  try {
    await controller.start();
  } catch (error) {
    // Open listeners would keep the process alive after the error is reported.
    await servers.close();
    throw error;
  }
  await new Promise<void>((resolve) => {
    const keepAlive = setInterval(() => undefined, 60_000);
    const stop = (signal: string): void => {
      logger.info({ signal }, 'stopping: messages in flight are released for another replica');
      clearInterval(keepAlive);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await controller.stop();
  await servers.close();
  await onStop?.();
  return 0;
}

async function runLocal(config: Config, logger: Logger): Promise<number> {
  // Imported here only: the local environment is a development aid, not part of the image.
  let startLocalEnvironment;
  try {
    ({ startLocalEnvironment } = await import('./local.ts'));
  } catch {
    // The container image leaves the local environment out; there QUEUE_URL is what is missing.
    process.stderr.write('error: QUEUE_URL (--queue-url) is required: the local environment is not part of this installation\n');
    return 2;
  }
  const local = await startLocalEnvironment(logger);
  const localConfig: Config = {
    ...config,
    queueUrl: local.queueUrl,
    awsEndpoint: local.awsEndpoint,
    awsRegion: local.region,
    kubeconfig: local.kubeconfig,
  };
  return await runController(localConfig, logger, () => local.stop());
}

process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
});
