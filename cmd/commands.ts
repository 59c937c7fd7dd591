// The subcommands beyond `run` and `config`, for main.ts to dispatch to: each is loaded only when
// asked for, so the controller's own start never loads the demo, the local environment or the
// test fixtures. Each takes its own flags and prints its own --help.
import { ConfigError, loadConfigWithSources } from '../lib/config/index.ts';
import { processIo, UsageError, wantsHelp, type CommandIo } from './args.ts';
import type { ScenarioStep } from './demo/args.ts';

export const SUBCOMMAND_USAGE = `  demo     start the local environment and play a scenario with a live view (what \`run\`
           does without QUEUE_URL); --scenario all|none|spot,asg,maintenance,rebalance
  doctor   check the queue, its policy, the rules, the AWS permissions, the Kubernetes version
           and RBAC; one line per check with the fix
  send-test-event
           put a realistic event (--kind spot --instance i-…) on the queue
  config --from-nth-values FILE
           turn an aws-node-termination-handler Helm values file into our settings
           (each command has its own --help)
`;

export const SUBCOMMANDS = ['demo', 'doctor', 'send-test-event'] as const;

/**
 * Runs a subcommand, or `config --from-nth-values`; undefined when argv is for main.ts itself.
 * Usage and configuration errors end as one line on stderr and exit status 2.
 */
export async function runSubcommand(argv: readonly string[], io: CommandIo = processIo()): Promise<number | undefined> {
  const [command, ...rest] = argv;
  const nthValues = command === 'config' && rest.some((a) => a === '--from-nth-values' || a.startsWith('--from-nth-values='));
  if (!nthValues && !(SUBCOMMANDS as readonly string[]).includes(command ?? '')) return undefined;
  try {
    switch (command) {
      case 'doctor':
        return await (await import('./doctor.ts')).doctorCommand(rest, io);
      case 'send-test-event':
        return await (await import('./send-test-event.ts')).sendTestEventCommand(rest, io);
      case 'demo':
        return await demo(rest, io);
      default:
        return (await import('./nth-values.ts')).nthValuesCommand(rest, io);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

async function demo(argv: readonly string[], io: CommandIo): Promise<number> {
  const { DEMO_USAGE, takeScenario } = await import('./demo/args.ts');
  if (wantsHelp(argv)) {
    io.stdout.write(DEMO_USAGE);
    return 0;
  }
  const { scenario, rest } = takeScenario(argv);
  const loaded = loadConfigWithSources({ argv: rest, env: io.env });
  // `none` here keeps the live view without a scenario: events come from send-test-event.
  return await startDemo(loaded, scenario === 'none' ? [] : scenario);
}

/** The demo with these steps (`run` without QUEUE_URL comes here too). */
export async function startDemo(loaded: ReturnType<typeof loadConfigWithSources>, steps: readonly ScenarioStep[]): Promise<number> {
  const { runDemo } = await import('./demo/run.ts');
  return await runDemo(loaded, steps);
}
