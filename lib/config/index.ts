// Public surface of the configuration module; other folders import from here only.
export { ConfigError, type ConfigErrorCode } from './errors.ts';
export { loadConfig, loadConfigWithSources, type LoadInput, type LoadedConfig } from './load.ts';
export { describeConfig, formatConfigTable, formatOptionsHelp, REDACTED, type ConfigEntry } from './describe.ts';
export type { ConfigSource } from './sources.ts';
export {
  EC2_INSTANCE_STATES,
  OPTIONS,
  type Config,
  type Ec2InstanceState,
  type LifecycleResult,
  type LogLevel,
  type OptionName,
  type RebalanceAction,
  type TaintEffect,
} from './schema.ts';
