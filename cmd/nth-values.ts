// `config --from-nth-values FILE`: an aws-node-termination-handler Helm values file → our settings,
// as env lines (deploy/base/settings.env's format) or a ConfigMap. Warnings go to stderr so the
// output can be redirected straight into a file.
import { readFileSync } from 'node:fs';
import { loadYaml } from '@kubernetes/client-node';
import {
  convertNthValues,
  formatConfigMap,
  formatEnvLines,
  multiLineSettings,
} from '../lib/config/nth-values.ts';
import { flagValue, takeFlags, UsageError, wantsHelp, type CommandIo } from './args.ts';

export const NTH_VALUES_USAGE = `usage: node-termination-handler config --from-nth-values FILE [--output env|configmap]
                                      [--name NAME] [--namespace NAMESPACE]

Turns an aws-node-termination-handler Helm values file (queue-processor mode) into our settings.
Each chart key is mapped to the env variable the chart would have rendered (queueURL → QUEUE_URL,
podTerminationGracePeriod → POD_TERMINATION_GRACE_PERIOD, …); the result is checked against our
schema. Keys with no equivalent (IMDS-mode settings, Deployment shape, unknown keys) are listed on
stderr as warnings, with what to do instead.

  --from-nth-values FILE   the values file ("-" reads stdin)
  --output env             KEY=value lines, the format of deploy/base/settings.env (default)
  --output configmap       a ConfigMap for the Deployment's envFrom
  --name, --namespace      the ConfigMap's name and namespace
                           (default node-termination-handler-settings in node-termination-handler)
  --help                   this text

Example:
  node cmd/main.ts config --from-nth-values nth-values.yaml > deploy/base/settings.env
Exit status: 0 converted (warnings or not), 2 unreadable file or a value our schema rejects.
`;

const FLAGS = [
  { flag: '--from-nth-values', value: true },
  { flag: '--output', value: true },
  { flag: '--name', value: true },
  { flag: '--namespace', value: true },
] as const;

export function nthValuesCommand(argv: readonly string[], io: CommandIo): number {
  if (wantsHelp(argv)) {
    io.stdout.write(NTH_VALUES_USAGE);
    return 0;
  }
  const taken = takeFlags(argv, FLAGS);
  if (taken.rest.length > 0) throw new UsageError(`unexpected argument ${taken.rest[0] ?? ''} (see config --from-nth-values --help)`);
  const file = flagValue(taken, '--from-nth-values') ?? '';
  const output = flagValue(taken, '--output') ?? 'env';
  if (output !== 'env' && output !== 'configmap') throw new UsageError(`--output ${output}: allowed: env, configmap`);

  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    io.stderr.write(`error: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  let values: unknown;
  try {
    // client-node's loader (js-yaml underneath) is already a dependency; a values file has no
    // apiVersion/kind, so it comes back as the plain tree.
    values = text.trim() === '' ? {} : loadYaml<unknown>(text);
  } catch (error) {
    io.stderr.write(`error: ${file} is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
    return 2;
  }
  const result = convertNthValues(values);
  for (const warning of result.warnings) io.stderr.write(`warning: ${warning}\n`);
  for (const error of result.errors) io.stderr.write(`error: ${error}\n`);
  if (result.errors.length > 0) return 2;

  if (output === 'configmap') {
    io.stdout.write(formatConfigMap(result.settings,
      flagValue(taken, '--name') ?? 'node-termination-handler-settings',
      flagValue(taken, '--namespace') ?? 'node-termination-handler'));
    return 0;
  }
  const multi = multiLineSettings(result.settings);
  if (multi.length > 0) {
    io.stderr.write(`error: ${multi.join(', ')} span several lines, which an env file cannot hold; use --output configmap\n`);
    return 2;
  }
  io.stdout.write(formatEnvLines(result.settings, `Converted from ${file} by \`node-termination-handler config --from-nth-values\`.`));
  return 0;
}
