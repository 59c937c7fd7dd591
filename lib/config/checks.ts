// Rules that involve more than one option. They run on effective values (defaults included), so a
// single setting that contradicts another option's default is caught too.
import { ConfigError } from './errors.ts';
import { optionLabel } from './option.ts';
import { SCHEMA, type Config, type OptionName } from './schema.ts';

const label = (name: OptionName): string => optionLabel(name, SCHEMA[name]);

export function checkCrossField(config: Config): void {
  // Heartbeats that stop before the first one is due would never be sent.
  if (config.heartbeatUntil < config.heartbeatInterval) {
    throw new ConfigError('conflict',
      `invalid ${label('heartbeatUntil')}: ${config.heartbeatUntil}; ` +
        `must be >= ${label('heartbeatInterval')}, which is ${config.heartbeatInterval}`,
      { option: 'heartbeatUntil' });
  }
  // Both set would leave it to chance which template is meant.
  if (config.webhookTemplate !== '' && config.webhookTemplateFile !== '') {
    throw new ConfigError('conflict',
      `conflicting ${label('webhookTemplate')} and ${label('webhookTemplateFile')}: set only one`,
      { option: 'webhookTemplateFile' });
  }
  // Two servers on one port: the second would fail to listen only after startup had "succeeded".
  if (config.enablePrometheusServer && config.enableProbesServer && config.prometheusServerPort === config.probesServerPort) {
    throw new ConfigError('conflict',
      `conflicting ${label('prometheusServerPort')} and ${label('probesServerPort')}: ` +
        `both are ${config.probesServerPort} while both servers are enabled`,
      { option: 'probesServerPort' });
  }
}
